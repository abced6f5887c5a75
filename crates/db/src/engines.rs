//! Check-then-write decisions, each written once over a typed port of the rows it needs: a
//! backend opens the transaction, locks as it must and supplies the rows; the engine reads,
//! decides with a pure rule and writes. (`apply`, over `ledger::Ledger`, is the store operations'.)
pub mod allocation;
pub mod delivery;
pub mod inbox;
pub mod orders;
pub mod price_lists;
pub mod sign_in;
