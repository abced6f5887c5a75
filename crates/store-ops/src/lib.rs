//! The rules of store operations, with no I/O, shared by the server (the ledger of record) and the
//! app (which must reach the same answers offline): the stock ledger, the demo-unit (sample) state
//! machine and checkout arithmetic. Money is in fen (1/100 yuan), quantities in units.
pub mod checkout;
pub mod ledger;
pub mod sample;
