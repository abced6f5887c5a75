//! E-coupons as people and tills see them: a person's wallet (each coupon with the code the
//! server signs for it) and the series a store's tills keep to check codes offline.
use portal_api::*;
use portal_campaigns::coupon_code::CouponClaim;
use uuid::Uuid;

use super::CampaignService;
use crate::{
    auth::Caller,
    common::now,
    error::{AppError, AppResult},
};

/// A wallet shows coupons issued in this window (used or expired ones drop out after it).
const WALLET_DAYS: i64 = 730;
/// Coupons in a wallet, and series a store's tills keep, at most.
const WALLET_MAX: u32 = 200;
const SERIES_MAX: u32 = 500;
/// Who sells at a counter.
const COUNTER: &[Role] = &[Role::Promoter, Role::StoreManager, Role::Admin];

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> AppResult<T> {
    serde_json::from_str(text).map_err(|_| AppError::internal())
}

impl CampaignService {
    /// The caller's coupons, newest first, each with its signed code.
    pub async fn wallet(&self, caller: &Caller) -> AppResult<Wallet> {
        let now = now();
        let rows = self.coupons.wallet(caller.user.id, now - WALLET_DAYS * 86_400, now, WALLET_MAX).await?;
        let mut coupons = Vec::with_capacity(rows.len());
        for row in rows {
            let content: CampaignContent = parse(&row.content)?;
            coupons.push(WalletCoupon {
                id: row.id,
                campaign: row.campaign,
                title_zh: content.title_zh,
                title_en: content.title_en,
                terms: parse(&row.terms)?,
                code: self.signer.code(&CouponClaim { coupon: row.id, campaign: row.campaign }),
                issued_at: row.issued_at,
                redeemed_at: row.redeemed_at,
                withdrawn_at: row.withdrawn_at,
            });
        }
        Ok(Wallet { coupons })
    }

    /// The coupons `store` takes that are valid now or later, and the key their codes are
    /// checked with: what the store's tills keep for offline.
    pub async fn store_coupons(&self, caller: &Caller, store: Uuid) -> AppResult<StoreCoupons> {
        caller.require(COUNTER)?;
        self.org.check_store_scope(caller, store).await?;
        let mut series = Vec::new();
        for row in self.coupons.coupon_series(store, now(), SERIES_MAX).await? {
            let terms: CouponTerms = parse(&row.terms)?;
            let content: CampaignContent = parse(&row.content)?;
            series.push(CouponSeries {
                campaign: row.campaign,
                title_zh: content.title_zh,
                title_en: content.title_en,
                terms,
            });
        }
        Ok(StoreCoupons { public_key: self.signer.public_key(), series })
    }
}
