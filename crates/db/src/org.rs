//! The organisation: stores, dealers, and who works where.
use async_trait::async_trait;
use uuid::Uuid;

use crate::*;

#[async_trait]
pub trait Org: Send + Sync {
    async fn upsert_store(&self, store: portal_api::Store) -> DbResult<()>;
    async fn upsert_dealer(&self, dealer: portal_api::Dealer) -> DbResult<()>;
    async fn get_store(&self, id: Uuid) -> DbResult<Option<portal_api::Store>>;
    async fn get_dealer(&self, id: Uuid) -> DbResult<Option<portal_api::Dealer>>;
    async fn count_members(&self, role: Role, org_id: Uuid) -> DbResult<u32>;
    /// Sets the role with its stores (a promoter's one, a manager's several; the first is the home
    /// store) or dealer, and clears any discount limit set for the old role.
    /// Ends the account's current store assignments and starts the new ones at `now`.
    async fn set_role(
        &self,
        user_id: Uuid,
        role: Role,
        store_ids: Vec<Uuid>,
        dealer_id: Option<Uuid>,
        now: i64,
    ) -> DbResult<bool>;
    /// Whether the account worked at the store (as a promoter or its manager) at time `at`.
    async fn assigned_at(&self, user_id: Uuid, store_id: Uuid, at: i64) -> DbResult<bool>;
    /// The stores an account works at: a promoter's own, a store manager's (home store first).
    async fn user_stores(&self, user_id: Uuid) -> DbResult<Vec<portal_api::Store>>;
    async fn manages(&self, user_id: Uuid, store_id: Uuid) -> DbResult<bool>;
    /// The promoters and managers of a store.
    async fn store_staff(&self, store_id: Uuid) -> DbResult<Vec<UserRecord>>;
    async fn set_discount_limit(&self, user_id: Uuid, percent: Option<u32>) -> DbResult<bool>;
}
