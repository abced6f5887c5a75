//! Favourites, written through the app's outbox.
use async_trait::async_trait;
use uuid::Uuid;

use crate::*;

#[async_trait]
pub trait Favourites: Send + Sync {
    /// Applies each operation once (by its id, bound to the account and the body's hash), each in
    /// its own transaction with the record of its id. Returns the ids refused as conflicts (used
    /// by another account or for another body).
    async fn apply_favourite_ops(
        &self,
        user_id: Uuid,
        ops: Vec<(portal_api::FavouriteOp, String)>,
        now: i64,
    ) -> DbResult<Vec<Uuid>>;
    async fn favourites(&self, user_id: Uuid) -> DbResult<Vec<portal_api::Favourite>>;
}
