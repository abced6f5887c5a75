//! What an operation must hold on its own, before anything is read: a receipt number, lines with a
//! SKU and a quantity, gifts, a reason for an adjustment, a count of at least one SKU, a transfer to
//! another store. The device checks it before the operation enters its outbox; the server checks it
//! again when the operation arrives.
use portal_api::{SkuQuantity, StoreAction};
use uuid::Uuid;

use crate::refusal::Refusal;
use portal_api::ErrorCode;

/// Checks what `action`, made at store `store`, must hold by itself.
pub fn check(store: Uuid, action: &StoreAction) -> Result<(), Refusal> {
    match action {
        StoreAction::OpenShift { opening_cash, .. } => {
            if *opening_cash < 0 {
                return Err(Refusal::invalid("the opening cash cannot be negative"));
            }
        }
        StoreAction::Sale { receipt_no, gifts, offer, .. } => {
            check_sale(receipt_no, gifts)?;
            if let Some(offer) = offer {
                crate::offer::check(offer)?;
            }
        }
        StoreAction::Return { lines, gifts, .. } => {
            if lines.is_empty() && gifts.is_empty() {
                return Err(Refusal::invalid("a return needs at least one line"));
            }
        }
        StoreAction::Receipt { lines, .. } => check_lines(lines)?,
        StoreAction::TransferOut { to_store, lines, .. } => {
            check_lines(lines)?;
            if *to_store == store {
                return Err(Refusal::invalid("send to another known store"));
            }
        }
        StoreAction::Adjustment { reason, .. } => {
            if reason.trim().is_empty() {
                return Err(Refusal::new(ErrorCode::ReasonRequired, "an adjustment needs a reason"));
            }
        }
        StoreAction::StockCount { counted } => {
            if counted.is_empty() || counted.iter().any(|c| c.sku.trim().is_empty() || c.quantity < 0) {
                return Err(Refusal::invalid("count at least one SKU, none below zero"));
            }
        }
        StoreAction::SampleRegister { serial, sku, .. } => {
            if serial.trim().is_empty() || sku.trim().is_empty() {
                return Err(Refusal::invalid("a unit needs a serial and a SKU"));
            }
        }
        StoreAction::CloseShift { .. }
        | StoreAction::ShipmentIn { .. }
        | StoreAction::TransferIn { .. }
        | StoreAction::SampleChange { .. }
        | StoreAction::SampleAudit { .. } => {}
    }
    Ok(())
}

/// A sale's own parts beyond its arithmetic (which `checkout::totals` checks): a receipt number,
/// and gifts with a SKU and a quantity.
pub fn check_sale(receipt_no: &str, gifts: &[SkuQuantity]) -> Result<(), Refusal> {
    if receipt_no.trim().is_empty() {
        return Err(Refusal::invalid("a receipt number is needed"));
    }
    if gifts.iter().any(|g| g.sku.trim().is_empty() || g.quantity < 1) {
        return Err(Refusal::invalid("a gift needs a SKU and a quantity of 1 or more"));
    }
    Ok(())
}

/// Goods moved in or out: at least one line, each with a SKU and a quantity of 1 or more.
fn check_lines(lines: &[SkuQuantity]) -> Result<(), Refusal> {
    if lines.is_empty() {
        return Err(Refusal::invalid("at least one line is needed"));
    }
    if let Some(l) = lines.iter().find(|l| l.sku.trim().is_empty() || l.quantity < 1) {
        return Err(Refusal::invalid(format!("line {}: a SKU and a quantity of 1 or more", l.sku)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HERE: Uuid = Uuid::from_u128(1);
    const THERE: Uuid = Uuid::from_u128(2);

    fn line(sku: &str, quantity: i64) -> SkuQuantity {
        SkuQuantity { sku: sku.into(), quantity }
    }

    #[test]
    fn refuses_what_cannot_stand_on_its_own() {
        let bad = [
            StoreAction::OpenShift { shift_id: HERE, opening_cash: -1 },
            StoreAction::Receipt { lines: vec![], source: "brand".into() },
            StoreAction::Receipt { lines: vec![line("A", 0)], source: "brand".into() },
            StoreAction::TransferOut { transfer_id: HERE, to_store: HERE, lines: vec![line("A", 1)] },
            StoreAction::Adjustment { sku: "A".into(), quantity: -1, reason: " ".into() },
            StoreAction::StockCount { counted: vec![line("A", -1)] },
            StoreAction::SampleRegister { serial: "".into(), sku: "A".into(), location: "".into() },
        ];
        for action in bad {
            assert!(check(HERE, &action).is_err(), "{action:?}");
        }
        let reason = check(HERE, &StoreAction::Adjustment { sku: "A".into(), quantity: 1, reason: "".into() });
        assert_eq!(reason.unwrap_err().code, ErrorCode::ReasonRequired);
    }

    #[test]
    fn lets_well_formed_operations_through() {
        let good = [
            StoreAction::OpenShift { shift_id: HERE, opening_cash: 0 },
            StoreAction::TransferOut { transfer_id: HERE, to_store: THERE, lines: vec![line("A", 2)] },
            StoreAction::StockCount { counted: vec![line("A", 0)] },
            StoreAction::TransferIn { transfer_id: HERE },
        ];
        for action in good {
            assert_eq!(check(HERE, &action), Ok(()), "{action:?}");
        }
    }
}
