//! Goods-in at a store from a dealer's shipment: what the store counted against what was shipped,
//! per SKU. Good units are booked into the store's stock; damaged ones are reported, not booked;
//! what neither counts is short. Counting more than was shipped is refused: the count is wrong.
use portal_api::{CountedLine, ShipLine};
use serde::{Deserialize, Serialize};

/// One SKU of a shipment, as counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counted {
    pub sku: String,
    pub shipped: u32,
    pub received: u32,
    pub damaged: u32,
    pub short: u32,
}

/// Why a count cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CountProblem {
    #[error("{0} is not in this shipment")]
    NotShipped(String),
    #[error("{0}: counts are zero or more")]
    Negative(String),
    #[error("{0} is counted twice")]
    Twice(String),
    #[error("{sku}: {counted} counted, {shipped} shipped")]
    MoreThanShipped { sku: String, counted: i64, shipped: u32 },
}

/// Every shipped SKU with its count (a SKU not counted arrived short).
pub fn count(shipped: &[ShipLine], counted: &[CountedLine]) -> Result<Vec<Counted>, CountProblem> {
    for (i, line) in counted.iter().enumerate() {
        if counted[..i].iter().any(|c| c.sku == line.sku) {
            return Err(CountProblem::Twice(line.sku.clone()));
        }
        if line.received < 0 || line.damaged < 0 {
            return Err(CountProblem::Negative(line.sku.clone()));
        }
        let Some(ship) = shipped.iter().find(|s| s.sku == line.sku) else {
            return Err(CountProblem::NotShipped(line.sku.clone()));
        };
        let total = line.received.saturating_add(line.damaged);
        if total > i64::from(ship.quantity) {
            return Err(CountProblem::MoreThanShipped {
                sku: line.sku.clone(),
                counted: total,
                shipped: ship.quantity,
            });
        }
    }
    Ok(shipped
        .iter()
        .map(|ship| {
            let (received, damaged) =
                counted.iter().find(|c| c.sku == ship.sku).map_or((0, 0), |c| (c.received as u32, c.damaged as u32));
            Counted {
                sku: ship.sku.clone(),
                shipped: ship.quantity,
                received,
                damaged,
                short: ship.quantity - received - damaged,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ship(sku: &str, quantity: u32) -> ShipLine {
        ShipLine { sku: sku.into(), quantity }
    }

    fn counted(sku: &str, received: i64, damaged: i64) -> CountedLine {
        CountedLine { sku: sku.into(), received, damaged }
    }

    #[test]
    fn what_is_not_counted_good_or_damaged_is_short() {
        let lines = count(&[ship("TV", 10), ship("AC", 4)], &[counted("TV", 8, 1)]).unwrap();
        assert_eq!(lines[0], Counted { sku: "TV".into(), shipped: 10, received: 8, damaged: 1, short: 1 });
        assert_eq!(lines[1], Counted { sku: "AC".into(), shipped: 4, received: 0, damaged: 0, short: 4 });
    }

    #[test]
    fn a_count_beyond_the_shipment_or_of_something_else_is_refused() {
        let shipped = [ship("TV", 10)];
        assert!(matches!(count(&shipped, &[counted("TV", 10, 1)]), Err(CountProblem::MoreThanShipped { .. })));
        assert_eq!(count(&shipped, &[counted("AC", 1, 0)]), Err(CountProblem::NotShipped("AC".into())));
        assert_eq!(count(&shipped, &[counted("TV", -1, 0)]), Err(CountProblem::Negative("TV".into())));
        assert_eq!(count(&shipped, &[counted("TV", 1, 0), counted("TV", 1, 0)]), Err(CountProblem::Twice("TV".into())));
    }
}
