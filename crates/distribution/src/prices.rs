//! A dealer's price for a SKU on a day: the dealer's own price list first, then their tier's,
//! their region's, and the list price last; each entry valid from a day to a day (inclusive) or
//! open-ended. Entries of one scope and SKU may not overlap in time. A line may carry a floor: an
//! order line priced below it goes to price review.
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Day, Fen};

/// Whom a price-list entry is for, from the most particular to the most general.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "key", rename_all = "snake_case")]
pub enum PriceScope {
    Dealer(Uuid),
    Tier(String),
    Region(String),
    List,
}

impl PriceScope {
    /// Lower wins.
    fn rank(&self) -> u8 {
        match self {
            PriceScope::Dealer(_) => 0,
            PriceScope::Tier(_) => 1,
            PriceScope::Region(_) => 2,
            PriceScope::List => 3,
        }
    }

    fn applies_to(&self, buyer: &Buyer) -> bool {
        match self {
            PriceScope::Dealer(id) => *id == buyer.dealer,
            PriceScope::Tier(tier) => buyer.tier.as_deref() == Some(tier.as_str()),
            PriceScope::Region(region) => buyer.region.as_deref() == Some(region.as_str()),
            PriceScope::List => true,
        }
    }
}

/// One line of a price list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceEntry {
    pub scope: PriceScope,
    pub sku: String,
    pub price: Fen,
    /// The lowest price a line may be ordered at without a price review.
    pub floor: Option<Fen>,
    pub valid_from: Day,
    /// The last day it holds; `None`: open-ended (a later open-ended entry of the same scope and
    /// SKU, from today or after, ends it the day before it starts).
    pub valid_until: Option<Day>,
}

impl PriceEntry {
    fn valid_on(&self, day: Day) -> bool {
        self.valid_from <= day && self.valid_until.is_none_or(|until| day <= until)
    }
}

/// Who is buying: a dealer, with their tier and region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buyer {
    pub dealer: Uuid,
    pub tier: Option<String>,
    pub region: Option<String>,
}

/// The price that holds, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub price: Fen,
    pub floor: Option<Fen>,
    pub scope: PriceScope,
}

/// The buyer's price for `sku` on `day`: the most particular scope that has a valid entry.
pub fn resolve(entries: &[PriceEntry], sku: &str, buyer: &Buyer, day: Day) -> Option<Resolved> {
    entries
        .iter()
        .filter(|e| e.sku == sku && e.valid_on(day) && e.scope.applies_to(buyer))
        .min_by_key(|e| (e.scope.rank(), std::cmp::Reverse(e.valid_from)))
        .map(|e| Resolved { price: e.price, floor: e.floor, scope: e.scope.clone() })
}

/// Two entries of one scope and SKU whose validity overlaps (indexes into the checked slice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlap {
    pub first: usize,
    pub second: usize,
}

/// What is wrong with one entry of a price list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryProblem {
    #[error("a price must be more than zero")]
    NotPositive,
    #[error("the floor is above the price")]
    FloorAbovePrice,
    #[error("the entry ends before it starts")]
    EndsBeforeStart,
}

/// Checks one entry on its own.
pub fn check_entry(entry: &PriceEntry) -> Result<(), EntryProblem> {
    if entry.price <= 0 || entry.floor.is_some_and(|f| f <= 0) {
        return Err(EntryProblem::NotPositive);
    }
    if entry.floor.is_some_and(|f| f > entry.price) {
        return Err(EntryProblem::FloorAbovePrice);
    }
    if entry.valid_until.is_some_and(|until| until < entry.valid_from) {
        return Err(EntryProblem::EndsBeforeStart);
    }
    Ok(())
}

/// Every pair of entries for the same scope and SKU whose days overlap.
pub fn overlaps(entries: &[PriceEntry]) -> Vec<Overlap> {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&entries[a], &entries[b]);
        (&x.scope, &x.sku, x.valid_from).cmp(&(&y.scope, &y.sku, y.valid_from))
    });
    let mut found = Vec::new();
    for (n, &i) in order.iter().enumerate() {
        for &j in &order[n + 1..] {
            let (a, b) = (&entries[i], &entries[j]);
            if a.scope != b.scope || a.sku != b.sku {
                break;
            }
            // Sorted by start: `b` starts on or after `a`; they overlap if `a` is still valid then.
            if a.valid_until.is_none_or(|until| b.valid_from <= until) {
                found.push(Overlap { first: i.min(j), second: i.max(j) });
            }
        }
    }
    found
}

/// How a SKU may be ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackRule {
    /// The fewest units one order line may ask for.
    pub min_order: u32,
    /// Units per case: a line is a whole number of cases (1: any quantity).
    pub case_pack: u32,
}

/// Why a quantity cannot be ordered, with what could be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QuantityProblem {
    #[error("order at least one unit")]
    Zero,
    #[error("order at least {min_order} units")]
    BelowMinimum { min_order: u32 },
    /// `below`: the nearest whole cases under the quantity, when that is not under the minimum.
    #[error("order whole cases of {case_pack}")]
    NotWholeCases { case_pack: u32, below: Option<u32>, above: u32 },
}

/// Whether `quantity` keeps to the SKU's minimum and case pack.
pub fn check_quantity(quantity: u32, rule: PackRule) -> Result<(), QuantityProblem> {
    if quantity == 0 {
        return Err(QuantityProblem::Zero);
    }
    if quantity < rule.min_order {
        return Err(QuantityProblem::BelowMinimum { min_order: rule.min_order });
    }
    let pack = rule.case_pack.max(1);
    if !quantity.is_multiple_of(pack) {
        let below = quantity - quantity % pack;
        return Err(QuantityProblem::NotWholeCases {
            case_pack: pack,
            below: (below >= rule.min_order.max(1)).then_some(below),
            above: below.saturating_add(pack),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(scope: PriceScope, price: Fen, from: Day, until: Option<Day>) -> PriceEntry {
        PriceEntry { scope, sku: "TV-55".into(), price, floor: None, valid_from: from, valid_until: until }
    }

    fn buyer() -> Buyer {
        Buyer { dealer: Uuid::from_u128(7), tier: Some("gold".into()), region: Some("east".into()) }
    }

    #[test]
    fn the_most_particular_valid_price_wins() {
        let entries = vec![
            entry(PriceScope::List, 400_000, 0, None),
            entry(PriceScope::Region("east".into()), 380_000, 0, None),
            entry(PriceScope::Tier("gold".into()), 370_000, 0, None),
            entry(PriceScope::Dealer(Uuid::from_u128(7)), 360_000, 10, Some(20)),
            entry(PriceScope::Dealer(Uuid::from_u128(8)), 1, 0, None),
        ];
        assert_eq!(resolve(&entries, "TV-55", &buyer(), 15).unwrap().price, 360_000);
        // Outside the dealer's dates, their tier's price holds; another dealer's never does.
        assert_eq!(resolve(&entries, "TV-55", &buyer(), 21).unwrap().scope, PriceScope::Tier("gold".into()));
        let plain = Buyer { dealer: Uuid::from_u128(9), tier: None, region: Some("west".into()) };
        assert_eq!(resolve(&entries, "TV-55", &plain, 15).unwrap().price, 400_000);
        assert_eq!(resolve(&entries, "OTHER", &buyer(), 15), None);
    }

    #[test]
    fn overlapping_dates_of_one_scope_and_sku_are_found_and_adjacent_ones_are_not() {
        let entries = vec![
            entry(PriceScope::List, 1, 0, Some(9)),
            entry(PriceScope::List, 2, 10, Some(19)),
            entry(PriceScope::List, 3, 19, None),
            entry(PriceScope::Tier("gold".into()), 4, 0, None),
        ];
        assert_eq!(overlaps(&entries), vec![Overlap { first: 1, second: 2 }]);
        let open = vec![entry(PriceScope::List, 1, 0, None), entry(PriceScope::List, 2, 100, None)];
        assert_eq!(overlaps(&open), vec![Overlap { first: 0, second: 1 }]);
    }

    #[test]
    fn an_entry_is_checked_on_its_own() {
        let mut e = entry(PriceScope::List, 100, 5, Some(4));
        assert_eq!(check_entry(&e), Err(EntryProblem::EndsBeforeStart));
        e.valid_until = None;
        e.floor = Some(101);
        assert_eq!(check_entry(&e), Err(EntryProblem::FloorAbovePrice));
        e.price = 0;
        assert_eq!(check_entry(&e), Err(EntryProblem::NotPositive));
    }

    #[test]
    fn quantities_keep_to_the_minimum_and_whole_cases() {
        let rule = PackRule { min_order: 4, case_pack: 4 };
        assert_eq!(check_quantity(8, rule), Ok(()));
        assert_eq!(check_quantity(0, rule), Err(QuantityProblem::Zero));
        assert_eq!(check_quantity(2, rule), Err(QuantityProblem::BelowMinimum { min_order: 4 }));
        assert_eq!(
            check_quantity(10, rule),
            Err(QuantityProblem::NotWholeCases { case_pack: 4, below: Some(8), above: 12 })
        );
        let six = PackRule { min_order: 6, case_pack: 4 };
        assert_eq!(check_quantity(6, six), Err(QuantityProblem::NotWholeCases { case_pack: 4, below: None, above: 8 }));
        assert_eq!(check_quantity(7, PackRule { min_order: 1, case_pack: 0 }), Ok(()));
    }
}
