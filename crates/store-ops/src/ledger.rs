//! Store stock as a ledger: every change is a movement with a signed quantity, and on-hand is their
//! sum — never a number overwritten. A stock count posts the differences as movements.
use std::collections::BTreeMap;

pub use portal_api::MovementKind;

/// The sign a movement of this kind must have: +1 in, -1 out, 0 either.
pub fn sign(kind: MovementKind) -> i64 {
    use MovementKind::*;
    match kind {
        Receipt | TransferIn | Return | GiftReturned => 1,
        TransferOut | Sale | GiftIssued => -1,
        Adjustment | Count => 0,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movement {
    pub sku: String,
    pub kind: MovementKind,
    /// Signed: positive into the store, negative out.
    pub quantity: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("a quantity of zero moves nothing")]
    Zero,
    #[error("a {kind:?} movement cannot have the quantity {quantity}")]
    WrongSign { kind: MovementKind, quantity: i64 },
}

impl Movement {
    pub fn new(sku: impl Into<String>, kind: MovementKind, quantity: i64) -> Result<Self, LedgerError> {
        if quantity == 0 {
            return Err(LedgerError::Zero);
        }
        if sign(kind) != 0 && quantity.signum() != sign(kind) {
            return Err(LedgerError::WrongSign { kind, quantity });
        }
        Ok(Movement { sku: sku.into(), kind, quantity })
    }
}

/// On-hand per SKU: the sum of the movements. A sale is a fact and is always recorded, so a SKU
/// may go below zero; `negative` lists those for the store manager.
pub fn on_hand<'a>(movements: impl IntoIterator<Item = &'a Movement>) -> BTreeMap<String, i64> {
    let mut stock = BTreeMap::new();
    for m in movements {
        *stock.entry(m.sku.clone()).or_insert(0) += m.quantity;
    }
    stock
}

pub fn negative(stock: &BTreeMap<String, i64>) -> Vec<(&str, i64)> {
    stock.iter().filter(|(_, q)| **q < 0).map(|(s, q)| (s.as_str(), *q)).collect()
}

/// The movements a stock count posts: for each SKU counted, the difference from on-hand. SKUs not
/// counted are left alone (a partial count is a count of what was counted).
pub fn count_differences(stock: &BTreeMap<String, i64>, counted: &BTreeMap<String, i64>) -> Vec<Movement> {
    counted
        .iter()
        .filter_map(|(sku, counted)| {
            let difference = counted - stock.get(sku).copied().unwrap_or(0);
            (difference != 0).then(|| Movement { sku: sku.clone(), kind: MovementKind::Count, quantity: difference })
        })
        .collect()
}

/// At or below this many units a SKU shows in the low-stock view.
pub const LOW_STOCK_LEVEL: i64 = 2;

/// SKUs at or below their reorder level.
pub fn low_stock(stock: &BTreeMap<String, i64>, level: impl Fn(&str) -> i64) -> Vec<(&str, i64)> {
    stock.iter().filter(|(sku, q)| **q <= level(sku)).map(|(s, q)| (s.as_str(), *q)).collect()
}

#[cfg(test)]
mod tests {
    use super::{MovementKind::*, *};

    fn m(sku: &str, kind: MovementKind, quantity: i64) -> Movement {
        Movement::new(sku, kind, quantity).unwrap()
    }

    #[test]
    fn on_hand_is_the_sum_of_movements() {
        let ledger = [
            m("TV", Receipt, 10),
            m("TV", Sale, -3),
            m("TV", Return, 1),
            m("TV", TransferOut, -2),
            m("AC", Receipt, 4),
        ];
        let stock = on_hand(&ledger);
        assert_eq!(stock["TV"], 6);
        assert_eq!(stock["AC"], 4);
    }

    #[test]
    fn a_sale_beyond_stock_is_recorded_and_flagged() {
        let ledger = [m("TV", Receipt, 1), m("TV", Sale, -1), m("TV", Sale, -1)];
        let stock = on_hand(&ledger);
        assert_eq!(negative(&stock), [("TV", -1)]);
    }

    #[test]
    fn movements_carry_the_sign_of_their_kind() {
        assert_eq!(Movement::new("TV", Sale, 2), Err(LedgerError::WrongSign { kind: Sale, quantity: 2 }));
        assert_eq!(Movement::new("TV", Receipt, -2), Err(LedgerError::WrongSign { kind: Receipt, quantity: -2 }));
        assert_eq!(Movement::new("TV", Adjustment, 0), Err(LedgerError::Zero));
        assert!(Movement::new("TV", Adjustment, -1).is_ok() && Movement::new("TV", Count, 3).is_ok());
    }

    #[test]
    fn a_count_posts_only_the_differences() {
        let ledger = [m("TV", Receipt, 5), m("AC", Receipt, 2), m("WM", Receipt, 1)];
        let mut stock = on_hand(&ledger);
        let counted = BTreeMap::from([("TV".to_string(), 4), ("AC".to_string(), 2), ("FR".to_string(), 1)]);
        let posted = count_differences(&stock, &counted);
        assert_eq!(posted, [m("FR", Count, 1), m("TV", Count, -1)]);
        for p in &posted {
            *stock.entry(p.sku.clone()).or_insert(0) += p.quantity;
        }
        assert_eq!((stock["TV"], stock["AC"], stock["FR"], stock["WM"]), (4, 2, 1, 1), "WM was not counted");
    }

    #[test]
    fn low_stock_by_level() {
        let stock = on_hand(&[m("TV", Receipt, 2), m("AC", Receipt, 9)]);
        assert_eq!(low_stock(&stock, |_| 3), [("TV", 2)]);
    }
}
