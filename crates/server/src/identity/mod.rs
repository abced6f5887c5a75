//! The unified user center: accounts, identities, codes, passwords, tokens and device sessions.
//! `lockout`, `throttle` and `rotation` are the rules, with no I/O, in `portal-db`; its engines
//! apply them inside the backends' transactions.
pub mod accounts;
pub mod authenticate;
pub mod codes;
pub mod legacy_import;
pub mod normalize;
pub mod password;
pub mod tokens;

pub use portal_db::{lockout, rotation, throttle};
