//! The unified user center: accounts, identities, codes, passwords, tokens and device sessions.
pub mod accounts;
pub mod codes;
pub mod legacy_import;
pub mod normalize;
pub mod password;
pub mod tokens;
