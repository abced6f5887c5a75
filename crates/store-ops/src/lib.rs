//! The rules of store operations, with no I/O, shared by the server (the ledger of record) and the
//! app (which must reach the same answers offline): what an operation must hold on its own, shifts
//! and what their tills should hold, the stock ledger, transfers, the demo-unit (sample) state
//! machine, checkout arithmetic and returns, pricing against the catalog and the bounds of an
//! operation. Money is in fen (1/100 yuan), quantities in units.
pub mod bounds;
pub mod checkout;
pub mod day;
pub mod ledger;
pub mod offer;
pub mod pricing;
pub mod refusal;
pub mod sample;
pub mod shape;
pub mod shift;
pub mod transfer;
