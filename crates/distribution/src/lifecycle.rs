//! An order's life: submitted → price review (a line below its floor) → credit review (over the
//! line) → confirmed → allocated → shipped (partly: the rest back-ordered or cancelled, as the
//! dealer chose) → received → invoiced. Who may take each step is decided here, once.
use serde::{Deserialize, Serialize};

pub use portal_api::orders::{OrderStatus, Shortfall};

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

/// A step someone takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    ApprovePrice,
    RejectPrice,
    ReleaseCredit,
    RejectCredit,
    Allocate,
    /// A shipment, after which `remaining` units are still owed; the dealer's `shortfall` choice
    /// says whether they wait (back-order) or are cancelled.
    Ship {
        remaining: u32,
        shortfall: Shortfall,
    },
    Receive,
    Invoice,
    Cancel,
    /// A back-order given up: what is still owed is cancelled. The order is then shipped, or
    /// received at once when every shipment of it has been counted in already.
    CloseRest {
        all_counted: bool,
    },
    /// The order center marks a shipped order received when the store cannot count it in (a
    /// closed store, a lost tablet), with a reason.
    MarkReceived,
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

/// The status after `step`, if `actor` may take it now. `fits_credit` matters after a price
/// approval: the caller decides it with `credit::decide` in the approval's own locked transaction
/// (an order in price review holds no credit, so a flag kept from the submission would let two
/// orders past the line).
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
        (Allocated | PartlyShipped, Step::Ship { remaining, shortfall }) => {
            let complete = remaining == 0 || shortfall == Shortfall::CancelTheRest;
            (if complete { Shipped } else { PartlyShipped }, actor == OrderCenter)
        }
        // Goods-in at the store, once everything shipped has been counted there (each shipment's
        // receipt is its own record); only the store's count marks the order received.
        (Shipped, Step::Receive) => (Received, actor == Store),
        (Received, Step::Invoice) => (Invoiced, actor == OrderCenter),
        (PartlyShipped, Step::CloseRest { all_counted }) => {
            (if all_counted { Received } else { Shipped }, actor != Store)
        }
        (Shipped, Step::MarkReceived) => (Received, actor == OrderCenter),
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

/// Whether an order in `status` holds credit (confirmed and not yet invoiced, rejected or cancelled).
pub fn holds_credit(status: OrderStatus) -> bool {
    use OrderStatus::*;
    matches!(status, Confirmed | Allocated | PartlyShipped | Shipped | Received)
}

/// Whether nothing more happens to an order in `status`.
pub fn is_final(status: OrderStatus) -> bool {
    use OrderStatus::*;
    matches!(status, Invoiced | Rejected | Cancelled)
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
            (Step::Ship { remaining: 4, shortfall: Shortfall::BackOrder }, OrderCenter),
            (Step::Ship { remaining: 0, shortfall: Shortfall::BackOrder }, OrderCenter),
            (Step::Receive, Store),
            (Step::Invoice, OrderCenter),
        ] {
            status = next(status, step, actor, true).unwrap();
        }
        assert_eq!(status, Invoiced);
        assert!(is_final(status) && !holds_credit(status));
    }

    #[test]
    fn a_part_shipment_keeps_the_back_order_open_unless_the_dealer_cancelled_the_rest() {
        let back_order = Step::Ship { remaining: 3, shortfall: Shortfall::BackOrder };
        let cancel_rest = Step::Ship { remaining: 3, shortfall: Shortfall::CancelTheRest };
        assert_eq!(next(Allocated, back_order, OrderCenter, true), Ok(PartlyShipped));
        assert_eq!(next(Allocated, cancel_rest, OrderCenter, true), Ok(Shipped));
        assert_eq!(next(PartlyShipped, Step::Receive, Store, true), Err(StepRefused::NotNow));
    }

    #[test]
    fn only_the_stores_count_marks_an_order_received() {
        assert_eq!(next(Shipped, Step::Receive, Distributor, true), Err(StepRefused::NotYours));
        assert_eq!(next(Shipped, Step::Receive, Store, true), Ok(Received));
    }

    #[test]
    fn a_dealer_cannot_release_their_own_credit_nor_a_store_cancel() {
        assert_eq!(next(CreditReview, Step::ReleaseCredit, Distributor, true), Err(StepRefused::NotYours));
        assert_eq!(next(Confirmed, Step::Cancel, Store, true), Err(StepRefused::NotYours));
        assert_eq!(next(Confirmed, Step::Cancel, Distributor, true), Ok(Cancelled));
    }

    #[test]
    fn a_back_order_can_be_given_up_and_a_shipment_never_counted_marked_received() {
        assert_eq!(next(PartlyShipped, Step::CloseRest { all_counted: false }, Distributor, true), Ok(Shipped));
        assert_eq!(next(PartlyShipped, Step::CloseRest { all_counted: true }, BusinessManager, true), Ok(Received));
        assert_eq!(next(PartlyShipped, Step::CloseRest { all_counted: true }, Store, true), Err(StepRefused::NotYours));
        assert_eq!(next(Shipped, Step::MarkReceived, OrderCenter, true), Ok(Received));
        assert_eq!(next(Shipped, Step::MarkReceived, BusinessManager, true), Err(StepRefused::NotYours));
        assert_eq!(next(Confirmed, Step::CloseRest { all_counted: true }, OrderCenter, true), Err(StepRefused::NotNow));
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
