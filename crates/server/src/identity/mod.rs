//! The unified user center: accounts, identities, codes, passwords, tokens and device sessions.
//! `lockout`, `throttle` and `rotation` are the rules, with no I/O; the storage backends apply
//! them inside their transactions.
pub mod accounts;
pub mod codes;
pub mod legacy_import;
pub mod lockout;
pub mod normalize;
pub mod password;
pub mod rotation;
pub mod throttle;
pub mod tokens;
