//! A sale's e-coupon as the server reads it before the ledger sees the sale: whether the brand
//! signed its code, which campaign issued it, and what its terms give this basket at this store
//! at the sale's time. The ledger then redeems it once (`apply::redeem`); nothing here refuses a
//! sale.
use portal_api::{CouponTerms, SaleCoupon, SaleLine};
use portal_campaigns::{coupon, coupon_code};
use uuid::Uuid;

use crate::{
    catalog::price_book::PriceBook,
    db::{CouponCheck, Coupons, DbResult},
};

pub async fn check(
    coupons: &dyn Coupons,
    public_key: &str,
    book: &PriceBook,
    used: &SaleCoupon,
    lines: &[SaleLine],
    store: Uuid,
    at: i64,
) -> DbResult<CouponCheck> {
    let Ok(claim) = coupon_code::read(&used.code, public_key) else { return Ok(CouponCheck::NotValid) };
    let Some(issued) = coupons.campaign_coupon(claim.campaign).await? else { return Ok(CouponCheck::NotValid) };
    // Withdrawn: not taken any more, but a sale made before (on a till offline then) stands.
    if issued.withdrawn_at.is_some_and(|withdrawn| at >= withdrawn) {
        return Ok(CouponCheck::NotValid);
    }
    let Ok(terms) = serde_json::from_str::<CouponTerms>(&issued.terms) else { return Ok(CouponCheck::NotValid) };
    let product_of = |sku: &str| {
        let model = book.model_of_sku.get(sku)?;
        Some((model.clone(), book.categories_of_model.get(model).cloned().unwrap_or_default()))
    };
    let allowed = coupon::basket(lines, product_of)
        .and_then(|basket| coupon::apply(&terms, &basket, store, at))
        .map(|d| d.off)
        .map_err(|refusal| coupon::refusal_code(refusal).to_owned());
    Ok(CouponCheck::Ours { coupon: claim.coupon, campaign: claim.campaign, allowed })
}
