//! E-coupons on the device. A person's wallet is kept for offline (and goes at sign-out); a
//! store's tills keep the coupons the store takes and the brand's public key, and check a code
//! offline with the same rules the server applies (`portal_campaigns`): signed by the brand,
//! issued by a campaign the store takes, valid now, and what it takes off this basket. The server
//! redeems it once when the sale arrives.
use portal_api::{SaleLine, StoreCoupons, Wallet};
use portal_campaigns::{coupon, coupon_code};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::{
    cache::{read_setting, write_setting, Cache},
    catalog,
    error::ClientResult,
};

fn wallet_key(user: Uuid) -> String {
    format!("wallet.{user}")
}

fn store_key(store: Uuid) -> String {
    format!("pos.coupons.{store}")
}

pub fn keep_wallet(cache: &Cache, user: Uuid, wallet: &Wallet) -> ClientResult<()> {
    write_setting(&cache.conn, &wallet_key(user), &serde_json::to_string(wallet).expect("a wallet serialises"))
}

pub fn kept_wallet(cache: &Cache, user: Uuid) -> ClientResult<Option<Wallet>> {
    Ok(read_setting(&cache.conn, &wallet_key(user))?.and_then(|s| serde_json::from_str(&s).ok()))
}

pub fn keep_store(cache: &Cache, store: Uuid, coupons: &StoreCoupons) -> ClientResult<()> {
    write_setting(&cache.conn, &store_key(store), &serde_json::to_string(coupons).expect("coupons serialise"))
}

pub fn kept_store(cache: &Cache, store: Uuid) -> ClientResult<Option<StoreCoupons>> {
    Ok(read_setting(&cache.conn, &store_key(store))?.and_then(|s| serde_json::from_str(&s).ok()))
}

/// The person's wallet as the app shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct WalletView {
    pub wallet: Wallet,
    /// The server could not be asked: the wallet as last read.
    pub offline: bool,
}

/// What a till made of a code, offline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TillCoupon {
    /// What it takes off this basket, in fen (0 when it does not apply).
    pub off: i64,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon: Option<Uuid>,
    pub title_zh: String,
    pub title_en: String,
    /// Why it does not apply: `no_coupons_here` (this till has not fetched the store's coupons),
    /// `malformed`, `not_ours`, `unknown_campaign`, or a `CouponRefusal` (`expired`,
    /// `other_store`, `below_minimum`…).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
    /// For `below_minimum`: the spend needed on what it applies to, in fen.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needed: Option<i64>,
}

fn refused(why: &str) -> TillCoupon {
    TillCoupon {
        off: 0,
        coupon: None,
        title_zh: String::new(),
        title_en: String::new(),
        refused: Some(why.into()),
        needed: None,
    }
}

/// Checks `code` at `store`'s till for the basket `lines` at `now`, from what this device keeps.
pub fn check(cache: &Cache, store: Uuid, code: &str, lines: &[SaleLine], now: i64) -> ClientResult<TillCoupon> {
    let Some(kept) = kept_store(cache, store)? else { return Ok(refused("no_coupons_here")) };
    let claim = match coupon_code::read(code, &kept.public_key) {
        Ok(claim) => claim,
        Err(coupon_code::CodeRefusal::Malformed) => return Ok(refused("malformed")),
        Err(coupon_code::CodeRefusal::NotOurs) => return Ok(refused("not_ours")),
    };
    let Some(series) = kept.series.iter().find(|s| s.campaign == claim.campaign) else {
        return Ok(refused("unknown_campaign"));
    };
    // Read once for the basket, not once a line.
    let categories = catalog::view::categories(cache)?;
    let mut products = std::collections::HashMap::new();
    for line in lines {
        if let Some(hit) = catalog::view::sku(cache, &line.sku, now)? {
            products.insert(
                line.sku.clone(),
                (
                    hit.product.model.clone(),
                    coupon::category_lineage(&hit.product.category, |code| {
                        categories.iter().find(|c| c.code == code).and_then(|c| c.parent.clone())
                    }),
                ),
            );
        }
    }
    let decided = coupon::basket(lines, |sku| products.get(sku).cloned())
        .and_then(|basket| coupon::apply(&series.terms, &basket, store, now));
    let mut answer = TillCoupon {
        off: 0,
        coupon: Some(claim.coupon),
        title_zh: series.title_zh.clone(),
        title_en: series.title_en.clone(),
        refused: None,
        needed: None,
    };
    match decided {
        Ok(discount) => answer.off = discount.off,
        Err(why) => {
            answer.refused = Some(coupon::refusal_code(why).into());
            if let coupon::CouponRefusal::BelowMinimum { needed } = why {
                answer.needed = Some(needed);
            }
        }
    }
    Ok(answer)
}

/// The code's QR symbol as rows of dark (true) and light modules, for the app to draw.
pub fn qr(code: &str) -> Vec<Vec<bool>> {
    let Ok(symbol) = qrcode::QrCode::with_error_correction_level(code.as_bytes(), qrcode::EcLevel::M) else {
        return vec![];
    };
    let width = symbol.width();
    let colors = symbol.to_colors();
    colors.chunks(width).map(|row| row.iter().map(|c| *c == qrcode::Color::Dark).collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::tests::catalog;
    use portal_api::{CouponBenefit, CouponSeries, CouponTerms};
    use portal_campaigns::coupon_code::{CodeSigner, CouponClaim};

    const NOW: i64 = 1_800_000_000;

    fn line(sku: &str, price: i64) -> SaleLine {
        SaleLine { sku: sku.into(), quantity: 1, unit_price: price, discount: 0, serial: None }
    }

    #[test]
    fn a_till_checks_a_code_offline_with_what_the_store_keeps() {
        let (_dir, cache) = catalog();
        let (store, other) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let signer = CodeSigner::from_seed(&[3; 32]);
        let campaign = Uuid::from_u128(9);
        let code = signer.code(&CouponClaim { coupon: Uuid::from_u128(10), campaign });
        let basket = [line("75U7N-1", 6999_00)];
        assert_eq!(check(&cache, store, &code, &basket, NOW).unwrap().refused.as_deref(), Some("no_coupons_here"));
        let terms = CouponTerms {
            benefit: CouponBenefit::PercentOff { percent: 10, max_fen: Some(500_00) },
            min_spend: 5000_00,
            models: vec![],
            categories: vec!["tv".into()],
            stores: vec![store],
            valid_from: NOW - 10,
            valid_until: NOW + 86_400,
        };
        let series = CouponSeries { campaign, title_zh: "立减".into(), title_en: "Off".into(), terms };
        keep_store(&cache, store, &StoreCoupons { public_key: signer.public_key(), series: vec![series] }).unwrap();
        let good = check(&cache, store, &code, &basket, NOW).unwrap();
        assert_eq!((good.off, good.refused, good.coupon), (500_00, None, Some(Uuid::from_u128(10))), "10%, capped");
        let small = check(&cache, store, &code, &[line("75U7N-1", 100_00)], NOW).unwrap();
        assert_eq!((small.refused.as_deref(), small.needed), (Some("below_minimum"), Some(5000_00)));
        assert_eq!(check(&cache, store, &code, &basket, NOW + 86_400).unwrap().refused.as_deref(), Some("expired"));
        keep_store(&cache, other, &kept_store(&cache, store).unwrap().unwrap()).unwrap();
        assert_eq!(check(&cache, other, &code, &basket, NOW).unwrap().refused.as_deref(), Some("other_store"));
        let foreign = CodeSigner::from_seed(&[4; 32]).code(&CouponClaim { coupon: Uuid::from_u128(10), campaign });
        assert_eq!(check(&cache, store, &foreign, &basket, NOW).unwrap().refused.as_deref(), Some("not_ours"));
        assert_eq!(check(&cache, store, "6901234567892", &basket, NOW).unwrap().refused.as_deref(), Some("malformed"));
        let unknown = signer.code(&CouponClaim { coupon: Uuid::from_u128(11), campaign: Uuid::from_u128(12) });
        assert_eq!(check(&cache, store, &unknown, &basket, NOW).unwrap().refused.as_deref(), Some("unknown_campaign"));
        assert!(qr(&code).len() >= 21, "a QR symbol");
    }
}
