//! A till's shift: who may open and close it, what it should hold per payment method when it
//! closes, and when a count that differs needs a reason. The server decides with these rules over
//! the shifts of record; the app decides with the same ones over the shift open on the device.
use portal_api::{ErrorCode, Payment, PaymentMethod};
use uuid::Uuid;

use crate::refusal::Refusal;

/// A shift as read back: where, whose, and whether it is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShiftFacts {
    pub store_id: Uuid,
    pub promoter_id: Uuid,
    pub closed: bool,
}

/// Opening a shift: not one that is open already.
pub fn check_open(already_open: bool) -> Result<(), Refusal> {
    if already_open {
        return Err(Refusal::invalid("a shift is already open: close it first"));
    }
    Ok(())
}

/// Closing `shift` at `store`: it must exist there, be open, and be closed by whoever opened it or
/// a manager of the store.
pub fn check_close(shift: Option<&ShiftFacts>, store: Uuid, actor: Uuid, manages_store: bool) -> Result<(), Refusal> {
    let Some(shift) = shift else { return Err(Refusal::invalid("no such shift")) };
    if shift.store_id != store {
        return Err(Refusal::invalid("the shift belongs to another store"));
    }
    if shift.promoter_id != actor && !manages_store {
        return Err(Refusal::new(
            ErrorCode::Forbidden,
            "a shift is closed by the person who opened it or a manager of the store",
        ));
    }
    if shift.closed {
        return Err(Refusal::new(ErrorCode::ShiftClosed, "this shift is already closed"));
    }
    Ok(())
}

/// Whether a shift (as read) is the store's and still open: a sale names it, a refund is paid from it.
pub fn open_at(shift: Option<&ShiftFacts>, store: Uuid) -> bool {
    shift.is_some_and(|s| s.store_id == store && !s.closed)
}

/// What a shift's till should hold per payment method: the opening cash plus what its sales took
/// (less the change given, in cash), less what was refunded from it. Cash, card, wallet, in order.
pub fn expected_cash(
    opening_cash: i64,
    paid: impl IntoIterator<Item = (PaymentMethod, i64)>,
    change: i64,
    refunded: impl IntoIterator<Item = (PaymentMethod, i64)>,
) -> Result<Vec<Payment>, Refusal> {
    let too_large = || Refusal::invalid("the shift's takings are too large to add up");
    let mut expected: Vec<Payment> = [PaymentMethod::Cash, PaymentMethod::Card, PaymentMethod::QrWallet]
        .into_iter()
        .map(|method| Payment { method, amount: 0 })
        .collect();
    let mut add = |method: PaymentMethod, amount: i64| -> Result<(), Refusal> {
        let slot = expected.iter_mut().find(|e| e.method == method).ok_or_else(too_large)?;
        slot.amount = slot.amount.checked_add(amount).ok_or_else(too_large)?;
        Ok(())
    };
    add(PaymentMethod::Cash, opening_cash)?;
    for (method, amount) in paid {
        add(method, amount)?;
    }
    add(PaymentMethod::Cash, change.checked_neg().ok_or_else(too_large)?)?;
    for (method, amount) in refunded {
        add(method, amount.checked_neg().ok_or_else(too_large)?)?;
    }
    Ok(expected)
}

/// The count at closing against what was expected: each method whose count differs, with the
/// difference (counted − expected). A difference needs a reason; the reason, trimmed, is returned.
pub fn count<'a>(
    expected: &[Payment],
    counted: &[Payment],
    reason: Option<&'a str>,
) -> Result<(Vec<(PaymentMethod, i64)>, Option<&'a str>), Refusal> {
    let mut differences = Vec::new();
    for e in expected {
        let counted = counted
            .iter()
            .filter(|c| c.method == e.method)
            .try_fold(0i64, |sum, c| sum.checked_add(c.amount))
            .ok_or_else(|| Refusal::invalid("the counted amounts are too large"))?;
        if counted != e.amount {
            let difference =
                counted.checked_sub(e.amount).ok_or_else(|| Refusal::invalid("the counted amounts are too large"))?;
            differences.push((e.method, difference));
        }
    }
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if !differences.is_empty() && reason.is_none() {
        return Err(Refusal::new(
            ErrorCode::ReasonRequired,
            "the count differs from the expected amounts: give a reason",
        ));
    }
    Ok((differences, reason))
}

#[cfg(test)]
mod tests {
    use super::*;
    use PaymentMethod::*;

    const STORE: Uuid = Uuid::from_u128(1);
    const AMY: Uuid = Uuid::from_u128(10);
    const BEN: Uuid = Uuid::from_u128(11);

    fn pay(method: PaymentMethod, amount: i64) -> Payment {
        Payment { method, amount }
    }

    #[test]
    fn expected_cash_adds_takings_and_takes_change_and_refunds() {
        let expected =
            expected_cash(100_00, [(Cash, 50_00), (Card, 30_00), (Cash, 20_00)], 5_00, [(Card, 10_00)]).unwrap();
        assert_eq!(expected, [pay(Cash, 165_00), pay(Card, 20_00), pay(QrWallet, 0)]);
        assert!(expected_cash(i64::MAX, [(Cash, 1)], 0, []).is_err(), "checked, never wraps");
    }

    #[test]
    fn a_count_that_differs_needs_a_reason() {
        let expected = [pay(Cash, 100), pay(Card, 50), pay(QrWallet, 0)];
        let counted = [pay(Cash, 90), pay(Card, 50)];
        assert_eq!(count(&expected, &counted, Some("  ")).unwrap_err().code, ErrorCode::ReasonRequired);
        assert_eq!(count(&expected, &counted, Some(" short ")).unwrap(), (vec![(Cash, -10)], Some("short")));
        assert_eq!(count(&expected, &[pay(Cash, 60), pay(Cash, 40), pay(Card, 50)], None).unwrap(), (vec![], None));
    }

    #[test]
    fn who_may_close_a_shift() {
        let open = ShiftFacts { store_id: STORE, promoter_id: AMY, closed: false };
        assert_eq!(check_close(Some(&open), STORE, AMY, false), Ok(()));
        assert_eq!(check_close(Some(&open), STORE, BEN, false).unwrap_err().code, ErrorCode::Forbidden);
        assert_eq!(check_close(Some(&open), STORE, BEN, true), Ok(()), "a manager of the store");
        assert!(check_close(Some(&open), Uuid::from_u128(2), AMY, true).is_err(), "another store's");
        assert!(check_close(None, STORE, AMY, true).is_err());
        let closed = ShiftFacts { closed: true, ..open };
        assert_eq!(check_close(Some(&closed), STORE, AMY, false).unwrap_err().code, ErrorCode::ShiftClosed);
        assert!(open_at(Some(&open), STORE) && !open_at(Some(&closed), STORE) && !open_at(None, STORE));
        assert!(check_open(true).is_err() && check_open(false).is_ok());
    }
}
