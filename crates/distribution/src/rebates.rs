//! Rebates (返利): a rule pays a percentage of a period's basis once the basis reaches a tier.
//! The basis is by default what the dealer's stores sold onward (sell-through, from the
//! point-of-sale ledger) and never more than what the dealer bought (sell-in): goods pushed into
//! the channel and not sold earn nothing. Both are counted from the rule's start to the period's
//! end, less the basis credited in earlier periods, so goods bought in one month and sold in the
//! next earn when they are sold; sell-through is valued at the dealer's prices, never at retail
//! (retail would exceed what was bought and reward stuffing again).
use serde::{Deserialize, Serialize};

use crate::{Fen, Overflow};

/// What a rebate is computed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The lesser of sell-in and sell-through (the default).
    SoldOnward,
    /// What the dealer bought, for rules that reward buying (stuffing earns from these).
    SellIn,
}

/// From `from` fen of basis, `basis_points` (1/100 %) of the whole basis is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    pub from: Fen,
    pub basis_points: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RebateRule {
    pub basis: Basis,
    /// Ascending by `from`.
    pub tiers: Vec<Tier>,
}

/// One dealer's figures from the rule's start to the end of the period being settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// Bought from the brand, at the dealer's prices.
    pub sell_in: Fen,
    /// Sold by the dealer's stores, valued at the dealer's prices.
    pub sell_through: Fen,
    /// Basis already credited by this rule in earlier periods.
    pub credited_before: Fen,
}

/// What a dealer earned in a period, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Earned {
    pub basis: Fen,
    /// The tier reached (index into the rule's tiers), if any.
    pub tier: Option<usize>,
    pub amount: Fen,
    /// The next tier's threshold and how much more basis reaches it.
    pub to_next_tier: Option<Fen>,
}

/// Why a rule cannot be kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RuleProblem {
    #[error("a rule needs at least one tier")]
    NoTiers,
    #[error("tiers go up: each starts above the one before")]
    NotAscending,
    #[error("a tier pays at most 100 %")]
    TooHigh,
}

pub fn check_rule(rule: &RebateRule) -> Result<(), RuleProblem> {
    if rule.tiers.is_empty() {
        return Err(RuleProblem::NoTiers);
    }
    if rule.tiers.windows(2).any(|w| w[1].from <= w[0].from) || rule.tiers[0].from < 0 {
        return Err(RuleProblem::NotAscending);
    }
    if rule.tiers.iter().any(|t| t.basis_points > 10_000) {
        return Err(RuleProblem::TooHigh);
    }
    Ok(())
}

/// What `rule` pays on `period` (rounded down to the fen).
pub fn earned(rule: &RebateRule, period: Period) -> Result<Earned, Overflow> {
    let to_date = match rule.basis {
        Basis::SoldOnward => period.sell_through.min(period.sell_in),
        Basis::SellIn => period.sell_in,
    };
    let basis = to_date.checked_sub(period.credited_before.max(0)).ok_or(Overflow)?.max(0);
    let tier = rule.tiers.iter().rposition(|t| basis >= t.from);
    let amount = match tier {
        Some(i) => {
            let paid = i128::from(basis) * i128::from(rule.tiers[i].basis_points) / 10_000;
            Fen::try_from(paid).map_err(|_| Overflow)?
        }
        None => 0,
    };
    let next = tier.map_or(0, |i| i + 1);
    let to_next_tier = rule.tiers.get(next).map(|t| t.from - basis);
    Ok(Earned { basis, tier, amount, to_next_tier })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(basis: Basis) -> RebateRule {
        RebateRule {
            basis,
            tiers: vec![Tier { from: 100_000_00, basis_points: 100 }, Tier { from: 500_000_00, basis_points: 300 }],
        }
    }

    #[test]
    fn a_tier_reached_pays_its_percentage_of_the_whole_basis() {
        let e = earned(
            &rule(Basis::SoldOnward),
            Period { sell_in: 600_000_00, sell_through: 520_000_00, credited_before: 0 },
        )
        .unwrap();
        assert_eq!((e.basis, e.tier, e.amount, e.to_next_tier), (520_000_00, Some(1), 15_600_00, None));
        let below = earned(
            &rule(Basis::SoldOnward),
            Period { sell_in: 90_000_00, sell_through: 90_000_00, credited_before: 0 },
        )
        .unwrap();
        assert_eq!((below.amount, below.to_next_tier), (0, Some(10_000_00)));
    }

    #[test]
    fn stuffing_the_channel_earns_nothing_on_sell_through() {
        // Bought a million, sold fifty thousand: the basis is what was sold.
        let stuffed = Period { sell_in: 1_000_000_00, sell_through: 50_000_00, credited_before: 0 };
        assert_eq!(earned(&rule(Basis::SoldOnward), stuffed).unwrap().amount, 0);
        assert_eq!(earned(&rule(Basis::SellIn), stuffed).unwrap().amount, 30_000_00);
        // Sold onward beyond what was bought counts only what was bought.
        let old_stock = Period { sell_in: 100_000_00, sell_through: 900_000_00, credited_before: 0 };
        assert_eq!(earned(&rule(Basis::SoldOnward), old_stock).unwrap().basis, 100_000_00);
    }

    #[test]
    fn goods_bought_one_month_and_sold_the_next_earn_when_sold_and_only_once() {
        let rule = rule(Basis::SoldOnward);
        let first = earned(&rule, Period { sell_in: 200_000_00, sell_through: 0, credited_before: 0 }).unwrap();
        assert_eq!(first.basis, 0);
        let second =
            earned(&rule, Period { sell_in: 200_000_00, sell_through: 200_000_00, credited_before: 0 }).unwrap();
        assert_eq!((second.basis, second.amount), (200_000_00, 2_000_00));
        let third =
            earned(&rule, Period { sell_in: 200_000_00, sell_through: 250_000_00, credited_before: second.basis })
                .unwrap();
        assert_eq!(third.basis, 0, "nothing bought since: nothing more to credit");
    }

    #[test]
    fn rules_are_checked() {
        assert_eq!(check_rule(&rule(Basis::SellIn)), Ok(()));
        let mut bad = rule(Basis::SellIn);
        bad.tiers.reverse();
        assert_eq!(check_rule(&bad), Err(RuleProblem::NotAscending));
        bad.tiers = vec![Tier { from: 0, basis_points: 10_001 }];
        assert_eq!(check_rule(&bad), Err(RuleProblem::TooHigh));
        bad.tiers.clear();
        assert_eq!(check_rule(&bad), Err(RuleProblem::NoTiers));
    }
}

/// What one SKU did for a dealer from a rule's start to a period's end: what the dealer had
/// delivered to their stores (counted in there) and what those stores sold of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkuFlow {
    pub sku: String,
    pub delivered_units: i64,
    /// At the dealer's prices.
    pub delivered_value: Fen,
    /// Sold at the dealer's stores, returns taken off.
    pub sold_units: i64,
}

/// A period's sell-in and sell-through from its SKUs' flows. Sell-through counts, per SKU, what
/// was sold up to what the dealer delivered (goods the stores had from elsewhere earn this dealer
/// nothing), valued at the dealer's average price for it.
pub fn period_of(flows: &[SkuFlow], credited_before: Fen) -> Result<Period, Overflow> {
    let mut sell_in: Fen = 0;
    let mut sell_through: Fen = 0;
    for f in flows.iter().filter(|f| f.delivered_units > 0 && f.delivered_value >= 0) {
        sell_in = sell_in.checked_add(f.delivered_value).ok_or(Overflow)?;
        let sold = f.sold_units.clamp(0, f.delivered_units);
        let value = i128::from(f.delivered_value) * i128::from(sold) / i128::from(f.delivered_units);
        sell_through = sell_through.checked_add(Fen::try_from(value).map_err(|_| Overflow)?).ok_or(Overflow)?;
    }
    Ok(Period { sell_in, sell_through, credited_before })
}

#[cfg(test)]
mod flow_tests {
    use super::*;

    #[test]
    fn what_the_stores_sold_counts_only_up_to_what_this_dealer_delivered() {
        let flows = [
            SkuFlow { sku: "TV".into(), delivered_units: 10, delivered_value: 30_000_00, sold_units: 4 },
            // Sold more than this dealer delivered: the rest came from elsewhere.
            SkuFlow { sku: "AC".into(), delivered_units: 2, delivered_value: 4_000_00, sold_units: 5 },
            // Stuffed and not sold: sell-in only.
            SkuFlow { sku: "WM".into(), delivered_units: 50, delivered_value: 100_000_00, sold_units: 0 },
        ];
        let p = period_of(&flows, 0).unwrap();
        assert_eq!((p.sell_in, p.sell_through), (134_000_00, 16_000_00));
        let rule = RebateRule { basis: Basis::SoldOnward, tiers: vec![Tier { from: 10_000_00, basis_points: 200 }] };
        assert_eq!(earned(&rule, p).unwrap().amount, 320_00, "stuffing the channel earns nothing");
    }
}

/// A rebate period: its key (`2026-11`, `2026-Q4`, `2026`) and its first and last days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodSpan {
    pub key: String,
    pub first: crate::Day,
    pub last: crate::Day,
}

/// The period of `kind` holding `day`.
pub fn period_holding(kind: portal_api::RebatePeriod, day: crate::Day) -> PeriodSpan {
    use portal_api::RebatePeriod::*;
    use portal_store_ops::day::{civil_from_days, days_from_civil};
    let (y, m, _) = civil_from_days(i64::from(day));
    let (key, first_month, months) = match kind {
        Month => (format!("{y:04}-{m:02}"), m, 1),
        Quarter => (format!("{y:04}-Q{}", (m - 1) / 3 + 1), (m - 1) / 3 * 3 + 1, 3),
        Year => (format!("{y:04}"), 1, 12),
    };
    let first = days_from_civil(y, first_month, 1);
    let (ny, nm) =
        if first_month + months > 12 { (y + 1, first_month + months - 12) } else { (y, first_month + months) };
    let last = days_from_civil(ny, nm, 1) - 1;
    PeriodSpan { key, first: first as crate::Day, last: last as crate::Day }
}

#[cfg(test)]
mod period_tests {
    use portal_api::RebatePeriod;
    use portal_store_ops::day::days_from_civil;

    use super::*;

    #[test]
    fn a_day_falls_in_its_month_quarter_and_year() {
        let day = days_from_civil(2026, 11, 30) as crate::Day;
        let month = period_holding(RebatePeriod::Month, day);
        assert_eq!((month.key.as_str(), month.first, month.last), ("2026-11", day - 29, day));
        let quarter = period_holding(RebatePeriod::Quarter, day);
        assert_eq!((quarter.key.as_str(), quarter.last), ("2026-Q4", days_from_civil(2026, 12, 31) as crate::Day));
        let year = period_holding(RebatePeriod::Year, day);
        assert_eq!((year.key.as_str(), year.first), ("2026", days_from_civil(2026, 1, 1) as crate::Day));
    }
}
