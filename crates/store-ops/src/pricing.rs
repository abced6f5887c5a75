//! What the catalog says a sale should have cost, and the flags for a sale that breaks it. The
//! server prices every line itself (the device's prices are never trusted); a sale is a fact, so a
//! line below its price beyond the person's discount limit is applied and flagged, never refused.
use portal_api::{OpFlag, SaleLine};

use crate::checkout::discount_limit;

/// A SKU as the catalog prices it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogPrice {
    pub list_price: i64,
    /// A promotion's price and the unix seconds it runs from and until.
    pub promotion: Option<(i64, i64, i64)>,
    /// Units carry serial numbers (TVs, fridges, washers, ACs).
    pub serialised: bool,
}

impl CatalogPrice {
    /// The price at `at`: the promotion's while it runs, the list price otherwise.
    pub fn unit_price_at(&self, at: i64) -> i64 {
        match self.promotion {
            Some((price, starts, ends)) if starts <= at && at < ends => price.min(self.list_price),
            _ => self.list_price,
        }
    }
}

/// How long a sale may have waited on an offline tablet and still be priced at the time it says it
/// was made, and how far ahead of the server's clock that time may be.
pub const PRICED_AT_DEVICE_TIME_WITHIN_SECS: i64 = 24 * 3600;
pub const PRICED_AT_DEVICE_TIME_AHEAD_SECS: i64 = 600;

/// The moment a sale is priced at: the device's time when it is believable for a sale just made or
/// kept offline for a day, the server's otherwise, so that a tablet cannot date a sale into a
/// promotion that has ended or not begun to get its price without a flag.
pub fn priced_at(device_at: i64, now: i64) -> i64 {
    let believable =
        now.saturating_sub(PRICED_AT_DEVICE_TIME_WITHIN_SECS)..=now.saturating_add(PRICED_AT_DEVICE_TIME_AHEAD_SECS);
    if believable.contains(&device_at) {
        device_at
    } else {
        now
    }
}

/// The flags a sale made at `device_at` earns against the catalog when it reaches the server at
/// `now`: [`sale_flags`] at [`priced_at`], and, where a price flag comes from the server's time
/// rather than the device's, a flag saying so (a sale kept offline past a promotion's end looks
/// like underpricing otherwise).
pub fn sale_flags_on_arrival(
    lines: &[SaleLine],
    order_discount: i64,
    prices: &[Option<CatalogPrice>],
    limit_percent: u32,
    device_at: i64,
    now: i64,
) -> Vec<OpFlag> {
    let at = priced_at(device_at, now);
    let mut flags = sale_flags(lines, order_discount, prices, limit_percent, at);
    if at != device_at && flags.iter().any(|f| matches!(f, OpFlag::PriceBelowLimit { .. })) {
        flags.push(OpFlag::PricedAtServerTime { device_at });
    }
    flags
}

/// The flags a sale earns against the catalog: lines of unknown SKUs, serialised units sold
/// without their serial, and amounts below the catalog price by more than `limit_percent` (per line,
/// and for the sale as a whole when no single line is). `prices[i]` is line i's catalog price.
pub fn sale_flags(
    lines: &[SaleLine],
    order_discount: i64,
    prices: &[Option<CatalogPrice>],
    limit_percent: u32,
    at: i64,
) -> Vec<OpFlag> {
    let mut flags = Vec::new();
    let mut expected_total: i64 = 0;
    let mut charged_total: i64 = 0;
    for (i, line) in lines.iter().enumerate() {
        let charged = line.unit_price.saturating_mul(line.quantity).saturating_sub(line.discount);
        charged_total = charged_total.saturating_add(charged);
        // A SKU the catalog lacks is judged against the device's own price: its discounts
        // still have to stay within the limit.
        let unit_price = match prices.get(i).copied().flatten() {
            Some(price) => {
                if price.serialised && line.serial.as_deref().is_none_or(|s| s.trim().is_empty()) {
                    flags.push(OpFlag::SerialMissing { line: i, sku: line.sku.clone() });
                }
                price.unit_price_at(at)
            }
            None => {
                flags.push(OpFlag::UnknownSku { line: i, sku: line.sku.clone() });
                line.unit_price
            }
        };
        let expected = unit_price.saturating_mul(line.quantity);
        expected_total = expected_total.saturating_add(expected);
        let allowed = discount_limit(expected, limit_percent);
        if expected.saturating_sub(charged) > allowed {
            flags.push(OpFlag::PriceBelowLimit {
                line: Some(i),
                sku: Some(line.sku.clone()),
                expected,
                charged,
                allowed,
            });
        }
    }
    let charged_total = charged_total.saturating_sub(order_discount);
    let allowed = discount_limit(expected_total, limit_percent);
    let line_flagged = flags.iter().any(|f| matches!(f, OpFlag::PriceBelowLimit { .. }));
    if !line_flagged && expected_total.saturating_sub(charged_total) > allowed {
        flags.push(OpFlag::PriceBelowLimit {
            line: None,
            sku: None,
            expected: expected_total,
            charged: charged_total,
            allowed,
        });
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(sku: &str, quantity: i64, unit_price: i64, discount: i64, serial: Option<&str>) -> SaleLine {
        SaleLine { sku: sku.into(), quantity, unit_price, discount, serial: serial.map(String::from) }
    }
    const TV: CatalogPrice = CatalogPrice { list_price: 5999_00, promotion: None, serialised: true };
    const CABLE: CatalogPrice =
        CatalogPrice { list_price: 49_00, promotion: Some((39_00, 100, 200)), serialised: false };

    #[test]
    fn a_tv_posted_at_one_fen_is_flagged() {
        let flags = sale_flags(&[line("TV-65", 1, 1, 0, Some("SN1"))], 0, &[Some(TV)], 10, 0);
        assert_eq!(
            flags,
            vec![OpFlag::PriceBelowLimit {
                line: Some(0),
                sku: Some("TV-65".into()),
                expected: 5999_00,
                charged: 1,
                allowed: 599_90
            }]
        );
    }

    #[test]
    fn within_the_limit_and_at_the_promotion_price_nothing_is_flagged() {
        let lines = [line("TV-65", 1, 5999_00, 599_90, Some("SN1")), line("CABLE", 2, 39_00, 0, None)];
        assert_eq!(sale_flags(&lines, 0, &[Some(TV), Some(CABLE)], 10, 150), vec![]);
        // After the promotion, the cable's price is the list price again.
        let flags = sale_flags(&lines[1..], 0, &[Some(CABLE)], 10, 250);
        assert!(matches!(flags[..], [OpFlag::PriceBelowLimit { line: Some(0), expected: 98_00, .. }]), "{flags:?}");
    }

    #[test]
    fn an_order_discount_beyond_the_limit_is_flagged_once_for_the_sale() {
        let lines = [line("CABLE", 10, 49_00, 0, None)];
        let flags = sale_flags(&lines, 100_00, &[Some(CABLE)], 10, 0);
        assert_eq!(
            flags,
            vec![OpFlag::PriceBelowLimit { line: None, sku: None, expected: 490_00, charged: 390_00, allowed: 49_00 }]
        );
    }

    #[test]
    fn a_sale_dated_into_a_past_or_future_promotion_is_priced_at_the_servers_time() {
        let now = 1_000_000;
        assert_eq!(priced_at(now - 3600, now), now - 3600, "made offline an hour ago");
        assert_eq!(priced_at(now - 3 * 86_400, now), now, "dated three days back");
        assert_eq!(priced_at(now + 86_400, now), now, "dated tomorrow");
        // The cable's promotion ran from 100 to 200: a sale dated inside it, uploaded long after.
        let lines = [line("CABLE", 1, 39_00, 0, None)];
        let flags = sale_flags_on_arrival(&lines, 0, &[Some(CABLE)], 10, 150, 200 + 3 * 86_400);
        assert!(
            matches!(flags[..], [OpFlag::PriceBelowLimit { .. }, OpFlag::PricedAtServerTime { device_at: 150 }]),
            "{flags:?}"
        );
        // Made inside it and sent at once: its price holds, nothing to flag.
        assert_eq!(sale_flags_on_arrival(&lines, 0, &[Some(CABLE)], 10, 150, 160), vec![]);
    }

    #[test]
    fn serialised_without_serial_and_unknown_skus_are_flagged() {
        let flags =
            sale_flags(&[line("TV-65", 1, 5999_00, 0, None), line("NOPE", 1, 5, 0, None)], 0, &[Some(TV), None], 10, 0);
        assert_eq!(
            flags,
            vec![
                OpFlag::SerialMissing { line: 0, sku: "TV-65".into() },
                OpFlag::UnknownSku { line: 1, sku: "NOPE".into() }
            ]
        );
    }
}
