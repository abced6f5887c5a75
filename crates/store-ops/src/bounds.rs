//! Bounds on what one store operation may say, checked when a request is read (on the server) and
//! before an operation is queued (on the device). Out of bounds is a malformed operation, refused
//! with the field it concerns; within them, every sum the ledger and the reports make fits an i64.
use portal_api::{StoreAction, StoreOp};

/// Units on one line, received, sent or counted at once.
pub const MAX_QUANTITY: i64 = 100_000;
/// Units one adjustment may add or take away.
pub const MAX_ADJUSTMENT: i64 = 1_000_000;
/// Fen in one price, discount, payment or cash count (¥100,000,000).
pub const MAX_AMOUNT: i64 = 10_000_000_000;
/// Lines (or counted SKUs, gifts, payments, scanned serials) in one operation.
pub const MAX_LINES: usize = 500;
/// Characters in a SKU, serial, receipt number, reason, location or source.
pub const MAX_TEXT: usize = 200;
/// The earliest time an operation may claim (2020-01-01) and how far ahead of the server's clock.
pub const EARLIEST_DEVICE_AT: i64 = 1_577_836_800;
pub const MAX_CLOCK_AHEAD_SECS: i64 = 7 * 24 * 3600;

/// The first bound an operation breaks: the field (as a path in the request) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutOfBounds {
    pub field: String,
    pub message: String,
}

fn fail(field: String, message: impl Into<String>) -> Result<(), OutOfBounds> {
    Err(OutOfBounds { field, message: message.into() })
}

fn quantity(field: String, q: i64, min: i64, max: i64) -> Result<(), OutOfBounds> {
    if q < min || q > max {
        return fail(field, format!("a quantity from {min} to {max}"));
    }
    Ok(())
}

fn amount(field: String, a: i64) -> Result<(), OutOfBounds> {
    if !(0..=MAX_AMOUNT).contains(&a) {
        return fail(field, format!("an amount from 0 to {MAX_AMOUNT} fen"));
    }
    Ok(())
}

fn text(field: String, t: &str) -> Result<(), OutOfBounds> {
    if t.chars().count() > MAX_TEXT || t.chars().any(char::is_control) {
        return fail(field, format!("at most {MAX_TEXT} characters, no control characters"));
    }
    Ok(())
}

fn count(field: String, n: usize) -> Result<(), OutOfBounds> {
    if n > MAX_LINES {
        return fail(field, format!("at most {MAX_LINES} entries"));
    }
    Ok(())
}

/// Whether a device's time for an operation is believable. One that is not (a tablet whose clock
/// reset to 1970 after a flat battery) is still a fact: it is applied at the server's time, flagged.
pub fn clock_plausible(device_at: i64, now: i64) -> bool {
    (EARLIEST_DEVICE_AT..=now.saturating_add(MAX_CLOCK_AHEAD_SECS)).contains(&device_at)
}

/// Checks one operation; `at` is the field path's prefix (e.g. `ops[3]`).
pub fn check(op: &StoreOp, at: &str) -> Result<(), OutOfBounds> {
    let a = format!("{at}.action");
    match &op.action {
        StoreAction::OpenShift { opening_cash, .. } => amount(format!("{a}.opening_cash"), *opening_cash)?,
        StoreAction::CloseShift { counted, reason, .. } => {
            count(format!("{a}.counted"), counted.len())?;
            for (i, p) in counted.iter().enumerate() {
                amount(format!("{a}.counted[{i}].amount"), p.amount)?;
            }
            text(format!("{a}.reason"), reason.as_deref().unwrap_or_default())?;
        }
        StoreAction::Sale {
            receipt_no, customer_phone, lines, order_discount, payments, gifts, offer, coupon, ..
        } => {
            if let Some(c) = coupon {
                text(format!("{a}.coupon.code"), &c.code)?;
                amount(format!("{a}.coupon.off"), c.off)?;
                if c.off > *order_discount {
                    return fail(format!("{a}.coupon.off"), "a coupon's sum off is part of the order discount");
                }
            }
            if let Some(o) = offer {
                count(format!("{a}.offer.shown"), o.shown.len())?;
                count(format!("{a}.offer.accepted"), o.accepted.len())?;
                for (i, sku) in o.shown.iter().chain(&o.accepted).enumerate() {
                    text(format!("{a}.offer.skus[{i}]"), sku)?;
                }
            }
            text(format!("{a}.receipt_no"), receipt_no)?;
            text(format!("{a}.customer_phone"), customer_phone.as_deref().unwrap_or_default())?;
            count(format!("{a}.lines"), lines.len())?;
            for (i, l) in lines.iter().enumerate() {
                text(format!("{a}.lines[{i}].sku"), &l.sku)?;
                quantity(format!("{a}.lines[{i}].quantity"), l.quantity, 1, MAX_QUANTITY)?;
                amount(format!("{a}.lines[{i}].unit_price"), l.unit_price)?;
                amount(format!("{a}.lines[{i}].discount"), l.discount)?;
                text(format!("{a}.lines[{i}].serial"), l.serial.as_deref().unwrap_or_default())?;
            }
            amount(format!("{a}.order_discount"), *order_discount)?;
            count(format!("{a}.payments"), payments.len())?;
            for (i, p) in payments.iter().enumerate() {
                amount(format!("{a}.payments[{i}].amount"), p.amount)?;
            }
            count(format!("{a}.gifts"), gifts.len())?;
            for (i, g) in gifts.iter().enumerate() {
                text(format!("{a}.gifts[{i}].sku"), &g.sku)?;
                quantity(format!("{a}.gifts[{i}].quantity"), g.quantity, 1, MAX_QUANTITY)?;
            }
        }
        StoreAction::Return { lines, gifts, .. } => {
            count(format!("{a}.lines"), lines.len())?;
            for (i, l) in lines.iter().enumerate() {
                quantity(format!("{a}.lines[{i}].quantity"), l.quantity, 1, MAX_QUANTITY)?;
                if l.line >= MAX_LINES {
                    return fail(format!("{a}.lines[{i}].line"), "no sale has a line this far down");
                }
            }
            count(format!("{a}.gifts"), gifts.len())?;
            for (i, g) in gifts.iter().enumerate() {
                text(format!("{a}.gifts[{i}].sku"), &g.sku)?;
                quantity(format!("{a}.gifts[{i}].quantity"), g.quantity, 1, MAX_QUANTITY)?;
            }
        }
        StoreAction::Receipt { lines, source } => {
            text(format!("{a}.source"), source)?;
            sku_lines(&a, lines, 1)?;
        }
        StoreAction::TransferOut { lines, .. } => sku_lines(&a, lines, 1)?,
        StoreAction::TransferIn { .. } => {}
        StoreAction::ShipmentIn { lines, .. } => {
            count(format!("{a}.lines"), lines.len())?;
            for (i, l) in lines.iter().enumerate() {
                text(format!("{a}.lines[{i}].sku"), &l.sku)?;
                quantity(format!("{a}.lines[{i}].received"), l.received, 0, MAX_QUANTITY)?;
                quantity(format!("{a}.lines[{i}].damaged"), l.damaged, 0, MAX_QUANTITY)?;
            }
        }
        StoreAction::Adjustment { sku, quantity: q, reason } => {
            text(format!("{a}.sku"), sku)?;
            text(format!("{a}.reason"), reason)?;
            quantity(format!("{a}.quantity"), *q, -MAX_ADJUSTMENT, MAX_ADJUSTMENT)?;
        }
        StoreAction::StockCount { counted } => sku_lines(&a, counted, 0)?,
        StoreAction::SampleRegister { serial, sku, location } => {
            text(format!("{a}.serial"), serial)?;
            text(format!("{a}.sku"), sku)?;
            text(format!("{a}.location"), location)?;
        }
        StoreAction::SampleChange { serial, location, .. } => {
            text(format!("{a}.serial"), serial)?;
            text(format!("{a}.location"), location.as_deref().unwrap_or_default())?;
        }
        StoreAction::SampleAudit { scanned } => {
            count(format!("{a}.scanned"), scanned.len())?;
            for (i, s) in scanned.iter().enumerate() {
                text(format!("{a}.scanned[{i}]"), s)?;
            }
        }
    }
    Ok(())
}

fn sku_lines(a: &str, lines: &[portal_api::SkuQuantity], min: i64) -> Result<(), OutOfBounds> {
    count(format!("{a}.lines"), lines.len())?;
    for (i, l) in lines.iter().enumerate() {
        text(format!("{a}.lines[{i}].sku"), &l.sku)?;
        quantity(format!("{a}.lines[{i}].quantity"), l.quantity, min, MAX_QUANTITY)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn op(action: StoreAction) -> StoreOp {
        StoreOp { id: Uuid::nil(), store_id: Uuid::nil(), device_at: 1_800_000_000, action }
    }

    #[test]
    fn an_adjustment_of_i64_max_is_refused_naming_the_field() {
        let err =
            check(&op(StoreAction::Adjustment { sku: "A".into(), quantity: i64::MAX, reason: "x".into() }), "ops[0]")
                .unwrap_err();
        assert_eq!(err.field, "ops[0].action.quantity");
        assert!(
            check(&op(StoreAction::Adjustment { sku: "A".into(), quantity: -5, reason: "x".into() }), "ops[0]").is_ok()
        );
    }

    #[test]
    fn money_and_clock_are_bounded() {
        let sale = StoreAction::Sale {
            sale_id: Uuid::nil(),
            shift_id: Uuid::nil(),
            receipt_no: "R1".into(),
            customer_phone: None,
            customer_consent: false,
            lines: vec![portal_api::SaleLine {
                sku: "A".into(),
                quantity: 1,
                unit_price: -1,
                discount: 0,
                serial: None,
            }],
            order_discount: 0,
            payments: vec![],
            gifts: vec![],
            offer: None,
            coupon: None,
        };
        assert_eq!(check(&op(sale), "ops[1]").unwrap_err().field, "ops[1].action.lines[0].unit_price");
        assert!(!clock_plausible(5, 1_800_000_000));
        assert!(clock_plausible(1_800_000_000, 1_800_000_000));
    }
}
