//! Distribution's rules, shared by the server (the record) and the app (offline drafts), with no
//! I/O. Money is in fen (`i64`) and every sum is checked: an overflow is an error, never a wrap.
//!
//! - `prices`: a dealer's price for a SKU on a day (dealer > tier > region > list), validity
//!   overlaps, minimum order quantities and case packs.
//! - `ordering`: an order's lines priced for a dealer, each bad line reported.
//! - `quick_order`: pasted "SKU quantity" lines or a CSV, each bad line reported.
//! - `credit`: whether an order's credit can be reserved or waits for a business manager.
//! - `goods_in`: a shipment counted in at the store: good, damaged, short.
//! - `lifecycle`: an order's statuses, who may move it and where.
//! - `notices`: what a dealer is told when an order changes status.
//! - `allocation`: scarce stock shared among confirmed orders by rule, with the reason.
//! - `demand`: demand plans suggested from the recent pace and the season.
//! - `supply`: what a dealer's stores hold and sell, and weeks of cover.
//! - `statement`: a dealer's statement with running balances, and as CSV.
//! - `trends`: a dealer's monthly figures and how the last month compares.
//! - `rebates`: tiered rebates on sell-through, so that stuffing the channel earns nothing.
pub mod allocation;
pub mod credit;
pub mod demand;
pub mod goods_in;
pub mod lifecycle;
pub mod notices;
pub mod ordering;
pub mod prices;
pub mod quick_order;
pub mod rebates;
pub mod statement;
pub mod supply;
pub mod trends;

/// An amount of money in fen (1/100 yuan).
pub type Fen = i64;

/// A civil day, as days since 1970-01-01 (the stores' calendar in `portal-store-ops::day`).
pub type Day = i32;

/// A sum or product of money or quantities that does not fit: the input is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the amount is too large")]
pub struct Overflow;

/// `price × quantity`, checked.
pub fn line_total(price: Fen, quantity: u32) -> Result<Fen, Overflow> {
    price.checked_mul(i64::from(quantity)).ok_or(Overflow)
}

/// The sum of amounts, checked.
pub fn sum(amounts: impl IntoIterator<Item = Fen>) -> Result<Fen, Overflow> {
    amounts.into_iter().try_fold(0i64, |total, a| total.checked_add(a).ok_or(Overflow))
}
