//! Credit: an order's amount is reserved against the dealer's credit line in the order's own
//! transaction when receivables + open orders + this order stay within the limit; over it, the
//! order waits for a business manager to release or reject it. Every figure is a sum of ledger
//! movements read in that transaction; this decides from them.
use serde::{Deserialize, Serialize};

use crate::{Fen, Overflow};

/// A dealer's credit as the ledger has it now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditPosition {
    pub limit: Fen,
    /// Invoiced and not yet paid.
    pub receivables: Fen,
    /// Reserved by orders confirmed and not yet invoiced.
    pub reserved: Fen,
}

impl CreditPosition {
    /// What is in use: receivables and reservations.
    pub fn used(&self) -> Result<Fen, Overflow> {
        self.receivables.checked_add(self.reserved).ok_or(Overflow)
    }

    /// What may still be reserved (never below zero).
    pub fn available(&self) -> Result<Fen, Overflow> {
        Ok(self.limit.checked_sub(self.used()?).ok_or(Overflow)?.max(0))
    }
}

/// Why a credit decision cannot be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CreditProblem {
    #[error(transparent)]
    Overflow(#[from] Overflow),
    /// A negative amount, limit or reservation: a ledger booked wrongly, never widened silently.
    #[error("a credit figure is negative")]
    Negative,
}

/// What happens to an order's credit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CreditDecision {
    /// Reserved: the order goes on.
    Reserve { available_after: Fen },
    /// Over the line by `over_by`: a business manager releases or rejects it.
    Review { over_by: Fen },
}

/// Whether an order of `amount` (already paid parts taken off) fits the dealer's credit.
pub fn decide(position: CreditPosition, amount: Fen) -> Result<CreditDecision, CreditProblem> {
    if amount < 0 || position.limit < 0 || position.reserved < 0 || position.receivables < 0 {
        return Err(CreditProblem::Negative);
    }
    let after = position.used()?.checked_add(amount).ok_or(Overflow)?;
    Ok(if after <= position.limit {
        CreditDecision::Reserve { available_after: position.limit - after }
    } else {
        CreditDecision::Review { over_by: after - position.limit }
    })
}

/// Why a credit line cannot be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LimitProblem {
    #[error("a credit line is zero or more")]
    Negative,
    #[error(
        "the line would be below what is already in use ({used} fen): lower it after orders are invoiced and paid"
    )]
    BelowUsed { used: Fen },
}

/// Whether the line may be set to `limit`: never below what receivables and reservations already use.
pub fn check_new_limit(position: CreditPosition, limit: Fen) -> Result<(), LimitProblem> {
    if limit < 0 {
        return Err(LimitProblem::Negative);
    }
    let used = position.used().unwrap_or(Fen::MAX);
    if limit < used {
        return Err(LimitProblem::BelowUsed { used });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const POSITION: CreditPosition = CreditPosition { limit: 1_000_00, receivables: 300_00, reserved: 200_00 };

    #[test]
    fn an_order_within_the_line_is_reserved_and_one_over_it_waits_for_review() {
        assert_eq!(decide(POSITION, 500_00), Ok(CreditDecision::Reserve { available_after: 0 }));
        assert_eq!(decide(POSITION, 500_01), Ok(CreditDecision::Review { over_by: 1 }));
        assert_eq!(POSITION.available(), Ok(500_00));
    }

    #[test]
    fn two_orders_that_together_pass_the_line_are_not_both_reserved() {
        // The second reads the position the first left (in its own transaction, under the lock).
        let CreditDecision::Reserve { .. } = decide(POSITION, 400_00).unwrap() else { panic!() };
        let after_first = CreditPosition { reserved: POSITION.reserved + 400_00, ..POSITION };
        assert!(matches!(decide(after_first, 400_00).unwrap(), CreditDecision::Review { over_by: 300_00 }));
    }

    #[test]
    fn sums_that_overflow_are_refused() {
        let huge = CreditPosition { limit: Fen::MAX, receivables: Fen::MAX, reserved: 1 };
        assert_eq!(decide(huge, 1), Err(CreditProblem::Overflow(Overflow)));
    }

    #[test]
    fn negative_figures_are_refused_never_widening_the_line() {
        assert_eq!(decide(POSITION, -1), Err(CreditProblem::Negative));
        let wrong = CreditPosition { reserved: -50_00, ..POSITION };
        assert_eq!(decide(wrong, 1), Err(CreditProblem::Negative));
    }

    #[test]
    fn a_line_is_never_lowered_below_what_is_in_use() {
        assert_eq!(check_new_limit(POSITION, 499_99), Err(LimitProblem::BelowUsed { used: 500_00 }));
        assert_eq!(check_new_limit(POSITION, 500_00), Ok(()));
        assert_eq!(check_new_limit(POSITION, -1), Err(LimitProblem::Negative));
    }
}
