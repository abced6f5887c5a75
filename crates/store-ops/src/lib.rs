//! The rules of store operations, with no I/O, shared by the server (the ledger of record) and the
//! app (which must reach the same answers offline): the stock ledger, the demo-unit (sample) state
//! machine, checkout arithmetic, pricing against the catalog and the bounds of an operation. Money
//! is in fen (1/100 yuan), quantities in units.
pub mod bounds;
pub mod checkout;
pub mod ledger;
pub mod pricing;
pub mod sample;
