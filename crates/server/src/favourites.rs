//! Favourites: products a person saved, written through the app's outbox and applied once per
//! operation id.
use portal_api::*;

use crate::{
    auth::Caller,
    common::now,
    db::{Database, Favourites},
    error::{AppError, AppResult},
};
use std::sync::Arc;

/// Favourites as a service: a person's saved products and the operations that change them.
#[derive(Clone)]
pub struct FavouritesService {
    favourites: Arc<dyn Favourites>,
}

impl FavouritesService {
    pub fn new(db: &Arc<dyn Database>) -> Self {
        Self { favourites: db.clone() }
    }
}

impl FavouritesService {
    pub async fn favourites(&self, caller: &Caller) -> AppResult<FavouriteList> {
        Ok(FavouriteList {
            favourites: self.favourites.favourites(caller.user.id).await?,
            acked: vec![],
            rejected: vec![],
        })
    }

    /// Applies operations from a device's outbox, in order, each exactly once.
    pub async fn apply_favourite_ops(&self, caller: &Caller, req: FavouriteOps) -> AppResult<FavouriteList> {
        if req.ops.len() > 500 {
            return Err(AppError::field(ErrorCode::InvalidJson, "ops", "Send at most 500 operations at a time."));
        }
        for (i, op) in req.ops.iter().enumerate() {
            if op.model.trim().is_empty() || op.model.len() > 40 {
                return Err(AppError::field(
                    ErrorCode::InvalidJson,
                    &format!("ops[{i}].model"),
                    "A model number is required.",
                ));
            }
        }
        let acked = req.ops.iter().map(|op| op.id).collect();
        let ops = req
            .ops
            .into_iter()
            .map(|op| {
                let hash = crate::common::body_hash(&op);
                (op, hash)
            })
            .collect();
        let rejected = self.favourites.apply_favourite_ops(caller.user.id, ops, now()).await?;
        Ok(FavouriteList { favourites: self.favourites.favourites(caller.user.id).await?, acked, rejected })
    }
}
