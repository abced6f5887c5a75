//! Requests for the order center's approval in storage: kept once per id (bound to the asker and
//! the body), decided once whatever decides at once.
use async_trait::async_trait;
use portal_api::ApprovalStatus;
use uuid::Uuid;

use crate::*;

/// A request as kept. `body` is the change asked for (JSON: the credit line or the entries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalRow {
    pub id: Uuid,
    pub kind: String,
    pub dealer_id: Uuid,
    pub body: String,
    pub reason: String,
    pub requested_by: Uuid,
    pub body_hash: String,
    pub requested_at: i64,
    pub status: ApprovalStatus,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<i64>,
    pub decision_reason: Option<String>,
}

#[async_trait]
pub trait Approvals: Send + Sync {
    /// Keeps a request unless its id is kept already; the request kept under the id either way.
    async fn put_approval(&self, row: ApprovalRow) -> DbResult<ApprovalRow>;
    async fn approval(&self, id: Uuid) -> DbResult<Option<ApprovalRow>>;
    /// Requests in a status, oldest first, optionally of one asker (at most `limit`).
    async fn approvals(&self, status: ApprovalStatus, asked_by: Option<Uuid>, limit: u32)
        -> DbResult<Vec<ApprovalRow>>;
    /// How many requests an asker has waiting.
    async fn waiting_approvals(&self, asked_by: Uuid) -> DbResult<u32>;
    /// Decides a waiting request; false when it was decided already.
    async fn decide_approval(
        &self,
        id: Uuid,
        status: ApprovalStatus,
        by: Uuid,
        reason: String,
        at: i64,
    ) -> DbResult<bool>;
    /// Puts a request decided by `by` back to waiting (its change could not be applied).
    async fn reopen_approval(&self, id: Uuid, by: Uuid) -> DbResult<()>;
}
