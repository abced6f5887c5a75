//! What training and serving read of people's behaviour: a page of people at a time, or one person.
use async_trait::async_trait;
use uuid::Uuid;

use crate::*;

/// What people did with products, for training the recommenders.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Interactions {
    /// (person, model, kind, when) from behaviour events of known people.
    pub events: Vec<(Uuid, String, portal_api::EventKind, i64)>,
    /// (customer, SKU, when) from sales at the stores linked to a customer.
    pub purchases: Vec<(Uuid, String, i64)>,
    /// (customer, the city of the store of their latest purchase in the window).
    pub regions: Vec<(Uuid, String)>,
    /// (customer, customer tag) for every tag member: the segments.
    pub segments: Vec<(Uuid, Uuid)>,
}

#[async_trait]
pub trait Interest: Send + Sync {
    /// People's behaviour since `since` for training, a page at a time in the order of their ids:
    /// the people after `after`, about `rows` rows of each kind's worth (a page ends after a whole
    /// person), one row per (person, product, kind) from the aggregated interests, with store
    /// purchases, regions and segments; nothing of people who declined tracking.
    async fn interest_page(&self, since: i64, after: Option<Uuid>, rows: u32) -> DbResult<InterestPage> {
        let through = self.interest_bounds(after, rows, 1).await?.ends.pop();
        Ok(InterestPage { people: self.interest_range(since, after, through).await?, next: through })
    }
    /// Where the next `pages` pages after `after` end, each about `rows` rows of each kind's
    /// worth, and whether one more page from the last end holds the rest.
    async fn interest_bounds(&self, after: Option<Uuid>, rows: u32, pages: u32) -> DbResult<PageEnds>;
    /// The behaviour of the people after `after` up to and including `through` (to the last
    /// when None), in one snapshot, in the order of their ids.
    async fn interest_range(
        &self,
        since: i64,
        after: Option<Uuid>,
        through: Option<Uuid>,
    ) -> DbResult<Vec<PersonHistory>>;
    /// One person's behaviour since `since`, as a page holds it (to serve them their own lists).
    async fn person_history(&self, user: Uuid, since: i64) -> DbResult<PersonHistory>;
    /// The same with every event as it came, for the offline evaluation's split by time (a
    /// command run by hand, never a server pass: it reads the whole window).
    async fn every_interaction(&self, since: i64) -> DbResult<Interactions>;
}
