//! The report's trail: what lists were served, shown, clicked and bought from, and the days sealed
//! into aggregates.
use async_trait::async_trait;

use crate::*;

pub use portal_marketing::trail::TrailFacts;

#[async_trait]
pub trait Trail: Send + Sync {
    /// What the report's trail is made of in `[from, until)`: lists served, impressions, clicks and
    /// counter offers, with the clicks and purchases of the attribution window before it.
    async fn trail_facts(&self, from: i64, until: i64) -> DbResult<TrailFacts>;
    /// The report's sealed days in `[from, until)`: a row per day and group.
    async fn trail_days(&self, from: i64, until: i64) -> DbResult<Vec<portal_marketing::trail::TrailRow>>;
    /// The start of the first day not sealed (`None` before any was).
    async fn trail_sealed_until(&self) -> DbResult<Option<i64>>;
    /// Seals the day `[day, next)` with its rows, atomically, if it is the next to seal (or none
    /// was); false when another instance sealed it first.
    async fn seal_trail_day(&self, day: i64, next: i64, rows: Vec<portal_marketing::trail::TrailRow>)
        -> DbResult<bool>;
}
