//! Campaigns that reach people (营销活动): operators write them for an audience, another operator
//! holding the approve right approves or rejects them, and an approved campaign is scheduled, run,
//! paused, resumed, stopped. Every step is kept with who took it and when.
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    Draft,
    Submitted,
    Approved,
    Rejected,
    Scheduled,
    Running,
    Paused,
    Finished,
}

impl CampaignStatus {
    pub const ALL: [CampaignStatus; 8] = [
        CampaignStatus::Draft,
        CampaignStatus::Submitted,
        CampaignStatus::Approved,
        CampaignStatus::Rejected,
        CampaignStatus::Scheduled,
        CampaignStatus::Running,
        CampaignStatus::Paused,
        CampaignStatus::Finished,
    ];
}

/// What someone (or the scheduler) asks of a campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CampaignAction {
    /// The content or audience changed (an edit: `PUT`).
    Edit,
    Submit,
    Approve,
    Reject,
    /// Approved, to start at its start time (which must be ahead).
    Schedule,
    /// Running now: by an operator once approved, by the scheduler at the start time.
    Start,
    Pause,
    Resume,
    /// Ended by an operator: what was not sent yet is cancelled, not sent.
    Stop,
    /// Ended by the sender once every recipient is reconciled.
    Finish,
    /// Calls off the coupons it issued (tills no longer take them), running or ended; its status
    /// stays. Stopping a campaign does this too.
    WithdrawCoupons,
}

/// Where a message reaches a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MessageChannel {
    /// A notification on the phone (mobile push or the app's live channel).
    Push,
    /// The app's inbox: kept, not announced.
    Inbox,
    Sms,
    Email,
}

/// Who a campaign is for: customers matching every filter given (an empty list filters nothing),
/// always only those who consented to marketing. A filter this server does not know is refused,
/// never ignored (ignoring one would widen the audience).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Audience {
    /// Customer tags (ids) a person has all of.
    #[serde(default)]
    pub tags_all: Vec<Uuid>,
    /// Customer tags a person has at least one of.
    #[serde(default)]
    pub tags_any: Vec<Uuid>,
    /// Customer tags a person has none of.
    #[serde(default)]
    pub tags_none: Vec<Uuid>,
    /// Roles (consumers when none is given).
    #[serde(default)]
    pub roles: Vec<Role>,
    /// Bought at one of these stores (within `bought_within_days` when given).
    #[serde(default)]
    pub stores: Vec<Uuid>,
    /// Bought something within this many days.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bought_within_days: Option<u32>,
    /// Signed in within this many days.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_within_days: Option<u32>,
    /// In at least one of these imported lists (ids).
    #[serde(default)]
    pub lists: Vec<Uuid>,
}

/// Where tapping the message leads in the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case", tag = "to")]
pub enum DeepLink {
    Product {
        model: String,
    },
    Category {
        code: String,
    },
    Inbox,
    /// The person's coupons (a campaign that issues one links here).
    Wallet,
}

/// What the campaign says, in both languages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct CampaignContent {
    pub title_zh: String,
    pub title_en: String,
    pub body_zh: String,
    pub body_en: String,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deep_link: Option<DeepLink>,
    /// The SMS provider's code of the approved marketing template its texts go as (the template
    /// carries the opt-out instruction); none: the server's configured default.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_template: Option<String>,
}

/// A campaign as its writer sends it: new (`POST`, the id the app chose) or edited (`PUT`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct CampaignDraft {
    pub id: Uuid,
    pub name: String,
    /// The marketing category people opt in or out of (`promotions`, `new_products`, `care`…).
    pub category: String,
    pub audience: Audience,
    pub content: CampaignContent,
    pub channels: Vec<MessageChannel>,
    /// Unix seconds; none: when it is started.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<i64>,
    /// Unix seconds; none: until everyone is reached.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<i64>,
    /// Out of every hundred matching people, how many are held out (measured, not messaged).
    #[serde(default)]
    pub holdout_percent: u8,
    /// An e-coupon each person reached gets (one each), kept in their app's wallet.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon: Option<CouponTerms>,
}

/// What an e-coupon gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum CouponBenefit {
    /// A sum off, in fen.
    AmountOff { fen: i64 },
    /// A percentage off (1–99), optionally no more than `max_fen`; rounded down to the fen.
    PercentOff {
        percent: u8,
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_fen: Option<i64>,
    },
}

/// An e-coupon's terms (电子券), as its campaign issues it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct CouponTerms {
    pub benefit: CouponBenefit,
    /// The least the eligible lines must come to, in fen.
    #[serde(default)]
    pub min_spend: i64,
    /// Products (model numbers) it applies to; none: any.
    #[serde(default)]
    pub models: Vec<String>,
    /// Categories it applies to (a product in a sub-category counts); none: any.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Stores that take it; none: every store.
    #[serde(default)]
    pub stores: Vec<Uuid>,
    /// Unix seconds, from and until (exclusive).
    pub valid_from: i64,
    pub valid_until: i64,
}

/// An e-coupon in its person's wallet, with the code they show at the counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct WalletCoupon {
    pub id: Uuid,
    pub campaign: Uuid,
    /// The campaign's title, in both languages.
    pub title_zh: String,
    pub title_en: String,
    pub terms: CouponTerms,
    /// Signed by the server: a till checks it offline with the brand's public key.
    pub code: String,
    pub issued_at: i64,
    /// When it was redeemed, if it was.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redeemed_at: Option<i64>,
    /// When its campaign withdrew it (the campaign was stopped): no longer taken.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Wallet {
    /// Those still usable first, then the newest of the others (issued in the last two years).
    pub coupons: Vec<WalletCoupon>,
}

/// A campaign's coupon as a store's tills need it to check codes offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct CouponSeries {
    pub campaign: Uuid,
    pub title_zh: String,
    pub title_en: String,
    pub terms: CouponTerms,
}

/// What a store's tills keep to check coupons offline: the key codes are signed with and the
/// coupons this store takes that are valid now or later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct StoreCoupons {
    /// The brand's Ed25519 public key, base64url.
    pub public_key: String,
    pub series: Vec<CouponSeries>,
}

/// The coupon a sale took, as the till checked it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct SaleCoupon {
    pub code: String,
    /// What it took off, in fen (part of the sale's order discount).
    pub off: i64,
}

/// A campaign's coupons so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct CouponCounts {
    pub issued: u32,
    pub redeemed: u32,
    /// Sales that took a coupon already redeemed (flagged, counted once).
    pub used_twice: u32,
    /// What redeemed coupons took off, in fen.
    pub off: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Campaign {
    #[serde(flatten)]
    pub draft: CampaignDraft,
    pub status: CampaignStatus,
    /// Goes up with every edit; an approval is of one revision, and an action names the revision
    /// its taker saw.
    pub revision: u32,
    pub author: Uuid,
    pub last_editor: Uuid,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_by: Option<Uuid>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<Uuid>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// When stopping it withdrew its coupons (tills no longer take them).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupons_withdrawn_at: Option<i64>,
}

/// One step of a campaign's life: who, when, from what to what, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct CampaignStep {
    pub at: i64,
    pub by: Uuid,
    pub by_name: String,
    pub action: CampaignAction,
    pub from: CampaignStatus,
    pub to: CampaignStatus,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub revision: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct CampaignDetail {
    pub campaign: Campaign,
    pub steps: Vec<CampaignStep>,
    /// Whether the one asking may approve or reject it now.
    pub can_decide: bool,
    /// Its coupons so far, if it issues one.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupons: Option<CouponCounts>,
    /// What came of it, once it has started.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funnel: Option<CampaignFunnel>,
}

/// A campaign's messages for the outside gateways: waiting, taken by the gateway, confirmed
/// delivered by the provider's receipt, failed (refused, undeliverable, opted out since, or out
/// of attempts), cancelled by a stop.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct GatewayCounts {
    pub pending: u64,
    pub sent: u64,
    pub delivered: u64,
    pub failed: u64,
    #[serde(default)]
    pub cancelled: u64,
}

/// A proportion with its 95% interval (Wilson's; a lift's is Newcombe's), each from 0 to 1 (a
/// lift from −1 to 1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct RateInterval {
    pub rate: f64,
    pub low: f64,
    pub high: f64,
}

/// A campaign's funnel: its deliveries by state, then people: reached, who read it, who bought at
/// a store since it started, against the holdout (never messaged) over the same time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct CampaignFunnel {
    /// Deliveries (one a person and channel).
    pub queued: u64,
    pub sent: u64,
    pub skipped: u64,
    pub failed: u64,
    pub cancelled: u64,
    /// People.
    pub reached: u64,
    pub opened: u64,
    pub bought: u64,
    pub held_out: u64,
    pub held_out_bought: u64,
    /// Coupons redeemed (a conversion of its own).
    pub redeemed: u32,
    /// Messages handed to the outside gateways (texts, mobile pushes), by what became of them.
    #[serde(default)]
    pub gateway: GatewayCounts,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_rate: Option<RateInterval>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bought_rate: Option<RateInterval>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_out_rate: Option<RateInterval>,
    /// How much more the people reached bought than the holdout, in rate points.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lift: Option<RateInterval>,
}

/// An action on a campaign, at the revision its taker saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct CampaignActionRequest {
    pub action: CampaignAction,
    pub revision: u32,
    /// Needed to reject or stop.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct CampaignList {
    pub campaigns: Vec<Campaign>,
    /// Pass as `before` for the next page; none at the end.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams, TS)]
pub struct CampaignQuery {
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<CampaignStatus>,
    /// The `next` of the page before.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// Whether an operator holds the right to approve campaigns (an administrator always does).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ApproveRight {
    pub user_id: Uuid,
    pub approves: bool,
}

/// What a person chose about the messages they get: marketing at all, channels and categories
/// of marketing they turned off, quiet hours (local minutes after midnight) in their time zone.
/// Service messages (orders, security, service requests) are not marketing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct MessagePreferences {
    pub marketing: bool,
    #[serde(default)]
    pub channels_off: Vec<MessageChannel>,
    #[serde(default)]
    pub categories_off: Vec<String>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiet_start: Option<u16>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiet_end: Option<u16>,
    /// IANA, such as `Asia/Shanghai`.
    pub time_zone: String,
}

/// How many people an audience holds now (consenting, unlocked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct AudienceSize {
    pub size: u64,
}
