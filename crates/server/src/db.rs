//! The server's storage: the domain traits, records and engines of `portal-db`, and the two
//! backends that implement them.
pub use portal_db::*;
pub use portal_db_postgres::{copy_from_sqlite, scratch_database, PostgresDatabase};
pub use portal_db_sqlite::SqliteDatabase;

/// PostgreSQL's counters, for the benchmarks.
pub mod postgres {
    pub use portal_db_postgres::TRANSACTIONS_RUN_AGAIN;
}
