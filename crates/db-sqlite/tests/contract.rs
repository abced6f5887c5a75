//! `portal-db`'s contract suite on SQLite, each test on a scratch file.
use std::sync::Arc;

use portal_db::contract::Backend;

fn backend() -> Option<Backend> {
    let dir = tempfile::tempdir().unwrap();
    let db = portal_db_sqlite::SqliteDatabase::open(&dir.path().join("contract.sqlite")).unwrap();
    Some(Backend { db: Arc::new(db), guard: Box::new(dir) })
}

portal_db::contract_suite!(backend);
