//! The rules of reaching people, with no I/O. The server decides with them as the record; the app
//! and the point of sale decide the same way offline.
//!
//! - [`lifecycle`]: a campaign's steps and who may take each (nobody approves their own).
//! - [`policy`]: whether one message may go to one person now, later or never: their
//!   preferences, quiet hours in their own time zone, frequency caps; service messages pass caps
//!   and quiet hours but not their own opt-out.
//! - [`quiet`]: quiet hours across midnight and daylight-saving changes.
//! - [`sms`]: the opt-out wording marketing SMS carry, and the replies that opt a number out.
//! - [`coupon`]: what an e-coupon takes off a basket, or why it cannot.
//! - [`coupon_code`]: the signed code a person shows and a till checks offline.
//! - [`funnel`]: rates with their intervals, and the lift over the holdout.

pub mod audience;
pub mod coupon;
pub mod coupon_code;
pub mod funnel;
pub mod import;
pub mod lifecycle;
pub mod policy;
pub mod quiet;
pub mod sms;
