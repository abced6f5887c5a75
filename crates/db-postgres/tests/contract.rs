//! `portal-db`'s contract suite on PostgreSQL, each test on a fresh database of the cluster
//! `PORTAL_TEST_POSTGRES` names (scripts/with-postgres starts one; `PORTAL_REQUIRE_POSTGRES=1` makes
//! its absence a failure rather than a skip). The races are real: 24 tasks at once through the
//! backend's own connections.
use std::sync::Arc;

use portal_db::contract::{postgres_address, Backend};
use portal_db_postgres::{scratch_database, PostgresDatabase};

fn backend() -> Option<Backend> {
    let url = scratch_database(&postgres_address()?).unwrap();
    let db = PostgresDatabase::open(&url, 8).unwrap();
    Some(Backend { db: Arc::new(db), guard: Box::new(()) })
}

portal_db::contract_suite!(backend);
