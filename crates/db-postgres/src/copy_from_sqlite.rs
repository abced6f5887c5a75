//! `portal-server migrate --from pilot.sqlite --to postgres://…`: copies a pilot's SQLite database
//! into an empty PostgreSQL database in one transaction, then checks the copy: every table's row
//! count, and every store's stock (the ledger's sums and the running balances) on both sides.
use std::{collections::BTreeMap, path::Path};

use ::postgres::{types::ToSql, Client};
use rusqlite::{types::ValueRef, OpenFlags};

use portal_db::{DbError, DbResult};

/// Tables in an order their references allow.
const TABLES: &[&str] = &[
    "stores",
    "dealers",
    "users",
    "identities",
    "verification_codes",
    "login_failures",
    "sessions",
    "catalog_meta",
    "catalog_items",
    "price_entries",
    "favourites",
    "applied_ops",
    "store_op_log",
    "shifts",
    "sales",
    "sale_lines",
    "sale_payments",
    "sale_gifts",
    "sale_returns",
    "stock_movements",
    "stock_balances",
    "transfers",
    "transfer_waits",
    "samples",
    "sample_history",
    "store_managers",
    "store_assignments",
    "dev_messages",
    "behaviour_events",
    "behaviour_interest",
    "event_rates",
    "tracking_consent",
    "recommendation_lists",
    "experiments",
    "placement_defaults",
    "customer_tags",
    "customer_tag_members",
    "customer_tag_progress",
    "counter_grants",
    "counter_offers",
    "triggers",
    "inbox_messages",
    "trail_days",
    "trail_sealed",
    "dealer_managers",
    "dealer_stores",
    "order_rules",
    "credit_lines",
    "credit_movements",
    "orders",
    "order_lines",
    "order_steps",
    "shipments",
    "shipment_lines",
    "rebate_rules",
    "rebate_credits",
    "dealer_tiers",
    "allocation_runs",
    "allocation_grants",
    "demand_plans",
    "dealer_funds",
    "fund_movements",
    "account_locks",
    "audit_log",
    "approvals",
];

/// What was copied and how the copy was checked.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CopyReport {
    /// Rows per table, the same on both sides.
    pub rows: BTreeMap<String, i64>,
    /// (store, SKU) pairs whose stock was compared.
    pub stock_checked: usize,
}

fn sqlite_err(e: rusqlite::Error) -> DbError {
    DbError::Database(format!("reading the SQLite database: {e}"))
}

/// One value read from SQLite, as the PostgreSQL column's type.
enum Value {
    Int(Option<i64>),
    Bool(Option<bool>),
    Text(Option<String>),
}

impl Value {
    fn param(&self) -> &(dyn ToSql + Sync) {
        match self {
            Value::Int(v) => v,
            Value::Bool(v) => v,
            Value::Text(v) => v,
        }
    }

    /// `read` converted to a column of PostgreSQL type `kind`.
    fn of(read: ValueRef<'_>, kind: &str) -> Option<Value> {
        let text = |t: &[u8]| String::from_utf8_lossy(t).into_owned();
        Some(match (kind, read) {
            ("bigint" | "integer", ValueRef::Null) => Value::Int(None),
            ("bigint" | "integer", ValueRef::Integer(v)) => Value::Int(Some(v)),
            ("bigint" | "integer", ValueRef::Real(v)) => Value::Int(Some(v as i64)),
            ("bigint" | "integer", ValueRef::Text(t)) => Value::Int(Some(text(t).trim().parse().ok()?)),
            ("boolean", ValueRef::Null) => Value::Bool(None),
            ("boolean", ValueRef::Integer(v)) => Value::Bool(Some(v != 0)),
            ("boolean", ValueRef::Text(t)) => Value::Bool(Some(matches!(text(t).trim(), "1" | "true" | "t"))),
            ("text", ValueRef::Null) => Value::Text(None),
            ("text", ValueRef::Text(t)) => Value::Text(Some(text(t))),
            ("text", ValueRef::Integer(v)) => Value::Text(Some(v.to_string())),
            ("text", ValueRef::Real(v)) => Value::Text(Some(v.to_string())),
            _ => return None,
        })
    }
}

/// Copies `from` into the empty database at `to` and checks the copy. The SQLite file is only
/// read (a snapshot of it is copied); stop the pilot's server first so that nothing made after the
/// snapshot is left behind.
pub fn copy(from: &Path, to: &str, ca_file: Option<&Path>) -> DbResult<CopyReport> {
    let (from, to, ca_file) = (from.to_owned(), to.to_owned(), ca_file.map(Path::to_owned));
    super::off_runtime(move || copy_blocking(&from, &to, ca_file.as_deref()))
}

fn copy_blocking(from: &Path, to: &str, ca_file: Option<&Path>) -> DbResult<CopyReport> {
    if !from.is_file() {
        return Err(DbError::Database(format!("{} is not a SQLite database file", from.display())));
    }
    // The target's schema first (created, or checked current), by the backend itself.
    drop(super::PostgresDatabase::open_blocking(to, 1, ca_file)?);
    // The pilot's file is left as it is: a snapshot of it (VACUUM INTO: consistent even if something
    // still writes) is brought up to this version's schema and read.
    let scratch = tempfile::tempdir().map_err(|e| DbError::Database(format!("no temporary directory: {e}")))?;
    let snapshot = scratch.path().join("pilot.sqlite");
    rusqlite::Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .and_then(|pilot| pilot.execute("VACUUM INTO ?1", [snapshot.display().to_string()]))
        .map_err(sqlite_err)?;
    drop(portal_db_sqlite::SqliteDatabase::open(&snapshot)?);
    let source =
        rusqlite::Connection::open_with_flags(&snapshot, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(sqlite_err)?;
    let config: ::postgres::Config =
        to.parse().map_err(|e| DbError::Database(format!("not a PostgreSQL address: {}", super::describe(&e))))?;
    let mut target: Client = super::tls::Tls::for_config(&config, ca_file)?.connect(&config)?;
    let users: i64 = target.query_one("SELECT COUNT(*) FROM users", &[])?.get(0);
    if users > 0 {
        return Err(DbError::Database(format!(
            "the target already holds {users} accounts: migrate into an empty database"
        )));
    }
    let mut tx = target.transaction()?;
    let mut rows = BTreeMap::new();
    for table in TABLES {
        let copied = copy_table(&source, &mut tx, table)?;
        rows.insert(table.to_string(), copied);
    }
    tx.commit()?;

    // The check: the same counts, and the same stock on both sides, from the ledger and the balances.
    for (table, copied) in &rows {
        let there: i64 = target.query_one(&format!("SELECT COUNT(*) FROM {table}"), &[])?.get(0);
        let here: i64 =
            source.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0)).map_err(sqlite_err)?;
        if there != here || there != *copied {
            return Err(DbError::Database(format!("{table}: {here} rows in SQLite, {there} in PostgreSQL")));
        }
    }
    let mut stock_here = BTreeMap::new();
    let mut stmt = source
        .prepare(
            "SELECT m.store_id, m.sku, SUM(m.quantity), COALESCE(b.on_hand, 0) FROM stock_movements m
             LEFT JOIN stock_balances b ON b.store_id = m.store_id AND b.sku = m.sku GROUP BY m.store_id, m.sku",
        )
        .map_err(sqlite_err)?;
    let read = stmt
        .query_map([], |r| {
            Ok(((r.get::<_, String>(0)?, r.get::<_, String>(1)?), (r.get::<_, i64>(2)?, r.get::<_, i64>(3)?)))
        })
        .map_err(sqlite_err)?;
    for row in read {
        let (key, sums) = row.map_err(sqlite_err)?;
        stock_here.insert(key, sums);
    }
    let stock_there: BTreeMap<(String, String), (i64, i64)> = target
        .query(
            "SELECT m.store_id, m.sku, SUM(m.quantity)::BIGINT, COALESCE(MAX(b.on_hand), 0)::BIGINT FROM stock_movements m
             LEFT JOIN stock_balances b ON b.store_id = m.store_id AND b.sku = m.sku GROUP BY m.store_id, m.sku",
            &[],
        )?
        .iter()
        .map(|r| ((r.get(0), r.get(1)), (r.get(2), r.get(3))))
        .collect();
    if stock_here != stock_there {
        let differing = stock_here.iter().find(|(k, v)| stock_there.get(*k) != Some(*v)).map(|(k, _)| k.clone());
        return Err(DbError::Database(format!("the stock differs after the copy (first at {differing:?})")));
    }
    if let Some(((store, sku), (ledger, balance))) = stock_there.iter().find(|(_, (l, b))| l != b) {
        tracing::warn!(%store, %sku, ledger, balance, "the pilot's running balance disagreed with its ledger; copied as it was");
    }
    Ok(CopyReport { rows, stock_checked: stock_there.len() })
}

/// Copies one table: the target's columns, read from the same-named SQLite columns (a numbering
/// column SQLite keeps as its rowid is read from the rowid), converted to the column's type.
fn copy_table(source: &rusqlite::Connection, tx: &mut ::postgres::Transaction<'_>, table: &str) -> DbResult<i64> {
    let columns: Vec<(String, String, bool)> = tx
        .query(
            "SELECT column_name, data_type, is_identity = 'YES' FROM information_schema.columns
             WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
            &[&table],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let here: Vec<String> = source
        .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(sqlite_err)?;
    let select: Vec<String> = columns
        .iter()
        .map(|(name, _, identity)| {
            if here.contains(name) {
                format!("\"{name}\"")
            } else if *identity {
                "rowid".to_owned()
            } else {
                "NULL".to_owned()
            }
        })
        .collect();
    // The schema made its own meta row: the pilot's replaces it.
    if table == "catalog_meta" {
        tx.execute("DELETE FROM catalog_meta", &[])?;
    }
    let names: Vec<String> = columns.iter().map(|(n, _, _)| format!("\"{n}\"")).collect();
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
    let insert = tx.prepare(&format!(
        "INSERT INTO {table} ({}) OVERRIDING SYSTEM VALUE VALUES ({})",
        names.join(", "),
        placeholders.join(", ")
    ))?;
    // In the order rows were written (a table kept in key order, WITHOUT ROWID, in key order).
    let without_rowid: bool = source
        .query_row(
            "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?1 AND sql LIKE '%WITHOUT ROWID%'",
            [table],
            |r| r.get(0),
        )
        .map_err(sqlite_err)?;
    let order = if without_rowid { "" } else { " ORDER BY rowid" };
    let mut stmt = source.prepare(&format!("SELECT {} FROM {table}{order}", select.join(", "))).map_err(sqlite_err)?;
    let mut read = stmt.query([]).map_err(sqlite_err)?;
    let mut copied = 0i64;
    while let Some(row) = read.next().map_err(sqlite_err)? {
        let mut values = Vec::with_capacity(columns.len());
        for (i, (name, kind, _)) in columns.iter().enumerate() {
            let read = row.get_ref(i).map_err(sqlite_err)?;
            let value = Value::of(read, kind).ok_or_else(|| {
                DbError::Database(format!("{table}.{name}: a value that does not fit a {kind} column"))
            })?;
            values.push(value);
        }
        let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(Value::param).collect();
        tx.execute(&insert, &params)?;
        copied += 1;
    }
    // Numbering goes on after the copied rows.
    for (name, _, identity) in &columns {
        if *identity {
            tx.execute(
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', '{name}'), COALESCE((SELECT MAX(\"{name}\") FROM {table}), 0) + 1, false)"
                ),
                &[],
            )?;
        }
    }
    Ok(copied)
}
