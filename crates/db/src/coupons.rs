//! E-coupons in storage: issued with a campaign's messages (`engines::delivery`), kept in their
//! person's wallet, read by stores' tills as the series they take, redeemed once by the first
//! sale that takes them (`Ledger::redeem_coupon`, in the sale's transaction), a later sale's use
//! kept as a second use for the campaign's report.
use async_trait::async_trait;
use uuid::Uuid;

use crate::*;

/// A coupon in its person's wallet, with what its campaign says and issues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletRow {
    pub id: Uuid,
    pub campaign: Uuid,
    /// JSON of the campaign's `CampaignContent` and `CouponTerms`.
    pub content: String,
    pub terms: String,
    pub issued_at: i64,
    pub redeemed_at: Option<i64>,
    /// When its campaign withdrew it (stopped).
    pub withdrawn_at: Option<i64>,
}

/// A campaign's coupon terms, as stores' tills keep them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesRow {
    pub campaign: Uuid,
    /// JSON of the campaign's `CampaignContent` and `CouponTerms`.
    pub content: String,
    pub terms: String,
}

/// A campaign's coupon as a till's sale is judged by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignCoupon {
    /// JSON of its `CouponTerms`.
    pub terms: String,
    pub withdrawn_at: Option<i64>,
}

/// A sale's redemption of a coupon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouponRedemption {
    pub coupon: Uuid,
    pub campaign: Uuid,
    pub sale: Uuid,
    pub store: Uuid,
    /// What it took off, in fen.
    pub off: i64,
    pub at: i64,
}

#[async_trait]
pub trait Coupons: Send + Sync {
    /// The person's coupons issued since `since`, those still usable at `now` first, then the
    /// newest; at most `limit`.
    async fn wallet(&self, user: Uuid, since: i64, now: i64, limit: u32) -> DbResult<Vec<WalletRow>>;
    /// The terms of campaigns whose coupons `store` may take at `now` or later (running, paused or
    /// finished, not withdrawn, not expired, for every store or this one), at most `limit`,
    /// newest first.
    async fn coupon_series(&self, store: Uuid, now: i64, limit: u32) -> DbResult<Vec<SeriesRow>>;
    /// One campaign's coupon, if it issues one: its terms, and when it was withdrawn.
    async fn campaign_coupon(&self, campaign: Uuid) -> DbResult<Option<CampaignCoupon>>;
    async fn coupon_counts(&self, campaign: Uuid) -> DbResult<portal_api::CouponCounts>;
}
