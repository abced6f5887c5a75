//! Campaigns in storage: each kept once per id (bound to its writer and body), changed only from
//! the status and revision its changer read (so of two changes made at once from the same state,
//! one lands), every change with its step; and who holds the right to approve them.
use async_trait::async_trait;
use portal_api::{CampaignAction, CampaignStatus};
use uuid::Uuid;

use crate::*;

/// A campaign as kept. `audience`, `content`, `channels` and `coupon` are JSON of their API types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignRow {
    pub id: Uuid,
    pub name: String,
    pub category: String,
    pub status: CampaignStatus,
    pub audience: String,
    pub content: String,
    pub channels: String,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub holdout_percent: u8,
    pub revision: u32,
    pub author: Uuid,
    pub last_editor: Uuid,
    pub submitted_by: Option<Uuid>,
    pub decided_by: Option<Uuid>,
    pub decision_reason: Option<String>,
    /// The first body's hash: a retried create lands once, a different body under the id is refused.
    pub body_hash: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// The last person of the audience queued (by id), while it is being queued.
    pub queued_through: Option<String>,
    /// When the whole audience was queued.
    pub queued_at: Option<i64>,
    /// JSON of the `CouponTerms` each person reached gets, if the campaign issues a coupon.
    pub coupon: Option<String>,
    /// When stopping it withdrew its coupons.
    pub coupons_withdrawn_at: Option<i64>,
}

/// One step, kept with the campaign's change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignStepRow {
    pub campaign_id: Uuid,
    pub at: i64,
    pub by: Uuid,
    pub action: CampaignAction,
    pub from: CampaignStatus,
    pub to: CampaignStatus,
    pub reason: Option<String>,
    pub revision: u32,
}

/// A step with the name of who took it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedCampaignStep {
    pub step: CampaignStepRow,
    pub by_name: String,
}

#[async_trait]
pub trait Campaigns: Send + Sync {
    /// Keeps a new campaign (with its first step) unless its id is kept already; the campaign kept
    /// under the id either way.
    async fn put_campaign(&self, row: CampaignRow, step: CampaignStepRow) -> DbResult<CampaignRow>;
    async fn campaign(&self, id: Uuid) -> DbResult<Option<CampaignRow>>;
    /// Newest first (by creation), optionally of one status, before `(created_at, id)`.
    async fn campaigns(
        &self,
        status: Option<CampaignStatus>,
        before: Option<(i64, Uuid)>,
        limit: u32,
    ) -> DbResult<Vec<CampaignRow>>;
    /// Writes `row` over the campaign only while it is still at `from` and `revision`, with its
    /// step, in one transaction (a campaign finished so keeps nothing queued: what is left is
    /// cancelled in it); false (nothing written) when it moved on.
    async fn change_campaign(
        &self,
        row: CampaignRow,
        from: CampaignStatus,
        revision: u32,
        step: CampaignStepRow,
    ) -> DbResult<bool>;
    /// The campaign's steps, oldest first, with who took each.
    async fn campaign_steps(&self, id: Uuid) -> DbResult<Vec<NamedCampaignStep>>;
    /// Whether `user` holds the right to approve campaigns.
    async fn approves_campaigns(&self, user: Uuid) -> DbResult<bool>;
    /// Grants (`Some(granted_by)`) or takes back the right.
    async fn set_campaign_approver(&self, user: Uuid, granted_by: Option<Uuid>, at: i64) -> DbResult<()>;
}
