//! E-coupons (电子券): what a coupon takes off a basket at a store, or why it cannot. The point of
//! sale decides with this offline; the server redeems each coupon once and decides the same way.
//! Money is in fen; the sum off is never more than what the coupon applies to.
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use portal_api::{CouponBenefit as Benefit, CouponTerms};

/// A line of the basket as the till prices it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasketLine {
    pub model: String,
    /// The product's category and every category above it.
    pub categories: Vec<String>,
    /// What the line comes to before the coupon, in fen.
    pub total: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponDiscount {
    /// What the coupon applies to.
    pub eligible: i64,
    /// What it takes off.
    pub off: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum CouponRefusal {
    #[error("the coupon is not valid yet")]
    NotYet,
    #[error("the coupon has expired")]
    Expired,
    #[error("this store does not take the coupon")]
    OtherStore,
    #[error("nothing in the basket is what the coupon is for")]
    NothingEligible,
    #[error("the coupon needs a spend of {needed} fen on what it is for")]
    BelowMinimum { needed: i64 },
    #[error("the coupon's terms are not valid")]
    BadTerms,
}

/// A category and every category above it (what a coupon's categories are matched against), by
/// `parent_of`; at most eight deep, and a loop in the tree ends it.
pub fn category_lineage(code: &str, parent_of: impl Fn(&str) -> Option<String>) -> Vec<String> {
    let mut chain = vec![code.to_owned()];
    let mut next = parent_of(code);
    while let Some(parent) = next.filter(|p| chain.len() < 8 && !chain.contains(p)) {
        next = parent_of(&parent);
        chain.push(parent);
    }
    chain
}

/// A sale's lines as a coupon sees them: each line's model and categories (as `product_of` finds
/// them for its SKU; a SKU it does not know is left out) and what it comes to after its own
/// discount (checked sums; an overflow is refused).
pub fn basket(
    lines: &[portal_api::SaleLine],
    product_of: impl Fn(&str) -> Option<(String, Vec<String>)>,
) -> Result<Vec<BasketLine>, CouponRefusal> {
    let mut basket = Vec::with_capacity(lines.len());
    for line in lines {
        let Some((model, categories)) = product_of(&line.sku) else { continue };
        let total = line
            .unit_price
            .checked_mul(line.quantity)
            .and_then(|gross| gross.checked_sub(line.discount))
            .ok_or(CouponRefusal::BadTerms)?;
        basket.push(BasketLine { model, categories, total: total.max(0) });
    }
    Ok(basket)
}

/// The refusal as the flag and the till word it (`not_yet`, `expired`, `other_store`…).
pub fn refusal_code(refusal: CouponRefusal) -> &'static str {
    match refusal {
        CouponRefusal::NotYet => "not_yet",
        CouponRefusal::Expired => "expired",
        CouponRefusal::OtherStore => "other_store",
        CouponRefusal::NothingEligible => "nothing_eligible",
        CouponRefusal::BelowMinimum { .. } => "below_minimum",
        CouponRefusal::BadTerms => "bad_terms",
    }
}

/// Whether terms are sound: a positive sum or a percentage of 1–99, no negative minimum, a
/// validity that ends after it starts.
pub fn check_terms(terms: &CouponTerms) -> Result<(), CouponRefusal> {
    let benefit_ok = match terms.benefit {
        Benefit::AmountOff { fen } => fen > 0,
        Benefit::PercentOff { percent, max_fen } => (1..=99).contains(&percent) && max_fen.is_none_or(|m| m > 0),
    };
    if !benefit_ok || terms.min_spend < 0 || terms.valid_until <= terms.valid_from {
        return Err(CouponRefusal::BadTerms);
    }
    Ok(())
}

/// What the coupon takes off `basket` at `store` at `now`, or why it cannot.
pub fn apply(
    terms: &CouponTerms,
    basket: &[BasketLine],
    store: Uuid,
    now: i64,
) -> Result<CouponDiscount, CouponRefusal> {
    check_terms(terms)?;
    if now < terms.valid_from {
        return Err(CouponRefusal::NotYet);
    }
    if now >= terms.valid_until {
        return Err(CouponRefusal::Expired);
    }
    if !terms.stores.is_empty() && !terms.stores.contains(&store) {
        return Err(CouponRefusal::OtherStore);
    }
    let applies = |line: &BasketLine| {
        let model_ok = terms.models.is_empty() || terms.models.contains(&line.model);
        let category_ok = terms.categories.is_empty() || line.categories.iter().any(|c| terms.categories.contains(c));
        model_ok && category_ok && line.total > 0
    };
    let eligible = basket
        .iter()
        .filter(|l| applies(l))
        .try_fold(0i64, |sum, l| sum.checked_add(l.total))
        .ok_or(CouponRefusal::BadTerms)?;
    if eligible == 0 {
        return Err(CouponRefusal::NothingEligible);
    }
    if eligible < terms.min_spend {
        return Err(CouponRefusal::BelowMinimum { needed: terms.min_spend });
    }
    let off = match terms.benefit {
        Benefit::AmountOff { fen } => fen,
        Benefit::PercentOff { percent, max_fen } => {
            let off = (i128::from(eligible) * i128::from(percent) / 100) as i64;
            max_fen.map_or(off, |max| off.min(max))
        }
    };
    Ok(CouponDiscount { eligible, off: off.min(eligible) })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STORE: Uuid = Uuid::from_u128(7);
    const DAY: i64 = 86_400;

    fn terms(benefit: Benefit) -> CouponTerms {
        CouponTerms {
            benefit,
            min_spend: 100_000,
            models: vec![],
            categories: vec!["tv".into()],
            stores: vec![STORE],
            valid_from: 10 * DAY,
            valid_until: 20 * DAY,
        }
    }
    fn line(model: &str, categories: &[&str], total: i64) -> BasketLine {
        BasketLine { model: model.into(), categories: categories.iter().map(|c| c.to_string()).collect(), total }
    }

    #[test]
    fn a_coupon_takes_off_what_it_says_from_what_it_is_for() {
        let basket = [line("TV-55", &["oled", "tv"], 399_900), line("AC-1", &["ac"], 299_900)];
        let amount = terms(Benefit::AmountOff { fen: 20_000 });
        assert_eq!(apply(&amount, &basket, STORE, 15 * DAY), Ok(CouponDiscount { eligible: 399_900, off: 20_000 }));
        let percent = terms(Benefit::PercentOff { percent: 15, max_fen: None });
        assert_eq!(apply(&percent, &basket, STORE, 15 * DAY).unwrap().off, 59_985);
        let capped = terms(Benefit::PercentOff { percent: 15, max_fen: Some(30_000) });
        assert_eq!(apply(&capped, &basket, STORE, 15 * DAY).unwrap().off, 30_000);
        // Never more than what it applies to.
        let mut big = terms(Benefit::AmountOff { fen: 1_000_000 });
        big.min_spend = 0;
        assert_eq!(apply(&big, &basket, STORE, 15 * DAY).unwrap().off, 399_900);
        // By product, in any category.
        let mut by_model = terms(Benefit::AmountOff { fen: 100 });
        (by_model.categories, by_model.models, by_model.min_spend) = (vec![], vec!["AC-1".into()], 0);
        assert_eq!(apply(&by_model, &basket, STORE, 15 * DAY).unwrap().eligible, 299_900);
    }

    #[test]
    fn a_categorys_lineage_climbs_to_the_top_and_stops_at_a_loop() {
        let parent = |c: &str| match c {
            "oled" => Some("tv".to_owned()),
            "tv" => Some("video".to_owned()),
            "a" => Some("b".to_owned()),
            "b" => Some("a".to_owned()),
            _ => None,
        };
        assert_eq!(category_lineage("oled", parent), ["oled", "tv", "video"]);
        assert_eq!(category_lineage("a", parent), ["a", "b"]);
    }

    #[test]
    fn a_coupon_that_cannot_be_taken_says_why() {
        let basket = [line("TV-55", &["tv"], 50_000), line("AC-1", &["ac"], 299_900)];
        let t = terms(Benefit::AmountOff { fen: 20_000 });
        assert_eq!(apply(&t, &basket, STORE, 9 * DAY), Err(CouponRefusal::NotYet));
        assert_eq!(apply(&t, &basket, STORE, 20 * DAY), Err(CouponRefusal::Expired));
        assert_eq!(apply(&t, &basket, Uuid::from_u128(8), 15 * DAY), Err(CouponRefusal::OtherStore));
        assert_eq!(apply(&t, &basket, STORE, 15 * DAY), Err(CouponRefusal::BelowMinimum { needed: 100_000 }));
        assert_eq!(apply(&t, &basket[1..], STORE, 15 * DAY), Err(CouponRefusal::NothingEligible));
        for bad in [
            Benefit::AmountOff { fen: 0 },
            Benefit::PercentOff { percent: 0, max_fen: None },
            Benefit::PercentOff { percent: 100, max_fen: None },
            Benefit::PercentOff { percent: 10, max_fen: Some(0) },
        ] {
            assert_eq!(apply(&terms(bad), &basket, STORE, 15 * DAY), Err(CouponRefusal::BadTerms), "{bad:?}");
        }
        let mut backwards = t.clone();
        backwards.valid_until = backwards.valid_from;
        assert_eq!(check_terms(&backwards), Err(CouponRefusal::BadTerms));
        // Sums that would overflow are refused, not wrapped.
        let huge = [line("TV-55", &["tv"], i64::MAX), line("TV-65", &["tv"], i64::MAX)];
        assert_eq!(apply(&t, &huge, STORE, 15 * DAY), Err(CouponRefusal::BadTerms));
    }
}
