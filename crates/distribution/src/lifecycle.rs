//! An order's life: submitted → price review (a line below its floor) → credit review (over the
//! line) → confirmed → allocated → shipped (partly: the rest back-ordered or cancelled, as the
//! dealer chose) → received → invoiced. Who may take each step is decided here, once.
use serde::{Deserialize, Serialize};

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    PriceReview,
    CreditReview,
    Confirmed,
    Allocated,
    PartlyShipped,
    Shipped,
    Received,
    Invoiced,
    Rejected,
    Cancelled,
}

/// Who acts on an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The dealer's own staff.
    Distributor,
    /// The brand's sales manager for the dealer.
    BusinessManager,
    /// The order center (administrators).
    OrderCenter,
    /// The promoter of the store the goods were shipped to.
    Store,
}

/// What the dealer wants done with what cannot be shipped now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shortfall {
    BackOrder,
    CancelTheRest,
}

/// A step someone takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    ApprovePrice,
    RejectPrice,
    ReleaseCredit,
    RejectCredit,
    Allocate,
    /// `complete`: nothing remains to ship after this shipment (all shipped, or the rest cancelled).
    Ship {
        complete: bool,
    },
    Receive,
    Invoice,
    Cancel,
}

/// Why a step cannot be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StepRefused {
    #[error("this order cannot take that step now")]
    NotNow,
    #[error("this role may not take that step")]
    NotYours,
}

/// Where a submitted order goes first: price review if a line is below its floor; otherwise
/// credit review if it does not fit the line; otherwise it is confirmed (its credit reserved).
pub fn on_submit(below_floor: bool, fits_credit: bool) -> OrderStatus {
    if below_floor {
        OrderStatus::PriceReview
    } else if fits_credit {
        OrderStatus::Confirmed
    } else {
        OrderStatus::CreditReview
    }
}

/// The status after `step`, if `actor` may take it now. After a price approval the credit is
/// checked as at submission (`fits_credit`).
pub fn next(status: OrderStatus, step: Step, actor: Actor, fits_credit: bool) -> Result<OrderStatus, StepRefused> {
    use Actor::*;
    use OrderStatus::*;
    let managers = matches!(actor, BusinessManager | OrderCenter);
    let (to, allowed) = match (status, step) {
        (PriceReview, Step::ApprovePrice) => (on_submit(false, fits_credit), managers),
        (PriceReview, Step::RejectPrice) => (Rejected, managers),
        (CreditReview, Step::ReleaseCredit) => (Confirmed, managers),
        (CreditReview, Step::RejectCredit) => (Rejected, managers),
        (Confirmed, Step::Allocate) => (Allocated, actor == OrderCenter),
        (Allocated | PartlyShipped, Step::Ship { complete }) => {
            (if complete { Shipped } else { PartlyShipped }, actor == OrderCenter)
        }
        (PartlyShipped | Shipped, Step::Receive) => (Received, matches!(actor, Store | Distributor)),
        (Received, Step::Invoice) => (Invoiced, actor == OrderCenter),
        // Before anything has shipped, the dealer may withdraw it and the center may cancel it.
        (PriceReview | CreditReview | Confirmed, Step::Cancel) => (Cancelled, actor != Store),
        (Allocated, Step::Cancel) => (Cancelled, managers),
        _ => return Err(StepRefused::NotNow),
    };
    if allowed {
        Ok(to)
    } else {
        Err(StepRefused::NotYours)
    }
}

impl OrderStatus {
    /// Whether the order still holds credit (confirmed and not yet invoiced, rejected or cancelled).
    pub fn holds_credit(self) -> bool {
        matches!(self, Self::Confirmed | Self::Allocated | Self::PartlyShipped | Self::Shipped | Self::Received)
    }

    /// Whether nothing more happens to it.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Invoiced | Self::Rejected | Self::Cancelled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Actor::*;
    use OrderStatus::*;

    #[test]
    fn a_submitted_order_goes_to_price_review_then_credit_review_then_on() {
        assert_eq!(on_submit(true, true), PriceReview);
        assert_eq!(on_submit(false, false), CreditReview);
        assert_eq!(on_submit(false, true), Confirmed);
        assert_eq!(next(PriceReview, Step::ApprovePrice, BusinessManager, false), Ok(CreditReview));
        assert_eq!(next(CreditReview, Step::ReleaseCredit, BusinessManager, false), Ok(Confirmed));
    }

    #[test]
    fn the_whole_way_to_an_invoice() {
        let mut status = Confirmed;
        for (step, actor) in [
            (Step::Allocate, OrderCenter),
            (Step::Ship { complete: false }, OrderCenter),
            (Step::Ship { complete: true }, OrderCenter),
            (Step::Receive, Store),
            (Step::Invoice, OrderCenter),
        ] {
            status = next(status, step, actor, true).unwrap();
        }
        assert_eq!(status, Invoiced);
        assert!(status.is_final() && !status.holds_credit());
    }

    #[test]
    fn a_dealer_cannot_release_their_own_credit_nor_a_store_cancel() {
        assert_eq!(next(CreditReview, Step::ReleaseCredit, Distributor, true), Err(StepRefused::NotYours));
        assert_eq!(next(Confirmed, Step::Cancel, Store, true), Err(StepRefused::NotYours));
        assert_eq!(next(Confirmed, Step::Cancel, Distributor, true), Ok(Cancelled));
    }

    #[test]
    fn a_step_out_of_order_is_refused_whoever_takes_it() {
        // Released and rejected at once: the second finds the order no longer in review.
        let released = next(CreditReview, Step::ReleaseCredit, BusinessManager, true).unwrap();
        assert_eq!(next(released, Step::RejectCredit, OrderCenter, true), Err(StepRefused::NotNow));
        assert_eq!(next(Invoiced, Step::Cancel, OrderCenter, true), Err(StepRefused::NotNow));
        assert_eq!(next(Shipped, Step::Cancel, OrderCenter, true), Err(StepRefused::NotNow));
        assert_eq!(next(Received, Step::Receive, Store, true), Err(StepRefused::NotNow));
    }
}
