//! Customer tags and the customer view's contracts: a tag name taken once under parallel
//! creations, members replaced for the people checked and sizes counted again, the incremental
//! progress, a customer's activity and record, counter grants that expire.
use std::sync::Arc;

use portal_api::EventKind;
use uuid::Uuid;

use super::{
    events::{consumer, event_of, request},
    join_all, AT, RACERS,
};
use crate::{Customers, Database, TagRow};

fn tag(name: &str) -> TagRow {
    TagRow {
        id: Uuid::now_v7(),
        name: name.into(),
        rule: "spend > 1".into(),
        created_by: Uuid::now_v7(),
        created_at: AT,
        size: 0,
        computed_at: None,
    }
}

pub async fn a_tag_name_is_taken_once_and_members_are_replaced_for_the_people_checked(db: Arc<dyn Database>) {
    let name = format!("high value {}", Uuid::now_v7());
    let attempts = join_all((0..RACERS).map(|_| {
        let db = db.clone();
        let t = tag(&name);
        tokio::spawn(async move { (t.id, db.create_tag(t).await.unwrap()) })
    }))
    .await;
    let winners: Vec<Uuid> = attempts.into_iter().map(Result::unwrap).filter(|a| a.1).map(|a| a.0).collect();
    assert_eq!(winners.len(), 1, "one tag of a name");
    let id = winners[0];
    let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    assert_eq!(db.set_tag_members(id, vec![a, b, c], vec![a, b], true, None).await.unwrap(), 2);
    // An incremental pass checks b only: b leaves, a stays.
    assert_eq!(db.set_tag_members(id, vec![b], vec![], true, Some(AT)).await.unwrap(), 1);
    // A page of a full pass leaves the size to be counted at its end.
    assert_eq!(db.set_tag_members(id, vec![c], vec![c], false, None).await.unwrap(), 1, "not counted yet");
    assert_eq!(db.set_tag_members(id, vec![c], vec![], true, None).await.unwrap(), 1);
    let row = db.tags().await.unwrap().into_iter().find(|t| t.id == id).unwrap();
    assert_eq!((row.size, row.computed_at, row.name.as_str()), (1, Some(AT), name.as_str()));
    // Parallel passes over disjoint people add up.
    let people: Vec<Uuid> = (0..RACERS).map(|_| Uuid::now_v7()).collect();
    join_all(people.iter().map(|p| {
        let db = db.clone();
        let p = *p;
        tokio::spawn(async move { db.set_tag_members(id, vec![p], vec![p], true, None).await.unwrap() })
    }))
    .await;
    let row = db.tags().await.unwrap().into_iter().find(|t| t.id == id).unwrap();
    assert_eq!(row.size, 1 + RACERS as u32);
    assert!(db.delete_tag(id).await.unwrap());
    assert!(!db.delete_tag(id).await.unwrap());
    assert_eq!(
        db.set_tag_members(id, vec![a], vec![a], true, None).await.unwrap(),
        0,
        "a deleted tag takes no members"
    );
    assert!(db.tags().await.unwrap().iter().all(|t| t.id != id));
}

pub async fn changed_customers_their_activity_and_record_are_read_back(db: Arc<dyn Database>) {
    let me = consumer(&*db, "+8613900000131").await;
    let mut favourite = event_of(EventKind::Favourite, Some("TV-9"));
    favourite.class = "positive";
    let view = event_of(EventKind::ProductView, Some("TV-8"));
    db.ingest_events(request(Uuid::now_v7(), Some(me), vec![favourite, view], 1000, AT + 100)).await.unwrap();
    let changed = db.changed_customers(AT, AT + 100, i64::MAX).await.unwrap();
    assert!(changed.contains(&me), "behaviour received after the mark");
    assert!(!db.changed_customers(AT, AT + 99, i64::MAX).await.unwrap().contains(&me), "not before it arrived");
    assert!(!db.changed_customers(AT + 100, AT + 150, i64::MAX).await.unwrap().contains(&me), "nothing new after it");

    let activity = db.customer_activity(Customers::Only(vec![me]), AT - 86_400).await.unwrap();
    assert_eq!(activity.len(), 1);
    assert_eq!(
        activity[0].events,
        [
            (EventKind::Favourite, Some("TV-9".to_owned()), AT - 10),
            (EventKind::ProductView, Some("TV-8".to_owned()), AT - 10)
        ],
        "what shapes a profile, in time order"
    );
    let mut shown = event_of(EventKind::RecommendationShown, None);
    shown.at = AT - 5;
    db.ingest_events(request(Uuid::now_v7(), Some(me), vec![shown], 1000, AT + 200)).await.unwrap();
    db.set_tracking_consent(me, false, AT + 120).await.unwrap();
    assert!(
        db.changed_customers(AT + 100, AT + 150, i64::MAX).await.unwrap().contains(&me),
        "a new choice is a change"
    );
    let activity = db.customer_activity(Customers::Only(vec![me]), AT - 86_400).await.unwrap();
    assert!(activity[0].events.is_empty(), "declined tracking: no behaviour shapes the profile");
    db.set_tracking_consent(me, true, AT + 130).await.unwrap();
    let activity = db.customer_activity(Customers::Only(vec![me, Uuid::now_v7()]), AT - 86_400).await.unwrap();
    assert_eq!(activity.len(), 1, "consumers only");
    assert_eq!(activity[0].events.len(), 2, "impressions say nothing about the customer");
    let page = db.customer_activity(Customers::Page { after: None, limit: 100_000 }, 0).await.unwrap();
    assert!(page.iter().any(|a| a.user_id == me), "consumers page in id order");
    assert!(page.windows(2).all(|w| w[0].user_id < w[1].user_id));

    let (progress, full) = db.tag_progress().await.unwrap();
    db.set_tag_progress(progress.max(AT + 100), full.max(AT)).await.unwrap();
    db.set_tag_progress(0, 0).await.unwrap();
    assert_eq!(db.tag_progress().await.unwrap(), (progress.max(AT + 100), full.max(AT)), "progress never goes back");

    let record = db.customer_record(me, 50).await.unwrap();
    assert!(record.purchases.is_empty() && record.lists.is_empty() && record.clicks.is_empty());
    assert_eq!(record.spend, 0);

    // Deleting the history takes the tags made from it, and the sizes follow.
    let t = tag(&format!("viewers {}", Uuid::now_v7()));
    db.create_tag(t.clone()).await.unwrap();
    assert_eq!(db.set_tag_members(t.id, vec![me], vec![me], true, Some(AT)).await.unwrap(), 1);
    assert_eq!(db.customer_record(me, 50).await.unwrap().tags, [t.name.clone()]);
    assert!(db.person_history(me, 0).await.unwrap().segments.contains(&t.id), "a tag is a segment");
    db.delete_events(me).await.unwrap();
    assert!(db.customer_record(me, 50).await.unwrap().tags.is_empty());
    assert_eq!(db.tags().await.unwrap().into_iter().find(|x| x.id == t.id).unwrap().size, 0);
}

pub async fn a_counter_grant_lets_one_promoter_see_one_customer_until_it_expires(db: Arc<dyn Database>) {
    let customer = consumer(&*db, "+8613900000132").await;
    let promoter = Uuid::now_v7();
    assert_eq!(db.counter_view_until(promoter, customer, Some(super::STORE), AT).await.unwrap(), None);
    db.grant_counter_view(promoter, customer, Some(super::STORE), AT + 600).await.unwrap();
    assert_eq!(db.counter_view_until(promoter, customer, Some(super::STORE), AT).await.unwrap(), Some(AT + 600));
    let elsewhere = Some(Uuid::now_v7());
    assert_eq!(db.counter_view_until(promoter, customer, elsewhere, AT).await.unwrap(), None, "at another store");
    assert_eq!(db.counter_view_until(promoter, customer, Some(super::STORE), AT + 600).await.unwrap(), None, "expired");
    assert_eq!(
        db.counter_view_until(Uuid::now_v7(), customer, Some(super::STORE), AT).await.unwrap(),
        None,
        "another promoter"
    );
    assert_eq!(
        db.counter_view_until(promoter, Uuid::now_v7(), Some(super::STORE), AT).await.unwrap(),
        None,
        "another customer"
    );
    db.grant_counter_view(promoter, customer, None, AT + 1200).await.unwrap();
    assert_eq!(db.counter_view_until(promoter, customer, None, AT + 900).await.unwrap(), Some(AT + 1200), "renewed");
}
