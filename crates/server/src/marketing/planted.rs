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
    db::{EventToKeep, IngestRequest},
    error::AppResult,
    marketing::recommender::top_category,
    portal::{now, Portal},
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
    let products = portal.catalog_products().await?;
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
        by_household.entry(e.user).or_default().push(EventToKeep {
            id: event.id,
            kind: event.kind,
            class: class(event.kind).as_str(),
            at: event.at,
            model: event.model.clone(),
            body: serde_json::to_string(&event).unwrap_or_default(),
            body_hash: crate::store_ops::body_hash(&event),
            clock_adjusted: false,
            recommendation: None,
        });
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
