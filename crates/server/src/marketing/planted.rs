//! Demo behaviour for the evaluation and the benchmarks: households with planted preferences
//! (`portal_marketing::planted`) acting on the catalog in the database, kept as behaviour events
//! of their own accounts' ids, exactly as the apps' events are kept. Idempotent for a seed.
use std::collections::BTreeMap;

use portal_api::{Product, TrackedEvent};
use portal_marketing::{
    events::{class, kinds_needed_without_consent},
    planted::{plant, PlantItem, PlantParams},
};
use uuid::Uuid;

use crate::{
    common::now,
    db::{EventToKeep, IngestRequest},
    error::AppResult,
    marketing::model::top_category,
    portal::Portal,
};

/// The id of a planted household (and of its installation): recognisable, stable for a seed.
pub fn household_id(seed: u64, household: u32, install: bool) -> Uuid {
    Uuid::from_u128(
        0x0190_0000_0000_7000_9000_0000_0000_0000
            | (u128::from(seed as u16) << 40)
            | (u128::from(install) << 32)
            | u128::from(household),
    )
}

/// A planted event as the ingest keeps it (its time taken as sent, its list as named).
pub fn to_keep(event: &TrackedEvent) -> EventToKeep {
    EventToKeep {
        id: event.id,
        kind: event.kind,
        class: class(event.kind).as_str(),
        at: event.at,
        model: event.model.clone(),
        body: serde_json::to_string(event).unwrap_or_default(),
        body_hash: crate::common::body_hash(event),
        clock_adjusted: false,
        recommendation: event.recommendation,
    }
}

/// The catalog as the generator needs it, in the database's order.
pub fn plant_items(products: &[Product]) -> Vec<PlantItem> {
    products
        .iter()
        .map(|p| PlantItem {
            category: top_category(&p.category).to_owned(),
            series: p.series.clone(),
            price: p.skus.iter().map(|s| s.list_price).min().unwrap_or(0),
            withdrawn: p.lifecycle == portal_api::Lifecycle::Discontinued,
        })
        .collect()
}

/// Plants `households` households' behaviour over the last `days` days; returns how many events
/// were new.
pub async fn seed_behaviour(portal: &Portal, households: usize, days: i64, seed: u64) -> AppResult<usize> {
    let products = portal.catalog.catalog_products().await?;
    let now = now();
    let params = PlantParams { households, start: now - days * 86_400, end: now, sessions: 6.0, seed };
    let items = plant_items(&products);
    let planted = tokio::task::spawn_blocking(move || plant(&items, &params)).await.unwrap_or_default();
    let mut by_household: BTreeMap<u32, Vec<EventToKeep>> = BTreeMap::new();
    for (n, e) in planted.iter().enumerate() {
        let event = TrackedEvent {
            id: Uuid::from_u128(household_id(seed, e.user, false).as_u128() ^ ((n as u128 + 1) << 64)),
            kind: e.kind,
            at: e.at,
            model: Some(products[e.item as usize].model.clone()),
            models: vec![],
            query: None,
            results: None,
            recommendation: None,
            detail: Some("planted".into()),
        };
        by_household.entry(e.user).or_default().push(to_keep(&event));
    }
    let mut new = 0;
    for (household, events) in by_household {
        let answer = portal
            .db
            .ingest_events(IngestRequest {
                install_id: household_id(seed, household, true),
                user_id: Some(household_id(seed, household, false)),
                events,
                limits: vec![],
                needed_kinds: kinds_needed_without_consent(),
                now,
                prepared_at: std::time::Instant::now(),
            })
            .await?;
        if let crate::db::Ingest::Kept(kept) = answer {
            new += kept.iter().filter(|k| **k == crate::db::EventKept::New).count();
        }
    }
    Ok(new)
}

/// Plants the report's trail over the last `days` days: `lists_per_day` home lists served to
/// planted households, each shown to its household and one in `click_every` clicked (its first
/// product), as an app would send them. Returns (lists, events) planted.
pub async fn seed_trail(
    portal: &Portal,
    lists_per_day: u32,
    days: i64,
    click_every: u32,
    households: u32,
    seed: u64,
) -> AppResult<(usize, usize)> {
    let products = portal.catalog.catalog_products().await?;
    let now = now();
    let (mut lists, mut events) = (0, 0);
    for day in 0..days {
        let mut batches: BTreeMap<u32, Vec<EventToKeep>> = BTreeMap::new();
        for i in 0..lists_per_day {
            let n = (day as u64) * u64::from(lists_per_day) + u64::from(i);
            let household = ((n.wrapping_mul(2_654_435_761) ^ seed) % u64::from(households.max(1))) as u32;
            let served_at = now - (days - day) * 86_400 + i64::from(i % 80_000);
            let model = products[(n as usize) % products.len().max(1)].model.clone();
            let id = Uuid::from_u128(
                0x0190_0000_0000_7000_a000_0000_0000_0000 | u128::from(n) << 16 | u128::from(seed as u16),
            );
            portal
                .db
                .record_served_list(crate::db::ServedList {
                    id,
                    user_id: Some(household_id(seed, household, false)),
                    placement: "home".into(),
                    algorithm: "als+popular".into(),
                    arm: None,
                    experiment: None,
                    models: vec![model.clone()],
                    served_at,
                    store_id: None,
                })
                .await?;
            lists += 1;
            let mut planted = vec![(portal_api::EventKind::RecommendationShown, served_at + 1, None)];
            if i % click_every.max(1) == 0 {
                planted.push((portal_api::EventKind::RecommendationClicked, served_at + 5, Some(model)));
            }
            for (k, (kind, at, model)) in planted.into_iter().enumerate() {
                let event = TrackedEvent {
                    id: Uuid::from_u128(id.as_u128() ^ (k as u128 + 1)),
                    kind,
                    at,
                    model,
                    models: vec![],
                    query: None,
                    results: None,
                    recommendation: Some(id),
                    detail: Some("planted".into()),
                };
                batches.entry(household).or_default().push(to_keep(&event));
            }
        }
        for (household, batch) in batches {
            for chunk in batch.chunks(500) {
                portal
                    .db
                    .ingest_events(IngestRequest {
                        install_id: household_id(seed, household, true),
                        user_id: Some(household_id(seed, household, false)),
                        events: chunk.to_vec(),
                        limits: vec![],
                        needed_kinds: kinds_needed_without_consent(),
                        now,
                        prepared_at: std::time::Instant::now(),
                    })
                    .await?;
                events += chunk.len();
            }
        }
    }
    Ok((lists, events))
}
