//! Price lists' contracts: a change is kept whole or refused whole, what is kept resolves as the
//! rules say, and parallel changes to one scope and SKU never leave two entries overlapping.
use std::sync::Arc;

use portal_distribution::prices::{resolve, Buyer, PriceEntry, PriceScope};
use uuid::Uuid;

use super::{join_all, AT, RACERS};
use crate::{ConflictsWith, Database, PriceListChange};

fn entry(scope: PriceScope, sku: &str, price: i64, from: i32, until: Option<i32>) -> PriceEntry {
    PriceEntry { scope, sku: sku.into(), price, floor: Some(price / 2), valid_from: from, valid_until: until }
}

fn change(entries: Vec<PriceEntry>) -> PriceListChange {
    PriceListChange { entries, by: Uuid::now_v7(), at: AT }
}

pub async fn a_price_change_is_kept_or_refused_whole_and_resolves_by_scope(db: Arc<dyn Database>) {
    let sku = format!("TV-{}", Uuid::now_v7().simple());
    let dealer = Uuid::now_v7();
    let kept = db
        .put_price_entries(change(vec![
            entry(PriceScope::List, &sku, 400_000, 0, None),
            entry(PriceScope::Tier("gold".into()), &sku, 370_000, 100, Some(199)),
            entry(PriceScope::Dealer(dealer), &sku, 360_000, 150, Some(160)),
        ]))
        .await
        .unwrap();
    assert_eq!(kept, Ok(3));
    // One overlapping entry refuses the whole change; the other entry is not kept either.
    let refused = db
        .put_price_entries(change(vec![
            entry(PriceScope::Region("east".into()), &sku, 380_000, 0, None),
            entry(PriceScope::Tier("gold".into()), &sku, 350_000, 199, None),
        ]))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].index, 1);
    assert!(matches!(&refused[0].with, ConflictsWith::Kept(e) if e.valid_until == Some(199)));

    let buyer = Buyer { dealer, tier: Some("gold".into()), region: Some("east".into()) };
    let scopes = vec![
        PriceScope::Dealer(dealer),
        PriceScope::Tier("gold".into()),
        PriceScope::Region("east".into()),
        PriceScope::List,
    ];
    let on = |day: i32| {
        let (db, scopes, sku) = (db.clone(), scopes.clone(), sku.clone());
        async move { db.price_entries(scopes, vec![sku], day).await.unwrap() }
    };
    let day_155 = on(155).await;
    assert_eq!(day_155.len(), 3, "{day_155:?}");
    assert_eq!(resolve(&day_155, &sku, &buyer, 155).unwrap().price, 360_000);
    assert_eq!(resolve(&on(170).await, &sku, &buyer, 170).unwrap().price, 370_000);
    let day_300 = on(300).await;
    assert_eq!(day_300.len(), 1, "the region's entry was refused with its change: {day_300:?}");
    assert_eq!(resolve(&day_300, &sku, &buyer, 300).unwrap().scope, PriceScope::List);
    assert_eq!(day_155.iter().find(|e| e.scope == PriceScope::List).unwrap().floor, Some(200_000));
}

pub async fn parallel_changes_to_one_price_key_never_leave_two_entries_overlapping(db: Arc<dyn Database>) {
    // From one day each: any two overlap, whatever order they come in; one is kept.
    let sku = format!("AC-{}", Uuid::now_v7().simple());
    let outcomes = join_all((0..RACERS).map(|n| {
        let db = db.clone();
        let change = change(vec![entry(PriceScope::List, &sku, 100_000 + n as i64, 5, Some(50))]);
        tokio::spawn(async move { db.put_price_entries(change).await.unwrap() })
    }))
    .await;
    let kept = outcomes.into_iter().map(Result::unwrap).filter(Result::is_ok).count();
    assert_eq!(kept, 1, "one entry of a scope and SKU for the same days");
    // Open-ended from days of their own: each later one ends the one before, in whatever order
    // they land; what is kept never has two entries on one day, and one is open at the end.
    let sku = format!("AC-{}", Uuid::now_v7().simple());
    let outcomes = join_all((0..RACERS).map(|n| {
        let db = db.clone();
        let change = change(vec![entry(PriceScope::List, &sku, 100_000 + n as i64, n as i32, None)]);
        tokio::spawn(async move { db.put_price_entries(change).await.unwrap() })
    }))
    .await;
    assert!(outcomes.into_iter().map(Result::unwrap).any(|o| o.is_ok()));
    for day in 0..RACERS as i32 + 2 {
        let on = db.price_entries(vec![PriceScope::List], vec![sku.clone()], day).await.unwrap();
        assert!(on.len() <= 1, "two entries on day {day}: {on:?}");
    }
    let late = db.price_entries(vec![PriceScope::List], vec![sku.clone()], 10_000).await.unwrap();
    assert_eq!(late.len(), 1);
    // Different keys do not wait on each other's refusals: all are kept.
    let outcomes = join_all((0..RACERS).map(|n| {
        let db = db.clone();
        let change = change(vec![entry(PriceScope::Dealer(Uuid::now_v7()), &sku, 90_000, 0, Some(n as i32))]);
        tokio::spawn(async move { db.put_price_entries(change).await.unwrap() })
    }))
    .await;
    assert!(outcomes.into_iter().all(|o| o.unwrap().is_ok()));
}
