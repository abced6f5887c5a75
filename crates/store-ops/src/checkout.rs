//! Checkout arithmetic: line and order discounts within the promoter's limit, payments split across
//! methods, change (given in cash only), and what a return may take back and refund.
use portal_api::{ErrorCode, Role};
pub use portal_api::{Payment, PaymentMethod, SaleLine as Line};

/// How much of an amount (a line, or the sale) a promoter may take off, in percent. The app checks
/// sales at the counter with the same limit the server applies.
pub const PROMOTER_DISCOUNT_LIMIT_PERCENT: u32 = 10;
/// A store manager's, unless set otherwise.
pub const MANAGER_DISCOUNT_LIMIT_PERCENT: u32 = 20;
/// The most a limit set for one person may be (administrators, who have none, aside).
pub const MAX_DISCOUNT_LIMIT_PERCENT: u32 = 50;

/// The discount limit of a role when none is set for the person.
pub fn default_discount_limit(role: Role) -> u32 {
    match role {
        Role::Promoter => PROMOTER_DISCOUNT_LIMIT_PERCENT,
        Role::StoreManager => MANAGER_DISCOUNT_LIMIT_PERCENT,
        Role::Admin => 100,
        Role::Consumer | Role::Distributor | Role::BusinessManager | Role::Operator => 0,
    }
}

/// A sale's sums, in fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct Totals {
    /// Before any discount.
    pub gross: i64,
    pub discounts: i64,
    /// What the customer owes.
    pub total: i64,
    pub paid: i64,
    /// Given back in cash.
    pub change: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckoutError {
    #[error("a sale needs at least one line")]
    Empty,
    #[error("line {line}: the quantity must be at least 1")]
    Quantity { line: usize },
    #[error("line {line}: a serialised unit is sold one per line")]
    SerialQuantity { line: usize },
    #[error("serial {serial} is on two lines")]
    DuplicateSerial { serial: String },
    #[error("amounts cannot be negative")]
    Negative,
    #[error("the amounts are too large")]
    TooLarge,
    #[error("the discount {asked} is above the limit of {limit} (line {line:?})")]
    DiscountAboveLimit { line: Option<usize>, asked: i64, limit: i64 },
    #[error("{missing} still to pay")]
    Underpaid { missing: i64 },
    #[error("change of {change} is more than the cash handed over ({cash}); card and wallet payments are exact")]
    ChangeWithoutCash { change: i64, cash: i64 },
}

impl CheckoutError {
    /// The error code a refused sale carries, on the device and from the server alike.
    pub fn code(&self) -> ErrorCode {
        match self {
            CheckoutError::DiscountAboveLimit { .. } => ErrorCode::DiscountAboveLimit,
            _ => ErrorCode::InvalidStoreOp,
        }
    }
}

/// The most a promoter may take off an amount: `percent` of it, rounded down to the fen.
pub fn discount_limit(amount: i64, percent: u32) -> i64 {
    (i128::from(amount) * i128::from(percent) / 100).clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// What a sale's lines come to before it is paid, in fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Priced {
    /// Before any discount.
    pub gross: i64,
    pub discounts: i64,
    /// What the customer owes.
    pub total: i64,
}

/// Checks a sale's lines and discounts and works out what is owed. `limit_percent` is the
/// promoter's discount limit, applied to each line and to the sale as a whole (line discounts plus
/// the order discount).
pub fn price(lines: &[Line], order_discount: i64, limit_percent: u32) -> Result<Priced, CheckoutError> {
    price_with_coupon(lines, order_discount, 0, limit_percent)
}

/// Like `price`, for a sale whose order discount includes `coupon_off` taken off by an e-coupon:
/// that part is the brand's, not the person's, so it is not held to their discount limit.
pub fn price_with_coupon(
    lines: &[Line],
    order_discount: i64,
    coupon_off: i64,
    limit_percent: u32,
) -> Result<Priced, CheckoutError> {
    if lines.is_empty() {
        return Err(CheckoutError::Empty);
    }
    if order_discount < 0 {
        return Err(CheckoutError::Negative);
    }
    let mut gross = 0;
    let mut discounts = order_discount;
    for (i, line) in lines.iter().enumerate() {
        if line.quantity < 1 {
            return Err(CheckoutError::Quantity { line: i });
        }
        if line.unit_price < 0 || line.discount < 0 {
            return Err(CheckoutError::Negative);
        }
        if let Some(serial) = &line.serial {
            if line.quantity != 1 {
                return Err(CheckoutError::SerialQuantity { line: i });
            }
            if lines[..i].iter().any(|l| l.serial.as_ref() == Some(serial)) {
                return Err(CheckoutError::DuplicateSerial { serial: serial.clone() });
            }
        }
        let amount = line.unit_price.checked_mul(line.quantity).ok_or(CheckoutError::TooLarge)?;
        let limit = discount_limit(amount, limit_percent);
        if line.discount > limit {
            return Err(CheckoutError::DiscountAboveLimit { line: Some(i), asked: line.discount, limit });
        }
        gross = add(gross, amount)?;
        discounts = add(discounts, line.discount)?;
    }
    let limit = discount_limit(gross, limit_percent);
    let own = discounts - coupon_off.clamp(0, order_discount);
    if own > limit {
        return Err(CheckoutError::DiscountAboveLimit { line: None, asked: own, limit });
    }
    if discounts > gross {
        return Err(CheckoutError::DiscountAboveLimit { line: None, asked: discounts, limit: gross });
    }
    Ok(Priced { gross, discounts, total: gross - discounts })
}

fn add(a: i64, b: i64) -> Result<i64, CheckoutError> {
    a.checked_add(b).ok_or(CheckoutError::TooLarge)
}

/// Checks a sale and its payments and works out its totals: [`price`], then the payments cover
/// what is owed, and change is given only out of cash.
pub fn totals(
    lines: &[Line],
    order_discount: i64,
    payments: &[Payment],
    limit_percent: u32,
) -> Result<Totals, CheckoutError> {
    totals_with_coupon(lines, order_discount, 0, payments, limit_percent)
}

/// Like `totals`, for a sale whose order discount includes `coupon_off` (see `price_with_coupon`).
pub fn totals_with_coupon(
    lines: &[Line],
    order_discount: i64,
    coupon_off: i64,
    payments: &[Payment],
    limit_percent: u32,
) -> Result<Totals, CheckoutError> {
    let Priced { gross, discounts, total } = price_with_coupon(lines, order_discount, coupon_off, limit_percent)?;
    if payments.iter().any(|p| p.amount < 0) {
        return Err(CheckoutError::Negative);
    }
    let paid = payments.iter().try_fold(0, |sum, p| add(sum, p.amount))?;
    if paid < total {
        return Err(CheckoutError::Underpaid { missing: total - paid });
    }
    let change = paid - total;
    let cash = payments.iter().filter(|p| p.method == PaymentMethod::Cash).try_fold(0, |sum, p| add(sum, p.amount))?;
    if change > cash {
        return Err(CheckoutError::ChangeWithoutCash { change, cash });
    }
    Ok(Totals { gross, discounts, total, paid, change })
}

/// What each line of a sale finally cost, its share of the order discount included (spread in
/// proportion to the lines' amounts after their own discounts; the last line takes the rounding).
pub fn line_nets(lines: &[Line], order_discount: i64) -> Vec<i64> {
    let after: Vec<i64> =
        lines.iter().map(|l| l.unit_price.saturating_mul(l.quantity).saturating_sub(l.discount)).collect();
    let sum: i64 = after.iter().fold(0i64, |s, a| s.saturating_add(*a));
    let mut left = order_discount;
    after
        .iter()
        .enumerate()
        .map(|(i, amount)| {
            let share = if i + 1 == after.len() || sum == 0 {
                left
            } else {
                (i128::from(order_discount) * i128::from(*amount) / i128::from(sum)) as i64
            };
            left -= share;
            amount - share
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReturnError {
    #[error("line {line}: {bought} bought, {returned} already returned, {asked} asked")]
    MoreThanBought { line: usize, bought: i64, returned: i64, asked: i64 },
    #[error("a return needs at least one unit")]
    Nothing,
    #[error("gift {sku}: {asked} asked, {left} left")]
    GiftMoreThanGiven { sku: String, asked: i64, left: i64 },
}

impl ReturnError {
    /// The error code a refused return carries, on the device and from the server alike.
    pub fn code(&self) -> ErrorCode {
        match self {
            ReturnError::Nothing => ErrorCode::InvalidStoreOp,
            ReturnError::MoreThanBought { .. } | ReturnError::GiftMoreThanGiven { .. } => ErrorCode::ReturnExceedsSale,
        }
    }
}

/// Giving back `asked` of a gift handed over with a sale, of which `left` have not come back yet.
pub fn gift_return(sku: &str, asked: i64, left: i64) -> Result<(), ReturnError> {
    if asked < 1 || asked > left {
        return Err(ReturnError::GiftMoreThanGiven { sku: sku.to_owned(), asked, left });
    }
    Ok(())
}

/// The refund for returning `asked` more units of a line that cost `net` for `bought` units, of
/// which `returned` already came back. Returning every unit refunds exactly `net`, however split.
pub fn refund(line: usize, net: i64, bought: i64, returned: i64, asked: i64) -> Result<i64, ReturnError> {
    if asked < 1 {
        return Err(ReturnError::Nothing);
    }
    if returned.saturating_add(asked) > bought {
        return Err(ReturnError::MoreThanBought { line, bought, returned, asked });
    }
    let share = |units: i64| (i128::from(net) * i128::from(units) / i128::from(bought)) as i64;
    Ok(share(returned + asked) - share(returned))
}

#[cfg(test)]
mod tests {
    use super::{PaymentMethod::*, *};

    fn line(sku: &str, quantity: i64, unit_price: i64, discount: i64, serial: Option<&str>) -> Line {
        Line { sku: sku.into(), quantity, unit_price, discount, serial: serial.map(String::from) }
    }
    fn pay(method: PaymentMethod, amount: i64) -> Payment {
        Payment { method, amount }
    }

    #[test]
    fn totals_with_discounts_split_payment_and_cash_change() {
        let lines = [line("TV", 1, 4999_00, 200_00, Some("SN1")), line("CABLE", 2, 49_00, 0, None)];
        let t = totals(&lines, 50_00, &[pay(Card, 4000_00), pay(Cash, 1000_00)], 10).unwrap();
        assert_eq!(t.gross, 5097_00);
        assert_eq!(t.discounts, 250_00);
        assert_eq!(t.total, 4847_00);
        assert_eq!(t.change, 153_00);
    }

    #[test]
    fn discounts_above_the_limit_are_refused() {
        let lines = [line("TV", 1, 1000_00, 60_00, None)];
        assert_eq!(
            totals(&lines, 0, &[pay(Cash, 1000_00)], 5),
            Err(CheckoutError::DiscountAboveLimit { line: Some(0), asked: 60_00, limit: 50_00 })
        );
        let lines = [line("TV", 1, 1000_00, 40_00, None)];
        assert_eq!(
            totals(&lines, 20_00, &[pay(Cash, 1000_00)], 5),
            Err(CheckoutError::DiscountAboveLimit { line: None, asked: 60_00, limit: 50_00 })
        );
    }

    #[test]
    fn bad_sales_are_refused_with_a_reason() {
        assert_eq!(totals(&[], 0, &[], 10), Err(CheckoutError::Empty));
        assert_eq!(totals(&[line("TV", 0, 1, 0, None)], 0, &[], 10), Err(CheckoutError::Quantity { line: 0 }));
        assert_eq!(
            totals(&[line("TV", 2, 1, 0, Some("SN1"))], 0, &[pay(Cash, 2)], 10),
            Err(CheckoutError::SerialQuantity { line: 0 })
        );
        let twice = [line("TV", 1, 1, 0, Some("SN1")), line("TV", 1, 1, 0, Some("SN1"))];
        assert_eq!(
            totals(&twice, 0, &[pay(Cash, 2)], 10),
            Err(CheckoutError::DuplicateSerial { serial: "SN1".into() })
        );
        assert_eq!(
            totals(&[line("TV", 1, 100, 0, None)], 0, &[pay(Card, 90)], 10),
            Err(CheckoutError::Underpaid { missing: 10 })
        );
        assert_eq!(
            totals(&[line("TV", 1, 100, 0, None)], 0, &[pay(Card, 120)], 10),
            Err(CheckoutError::ChangeWithoutCash { change: 20, cash: 0 })
        );
        assert_eq!(totals(&[line("TV", 1, 100, 0, None)], -1, &[pay(Card, 100)], 10), Err(CheckoutError::Negative));
    }

    #[test]
    fn order_discount_is_spread_over_lines_to_the_fen() {
        let lines = [line("A", 1, 100_00, 0, None), line("B", 1, 200_00, 0, None), line("C", 1, 1, 0, None)];
        let nets = line_nets(&lines, 10_00);
        assert_eq!(nets.iter().sum::<i64>(), 300_01 - 10_00);
        assert_eq!(nets[0], 100_00 - 333);
    }

    #[test]
    fn returns_refund_exactly_what_was_paid_and_no_more_than_bought() {
        // Three units that cost 100.00 together, returned one at a time.
        let refunds: Vec<i64> = (0..3).map(|r| refund(0, 100_00, 3, r, 1).unwrap()).collect();
        assert_eq!(refunds.iter().sum::<i64>(), 100_00);
        assert_eq!(
            refund(0, 100_00, 3, 2, 2),
            Err(ReturnError::MoreThanBought { line: 0, bought: 3, returned: 2, asked: 2 })
        );
        assert_eq!(refund(0, 100_00, 3, 0, 0), Err(ReturnError::Nothing));
    }

    #[test]
    fn a_coupons_sum_off_is_not_held_to_the_persons_limit_but_never_takes_the_total_below_zero() {
        let lines = [line("A", 1, 39_00, 0, None)];
        // ¥10 off by a coupon on a ¥39 line, with a 10% limit: allowed; ¥10 typed by hand: not.
        assert_eq!(price_with_coupon(&lines, 10_00, 10_00, 10).unwrap().total, 29_00);
        assert!(matches!(price(&lines, 10_00, 10), Err(CheckoutError::DiscountAboveLimit { .. })));
        // The person's own part beside the coupon still counts against their limit.
        assert!(price_with_coupon(&lines, 13_00, 10_00, 10).is_ok());
        assert!(matches!(price_with_coupon(&lines, 14_00, 10_00, 10), Err(CheckoutError::DiscountAboveLimit { .. })));
        // A coupon worth more than the basket cannot make it negative.
        assert!(price_with_coupon(&lines, 40_00, 40_00, 10).is_err());
        let paid = [pay(PaymentMethod::Cash, 29_00)];
        assert_eq!(totals_with_coupon(&lines, 10_00, 10_00, &paid, 10).unwrap().change, 0);
    }
}
