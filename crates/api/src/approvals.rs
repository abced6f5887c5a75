//! Changes beyond a business manager's authority, sent to the order center to approve (审批): a
//! credit line above their authority, or customer prices below the brand's floor. Each waits with
//! its reason and the numbers needed to decide; an approval applies the change as the order
//! center's, a rejection says why.
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{CreditLine, PriceListEntry};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalKind {
    CreditLimit,
    Prices,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalStatus {
    Waiting,
    Approved,
    Rejected,
}

/// A business manager asks: exactly one of a credit line or price entries (the dealer's own). A
/// retry of the same id and body answers the request already made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ApprovalAsk {
    pub id: Uuid,
    pub dealer_id: Uuid,
    pub reason: String,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_limit: Option<i64>,
    #[serde(default)]
    pub entries: Vec<PriceListEntry>,
}

/// A request as the order center sees it, with the numbers to decide by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Approval {
    pub id: Uuid,
    pub kind: ApprovalKind,
    pub dealer_id: Uuid,
    pub dealer_name: String,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_limit: Option<i64>,
    pub entries: Vec<PriceListEntry>,
    pub reason: String,
    pub requested_by: Uuid,
    pub requested_by_name: String,
    pub requested_at: i64,
    pub status: ApprovalStatus,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<Uuid>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<i64>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_reason: Option<String>,
    /// The dealer's credit as it stands now.
    pub credit: CreditLine,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ApprovalList {
    /// Waiting ones oldest first (what has waited longest is decided first); decided ones newest first.
    pub approvals: Vec<Approval>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS, IntoParams)]
pub struct ApprovalQuery {
    /// `waiting` (the default), `approved` or `rejected`.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// The order center decides, with a reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ApprovalDecision {
    pub approve: bool,
    pub reason: String,
}
