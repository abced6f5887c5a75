//! Store operations on PostgreSQL: the engine (`db::apply`) over a transaction holding its stores'
//! locks (see `apply_all`), and the reports read from the ledger.
use super::*;
use ::postgres::{Client, Row, Transaction};
use portal_api::*;
use uuid::Uuid;

use ::postgres::IsolationLevel;

use super::{in_serializable, in_transaction, uuid};
use portal_db::{
    apply::{self, OpContext},
    ledger::*,
    reports, DbError, DbResult, SetAsideRecord, SET_ASIDE_BODY_HASH,
};

/// Store locks are taken on buckets of stores: one batch holds at most this many, however many
/// stores it names (two stores may share a bucket, and then wait for each other).
const STORE_LOCK_BUCKETS: i64 = 64;

/// Runs `work` holding the stores' log locks, taken in one order (so two batches never wait on
/// each other in a circle) before its transaction starts (so its snapshot sees what the previous
/// holder committed). A store's rows of the log then commit in the order of their `seq`, and a
/// manager's cursor over them never skips one still being written. The locks are released
/// however `work` ends, a panic included.
fn with_store_locks<T>(
    client: &mut Client,
    stores: impl Iterator<Item = Uuid>,
    work: impl FnOnce(&mut Client) -> DbResult<T>,
) -> DbResult<T> {
    let mut buckets: Vec<i64> = stores.map(|s| bucket(&s)).collect();
    buckets.sort_unstable();
    buckets.dedup();
    super::with_session_locks(client, &buckets, work)
}

/// The lock bucket of a store: a stable hash of its id, the same on every instance.
fn bucket(store: &Uuid) -> i64 {
    let hash = store
        .as_u128()
        .to_le_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3));
    7_021_100 + (hash % STORE_LOCK_BUCKETS as u64) as i64
}

/// Applies a device's operations in one transaction, each exactly once (see `db::apply`).
/// Operations refused before the ledger take no lock.
///
/// Isolation: the batch holds its stores' locks, so everything one store owns (its shifts, sales,
/// returns, stock, samples, log) is changed by one batch at a time, and each statement of READ
/// COMMITTED sees what the previous holder committed. One exception: a send that completes a
/// receipt reported earlier moves the receiving store's stock under the sender's lock; balances
/// move by increments, and a batch reads the balances it decides on in one statement (a count's,
/// a sale's), so either it sees that transfer or it does not, as if the batches ran in turn. What two stores can share is locked by key
/// before it is read, in the ledger's reads (`KeyLock`): a serial, a transfer, a customer's phone, a
/// sample's serial. A deadlock between two such keys, or an id taken meanwhile by another store's
/// batch, runs the batch again whole (its effects are undone first, so nothing applies twice).
///
/// Not SERIALIZABLE: its predicate locks are kept per index page, and every batch reads and
/// writes the same last pages (time-ordered ids), so devices at different stores failed each
/// other's transactions over and over (the store bench measured 2,356 runs again for 300 batches).
pub fn apply_all(conn: &mut super::PgConn, ops: &[(StoreOp, OpContext)]) -> DbResult<Vec<OpOutcome>> {
    let stores = ops.iter().filter(|(_, ctx)| ctx.refusal.is_none()).map(|(op, _)| op.store_id);
    let super::PgConn { client, statements, .. } = conn;
    with_store_locks(client, stores, |client| {
        in_transaction(client, IsolationLevel::ReadCommitted, |tx| {
            apply::apply_all(
                &mut PgLedger {
                    tx,
                    statements: &mut *statements,
                    release_pending: false,
                    log_rows: LogColumns::default(),
                },
                ops,
            )
        })
    })
}

/// What two stores' batches may both touch, locked by key until the transaction ends.
#[derive(Clone, Copy)]
enum KeyLock {
    SoldSerial = 1,
    Transfer = 2,
    CustomerPhone = 3,
    Sample = 4,
}

/// Records set-aside operations in the log, each unless its id is there already.
pub fn record_set_aside(client: &mut Client, records: &[SetAsideRecord]) -> DbResult<()> {
    with_store_locks(client, records.iter().map(|r| r.store_id), |client| {
        in_serializable(client, |tx| {
            for r in records {
                tx.execute(
                    "INSERT INTO store_op_log (op_id, store_id, user_id, kind, outcome, day, device_at, applied_at, body_hash)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (op_id) DO NOTHING",
                    &[
                        &r.outcome.id.to_string(),
                        &r.store_id.to_string(),
                        &r.user_id.to_string(),
                        &r.kind,
                        &serde_json::to_string(&r.outcome).unwrap_or_default(),
                        &r.day,
                        &r.device_at,
                        &r.now,
                        &SET_ASIDE_BODY_HASH,
                    ],
                )?;
            }
            Ok(())
        })
    })
}

/// The engine's reads and writes on a PostgreSQL transaction, each statement prepared once per
/// connection (one round trip per read or write, not two).
struct PgLedger<'a, 'b> {
    tx: &'a mut Transaction<'b>,
    statements: &'a mut super::Statements,
    /// The current operation's savepoint is released, to be sent with the next one.
    release_pending: bool,
    /// Rows of the log not yet written, column by column.
    log_rows: LogColumns,
}

#[derive(Default)]
struct LogColumns {
    op_id: Vec<String>,
    store_id: Vec<String>,
    user_id: Vec<String>,
    kind: Vec<String>,
    outcome: Vec<String>,
    day: Vec<String>,
    device_at: Vec<i64>,
    applied_at: Vec<i64>,
    body_hash: Vec<String>,
}

type Params<'p> = [&'p (dyn ::postgres::types::ToSql + Sync)];

impl PgLedger<'_, '_> {
    fn prepared(&mut self, sql: &'static str) -> Result<::postgres::Statement, ::postgres::Error> {
        super::prepared_once(self.statements, self.tx, sql)
    }
    fn query(&mut self, sql: &'static str, params: &Params<'_>) -> Result<Vec<Row>, ::postgres::Error> {
        let statement = self.prepared(sql)?;
        self.tx.query(&statement, params)
    }
    fn query_one(&mut self, sql: &'static str, params: &Params<'_>) -> Result<Row, ::postgres::Error> {
        let statement = self.prepared(sql)?;
        self.tx.query_one(&statement, params)
    }
    fn query_opt(&mut self, sql: &'static str, params: &Params<'_>) -> Result<Option<Row>, ::postgres::Error> {
        let statement = self.prepared(sql)?;
        self.tx.query_opt(&statement, params)
    }
    fn execute(&mut self, sql: &'static str, params: &Params<'_>) -> Result<u64, ::postgres::Error> {
        let statement = self.prepared(sql)?;
        self.tx.execute(&statement, params)
    }
    /// Waits for, then holds until the transaction ends, the lock of `key` in `space`: the reads
    /// that follow see what its previous holder committed.
    fn lock(&mut self, space: KeyLock, key: &str) -> Result<(), ::postgres::Error> {
        self.execute("SELECT pg_advisory_xact_lock($1::int4, hashtext($2))::text", &[&(space as i32), &key])?;
        Ok(())
    }
}

fn id(text: String) -> LedgerResult<Uuid> {
    uuid(&text).map_err(LedgerError::Storage)
}

impl Ledger for PgLedger<'_, '_> {
    fn savepoint(&mut self) -> Result<(), DbError> {
        // The previous operation's release travels with this savepoint: one round trip, not two.
        if std::mem::take(&mut self.release_pending) {
            return Ok(self.tx.batch_execute("RELEASE SAVEPOINT op; SAVEPOINT op")?);
        }
        Ok(self.tx.batch_execute("SAVEPOINT op")?)
    }
    fn release(&mut self) -> Result<(), DbError> {
        // Sent with the next savepoint (or dropped: the commit releases it), one round trip the fewer.
        self.release_pending = true;
        Ok(())
    }
    fn rollback(&mut self) -> Result<(), DbError> {
        Ok(self.tx.batch_execute("ROLLBACK TO SAVEPOINT op; RELEASE SAVEPOINT op")?)
    }

    fn recorded(&mut self, op_ids: &[Uuid]) -> LedgerResult<Vec<(Uuid, Recorded)>> {
        let ids: Vec<String> = op_ids.iter().map(Uuid::to_string).collect();
        self.query("SELECT op_id, outcome, user_id, body_hash FROM store_op_log WHERE op_id = ANY($1)", &[&ids])?
            .into_iter()
            .map(|r| Ok((id(r.get(0))?, Recorded { outcome: r.get(1), user_id: id(r.get(2))?, body_hash: r.get(3) })))
            .collect()
    }
    fn log(&mut self, e: &LogEntry<'_>) -> LedgerResult<()> {
        // Kept back and written in one statement by `finish`, in the batch's order (so `seq`
        // follows it): the engine answers an id sent twice in one batch from what it logged.
        let rows = &mut self.log_rows;
        rows.op_id.push(e.op_id.to_string());
        rows.store_id.push(e.store_id.to_string());
        rows.user_id.push(e.user_id.to_string());
        rows.kind.push(e.kind.to_owned());
        rows.outcome.push(e.outcome.clone());
        rows.day.push(e.day.to_owned());
        rows.device_at.push(e.device_at);
        rows.applied_at.push(e.applied_at);
        rows.body_hash.push(e.body_hash.to_owned());
        Ok(())
    }
    fn finish(&mut self) -> LedgerResult<()> {
        let rows = std::mem::take(&mut self.log_rows);
        if rows.op_id.is_empty() {
            return Ok(());
        }
        self.execute(
            "INSERT INTO store_op_log (op_id, store_id, user_id, kind, outcome, day, device_at, applied_at, body_hash)
             SELECT l.op_id, l.store_id, l.user_id, l.kind, l.outcome, l.day, l.device_at, l.applied_at, l.body_hash
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int8[], $8::int8[],
                 $9::text[]) WITH ORDINALITY
                 AS l(op_id, store_id, user_id, kind, outcome, day, device_at, applied_at, body_hash, n)
             ORDER BY l.n",
            &[
                &rows.op_id,
                &rows.store_id,
                &rows.user_id,
                &rows.kind,
                &rows.outcome,
                &rows.day,
                &rows.device_at,
                &rows.applied_at,
                &rows.body_hash,
            ],
        )
        .map_err(|e| match e.as_db_error() {
            // An id taken meanwhile by another store's batch (the same id sent to two stores): run
            // again, the batch finds it recorded and answers as for any id used twice.
            Some(db)
                if *db.code() == ::postgres::error::SqlState::UNIQUE_VIOLATION
                    && db.constraint() == Some("store_op_log_pkey") =>
            {
                LedgerError::Storage(DbError::Retry(format!("an operation id was taken meanwhile: {}", db.message())))
            }
            _ => LedgerError::Storage(e.into()),
        })?;
        Ok(())
    }

    fn shift(&mut self, shift: Uuid) -> LedgerResult<Option<ShiftRow>> {
        self.query_opt(
            "SELECT store_id, promoter_id, opening_cash, closed_at FROM shifts WHERE id = $1",
            &[&shift.to_string()],
        )?
        .map(|r| {
            Ok(ShiftRow {
                store_id: id(r.get(0))?,
                promoter_id: id(r.get(1))?,
                opening_cash: r.get(2),
                closed_at: r.get(3),
            })
        })
        .transpose()
    }
    fn open_shift(&mut self, shift: Uuid, store: Uuid, promoter: Uuid, at: i64, opening_cash: i64) -> LedgerResult<()> {
        self.execute(
            "INSERT INTO shifts (id, store_id, promoter_id, opened_at, opening_cash) VALUES ($1, $2, $3, $4, $5)",
            &[&shift.to_string(), &store.to_string(), &promoter.to_string(), &at, &opening_cash],
        )?;
        Ok(())
    }
    fn close_shift(
        &mut self,
        shift: Uuid,
        at: i64,
        day: &str,
        counted_json: &str,
        expected_json: &str,
        reason: Option<&str>,
    ) -> LedgerResult<()> {
        self.execute(
            "UPDATE shifts SET closed_at = $2, close_day = $3, counted = $4, expected = $5, reason = $6 WHERE id = $1",
            &[&shift.to_string(), &at, &day, &counted_json, &expected_json, &reason],
        )?;
        Ok(())
    }
    fn open_shift_of(&mut self, store: Uuid, promoter: Uuid, at: i64) -> LedgerResult<Option<Uuid>> {
        self.query_opt(
            "SELECT id FROM shifts WHERE store_id = $1 AND promoter_id = $2 AND opened_at <= $3 AND closed_at IS NULL
                 ORDER BY opened_at DESC LIMIT 1",
            &[&store.to_string(), &promoter.to_string(), &at],
        )?
        .map(|r| id(r.get(0)))
        .transpose()
    }
    fn takings(&mut self, shift: Uuid) -> LedgerResult<Takings> {
        let shift = shift.to_string();
        let paid = self
            .query(
                "SELECT p.method, SUM(p.amount)::BIGINT FROM sale_payments p JOIN sales s ON s.id = p.sale_id
                 WHERE s.shift_id = $1 AND s.store_id = (SELECT store_id FROM shifts WHERE id = $1) GROUP BY p.method",
                &[&shift],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        let change = self
            .query_one(
                "SELECT COALESCE(SUM(change_given), 0)::BIGINT FROM sales
                 WHERE shift_id = $1 AND store_id = (SELECT store_id FROM shifts WHERE id = $1)",
                &[&shift],
            )?
            .get(0);
        let refunds = self.query(
                "SELECT refund_method, SUM(refund)::BIGINT FROM sale_returns WHERE shift_id = $1 GROUP BY refund_method",
                &[&shift],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        Ok(Takings { paid, change, refunds })
    }

    fn record_sale(&mut self, r: &SaleRecord<'_>) -> LedgerResult<Vec<(String, i64)>> {
        // One statement, one round trip: the sale, its lines, payments, gifts and movements, and
        // the balances moved (summed per SKU, so one row is updated once), returned after the move.
        let s = &r.sale;
        let lines = &r.lines;
        let ms = &r.movements;
        let rows = self.query(
            "WITH sale AS (
                 INSERT INTO sales (id, store_id, promoter_id, shift_id, receipt_no, customer_id, gross, discounts,
                     total, paid, change_given, day, device_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
             ), sale_line AS (
                 INSERT INTO sale_lines (sale_id, line, sku, quantity, unit_price, discount, net, serial)
                 SELECT $1, l.* FROM unnest($14::int8[], $15::text[], $16::int8[], $17::int8[], $18::int8[],
                     $19::int8[], $20::text[]) AS l
             ), payment AS (
                 INSERT INTO sale_payments (sale_id, method, amount)
                 SELECT $1, p.method, p.amount FROM unnest($21::text[], $22::int8[]) WITH ORDINALITY AS p(method, amount, n)
                 ORDER BY p.n
             ), gift AS (
                 INSERT INTO sale_gifts (sale_id, sku, quantity) SELECT $1, g.* FROM unnest($23::text[], $24::int8[]) AS g
             ), movement AS (
                 INSERT INTO stock_movements (store_id, sku, kind, quantity, op_id, reason, device_at)
                 SELECT m.store_id, m.sku, m.kind, m.quantity, m.op_id, m.reason, m.device_at
                 FROM unnest($25::text[], $26::text[], $27::text[], $28::int8[], $29::text[], $30::text[], $31::int8[])
                     WITH ORDINALITY AS m(store_id, sku, kind, quantity, op_id, reason, device_at, n)
                 ORDER BY m.n
             )
             INSERT INTO stock_balances (store_id, sku, on_hand)
             SELECT m.store_id, m.sku, sum(m.quantity)::int8 FROM unnest($25::text[], $26::text[], $28::int8[])
                 AS m(store_id, sku, quantity)
             GROUP BY m.store_id, m.sku
             ON CONFLICT (store_id, sku) DO UPDATE SET on_hand = stock_balances.on_hand + excluded.on_hand
             RETURNING sku, on_hand",
            &[
                &s.id.to_string(),
                &s.store_id.to_string(),
                &s.promoter_id.to_string(),
                &s.shift_id.to_string(),
                &s.receipt_no,
                &s.customer_id.map(|c| c.to_string()),
                &s.gross,
                &s.discounts,
                &s.total,
                &s.paid,
                &s.change,
                &s.day,
                &s.device_at,
                &lines.iter().map(|l| l.line).collect::<Vec<_>>(),
                &lines.iter().map(|l| l.sku).collect::<Vec<_>>(),
                &lines.iter().map(|l| l.quantity).collect::<Vec<_>>(),
                &lines.iter().map(|l| l.unit_price).collect::<Vec<_>>(),
                &lines.iter().map(|l| l.discount).collect::<Vec<_>>(),
                &lines.iter().map(|l| l.net).collect::<Vec<_>>(),
                &lines.iter().map(|l| l.serial).collect::<Vec<_>>(),
                &r.payments.iter().map(|(m, _)| m.as_str()).collect::<Vec<_>>(),
                &r.payments.iter().map(|(_, a)| *a).collect::<Vec<_>>(),
                &r.gifts.iter().map(|(sku, _)| *sku).collect::<Vec<_>>(),
                &r.gifts.iter().map(|(_, q)| *q).collect::<Vec<_>>(),
                &ms.iter().map(|m| m.store_id.to_string()).collect::<Vec<_>>(),
                &ms.iter().map(|m| m.sku).collect::<Vec<_>>(),
                &ms.iter().map(|m| m.kind).collect::<Vec<_>>(),
                &ms.iter().map(|m| m.quantity).collect::<Vec<_>>(),
                &ms.iter().map(|m| m.op_id.to_string()).collect::<Vec<_>>(),
                &ms.iter().map(|m| m.reason).collect::<Vec<_>>(),
                &ms.iter().map(|m| m.device_at).collect::<Vec<_>>(),
            ],
        )?;
        if let Some(o) = &r.offer {
            self.execute(
                "INSERT INTO counter_offers (sale_id, recommendation, store_id, customer_id, shown, accepted, shown_count,
                     accepted_count, converted_count, revenue, device_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                &[
                    &s.id.to_string(),
                    &o.recommendation.to_string(),
                    &s.store_id.to_string(),
                    &s.customer_id.map(|c| c.to_string()),
                    &o.shown,
                    &o.accepted,
                    &i64::from(o.outcome.shown),
                    &i64::from(o.outcome.accepted),
                    &i64::from(o.outcome.converted),
                    &o.outcome.revenue,
                    &s.device_at,
                ],
            )?;
        }
        let mut balances: Vec<(String, i64)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        balances.sort();
        Ok(balances)
    }
    fn serial_sold(&mut self, serial: &str) -> LedgerResult<bool> {
        self.lock(KeyLock::SoldSerial, serial)?;
        Ok(self
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM sale_lines WHERE serial = $1 AND quantity > returned)",
                &[&serial],
            )?
            .get(0))
    }
    fn redeem_coupon(&mut self, r: &portal_db::CouponRedemption) -> LedgerResult<bool> {
        // Of sales redeeming one coupon at once, the first to insert wins; the others wait for its
        // commit and find it there.
        let first = self.execute(
            "INSERT INTO coupon_redemptions (coupon_id, campaign_id, sale_id, store_id, off, redeemed_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (coupon_id) DO NOTHING",
            &[&r.coupon.to_string(), &r.campaign.to_string(), &r.sale.to_string(), &r.store.to_string(), &r.off, &r.at],
        )? == 1;
        if !first {
            self.execute(
                "INSERT INTO coupon_second_uses (sale_id, coupon_id, campaign_id, store_id, used_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sale_id) DO NOTHING",
                &[&r.sale.to_string(), &r.coupon.to_string(), &r.campaign.to_string(), &r.store.to_string(), &r.at],
            )?;
        }
        Ok(first)
    }
    fn sale_store(&mut self, sale: Uuid) -> LedgerResult<Option<Uuid>> {
        self.query_opt("SELECT store_id FROM sales WHERE id = $1", &[&sale.to_string()])?
            .map(|r| id(r.get(0)))
            .transpose()
    }
    fn sold_line(&mut self, sale: Uuid, line: i64) -> LedgerResult<Option<SoldLine>> {
        Ok(self
            .query_opt(
                "SELECT sku, quantity, net, returned FROM sale_lines WHERE sale_id = $1 AND line = $2",
                &[&sale.to_string(), &line],
            )?
            .map(|r| SoldLine { sku: r.get(0), quantity: r.get(1), net: r.get(2), returned: r.get(3) }))
    }
    fn return_line(&mut self, sale: Uuid, line: i64, quantity: i64) -> LedgerResult<()> {
        self.execute(
            "UPDATE sale_lines SET returned = returned + $3 WHERE sale_id = $1 AND line = $2",
            &[&sale.to_string(), &line, &quantity],
        )?;
        Ok(())
    }
    fn gift_left(&mut self, sale: Uuid, sku: &str) -> LedgerResult<Option<i64>> {
        Ok(self
            .query_opt(
                "SELECT quantity - returned FROM sale_gifts WHERE sale_id = $1 AND sku = $2",
                &[&sale.to_string(), &sku],
            )?
            .map(|r| r.get(0)))
    }
    fn return_gift(&mut self, sale: Uuid, sku: &str, quantity: i64) -> LedgerResult<()> {
        self.execute(
            "UPDATE sale_gifts SET returned = returned + $3 WHERE sale_id = $1 AND sku = $2",
            &[&sale.to_string(), &sku, &quantity],
        )?;
        Ok(())
    }
    fn insert_return(&mut self, r: &NewReturn<'_>) -> LedgerResult<()> {
        self.execute(
            "INSERT INTO sale_returns (id, sale_id, store_id, promoter_id, refund, refund_method, day, device_at, shift_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &r.id.to_string(),
                &r.sale_id.to_string(),
                &r.store_id.to_string(),
                &r.promoter_id.to_string(),
                &r.refund,
                &r.refund_method,
                &r.day,
                &r.device_at,
                &r.shift_id.map(|s| s.to_string()),
            ],
        )?;
        Ok(())
    }

    fn movement(&mut self, m: &NewMovement<'_>) -> LedgerResult<()> {
        self.execute(
            "INSERT INTO stock_movements (store_id, sku, kind, quantity, op_id, reason, device_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[&m.store_id.to_string(), &m.sku, &m.kind, &m.quantity, &m.op_id.to_string(), &m.reason, &m.device_at],
        )?;
        self.execute(
            "INSERT INTO stock_balances (store_id, sku, on_hand) VALUES ($1, $2, $3)
             ON CONFLICT (store_id, sku) DO UPDATE SET on_hand = stock_balances.on_hand + excluded.on_hand",
            &[&m.store_id.to_string(), &m.sku, &m.quantity],
        )?;
        Ok(())
    }
    fn on_hand(&mut self, store: Uuid, skus: &[&str]) -> LedgerResult<Vec<i64>> {
        Ok(self
            .query(
                "SELECT COALESCE(b.on_hand, 0)::int8 FROM unnest($2::text[]) WITH ORDINALITY AS s(sku, n)
                 LEFT JOIN stock_balances b ON b.store_id = $1 AND b.sku = s.sku ORDER BY s.n",
                &[&store.to_string(), &skus],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn store_exists(&mut self, store: Uuid) -> LedgerResult<bool> {
        Ok(self.query_one("SELECT EXISTS (SELECT 1 FROM stores WHERE id = $1)", &[&store.to_string()])?.get(0))
    }
    fn transfer(&mut self, transfer: Uuid) -> LedgerResult<Option<TransferRow>> {
        self.lock(KeyLock::Transfer, &transfer.to_string())?;
        self.query_opt(
            "SELECT from_store, to_store, lines, received_at FROM transfers WHERE id = $1",
            &[&transfer.to_string()],
        )?
        .map(|r| {
            Ok(TransferRow {
                from_store: id(r.get(0))?,
                to_store: id(r.get(1))?,
                lines: serde_json::from_str(r.get(2)).unwrap_or_default(),
                received_at: r.get(3),
            })
        })
        .transpose()
    }
    fn insert_transfer(&mut self, transfer: Uuid, from: Uuid, to: Uuid, lines_json: &str, at: i64) -> LedgerResult<()> {
        // Before the send looks for a receipt that waits for it (see `transfer`).
        self.lock(KeyLock::Transfer, &transfer.to_string())?;
        self.execute(
            "INSERT INTO transfers (id, from_store, to_store, lines, sent_at) VALUES ($1, $2, $3, $4, $5)",
            &[&transfer.to_string(), &from.to_string(), &to.to_string(), &lines_json, &at],
        )?;
        Ok(())
    }
    fn mark_received(&mut self, transfer: Uuid, at: i64) -> LedgerResult<()> {
        self.execute("UPDATE transfers SET received_at = $2 WHERE id = $1", &[&transfer.to_string(), &at])?;
        Ok(())
    }
    fn transfer_wait(&mut self, transfer: Uuid) -> LedgerResult<Option<(Uuid, i64)>> {
        self.query_opt(
            "SELECT to_store, device_at FROM transfer_waits WHERE transfer_id = $1",
            &[&transfer.to_string()],
        )?
        .map(|r| Ok((id(r.get(0))?, r.get(1))))
        .transpose()
    }
    fn insert_transfer_wait(&mut self, transfer: Uuid, to: Uuid, op_id: Uuid, at: i64) -> LedgerResult<bool> {
        Ok(self.execute(
            "INSERT INTO transfer_waits (transfer_id, to_store, op_id, device_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (transfer_id) DO NOTHING",
            &[&transfer.to_string(), &to.to_string(), &op_id.to_string(), &at],
        )? == 1)
    }
    fn delete_transfer_wait(&mut self, transfer: Uuid) -> LedgerResult<()> {
        self.execute("DELETE FROM transfer_waits WHERE transfer_id = $1", &[&transfer.to_string()])?;
        Ok(())
    }

    fn shipment(&mut self, id: Uuid) -> LedgerResult<Option<ShipmentRow>> {
        crate::orders::goods_in::shipment(self.tx, id).map_err(LedgerError::Storage)
    }
    fn receive_shipment(
        &mut self,
        id: Uuid,
        order: Uuid,
        counted: &[portal_distribution::goods_in::Counted],
        by: Uuid,
        at: i64,
    ) -> LedgerResult<()> {
        crate::orders::goods_in::receive(self.tx, id, order, counted, by, at).map_err(LedgerError::Storage)
    }
    fn order_receipt_state(&mut self, order: Uuid) -> LedgerResult<Option<OrderReceiptState>> {
        crate::orders::goods_in::state(self.tx, order).map_err(LedgerError::Storage)
    }
    fn mark_order(&mut self, order: Uuid, status: OrderStatus, action: &str, by: Uuid, at: i64) -> LedgerResult<()> {
        crate::orders::goods_in::mark(self.tx, order, status, action, by, at).map_err(LedgerError::Storage)
    }
    fn sample(&mut self, serial: &str) -> LedgerResult<Option<SampleRow>> {
        self.lock(KeyLock::Sample, serial)?;
        self.query_opt("SELECT store_id, state, location FROM samples WHERE serial = $1", &[&serial])?
            .map(|r| {
                Ok(SampleRow {
                    store_id: id(r.get(0))?,
                    state: from_wire_name(r.get(1)).unwrap_or(SampleState::Requested),
                    location: r.get(2),
                })
            })
            .transpose()
    }
    fn insert_sample(
        &mut self,
        serial: &str,
        store: Uuid,
        sku: &str,
        state: &str,
        location: &str,
        at: i64,
    ) -> LedgerResult<()> {
        self.execute(
            "INSERT INTO samples (serial, store_id, sku, state, location, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
            &[&serial, &store.to_string(), &sku, &state, &location, &at],
        )?;
        Ok(())
    }
    fn update_sample(&mut self, serial: &str, state: &str, location: &str, at: i64) -> LedgerResult<()> {
        self.execute(
            "UPDATE samples SET state = $2, location = $3, updated_at = $4 WHERE serial = $1",
            &[&serial, &state, &location, &at],
        )?;
        Ok(())
    }
    fn sample_history(
        &mut self,
        serial: &str,
        state: &str,
        location: &str,
        user: Uuid,
        op_id: Uuid,
        at: i64,
    ) -> LedgerResult<()> {
        self.execute(
            "INSERT INTO sample_history (serial, state, location, user_id, op_id, at) VALUES ($1, $2, $3, $4, $5, $6)",
            &[&serial, &state, &location, &user.to_string(), &op_id.to_string(), &at],
        )?;
        Ok(())
    }
    fn store_samples(&mut self, store: Uuid) -> LedgerResult<Vec<(String, String)>> {
        Ok(self
            .query("SELECT serial, state FROM samples WHERE store_id = $1", &[&store.to_string()])?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    fn phone_owner(&mut self, phone: &str) -> LedgerResult<Option<Uuid>> {
        // Held until the customer created on the spot, if any, is committed.
        self.lock(KeyLock::CustomerPhone, phone)?;
        self.query_opt("SELECT user_id FROM identities WHERE kind = 'phone' AND value = $1", &[&phone])?
            .map(|r| id(r.get(0)))
            .transpose()
    }
    fn create_customer(&mut self, user: Uuid, display_name: &str, phone: &str, now: i64) -> LedgerResult<()> {
        self.execute(
            "INSERT INTO users (id, display_name, role, created_at) VALUES ($1, $2, 'consumer', $3)",
            &[&user.to_string(), &display_name, &now],
        )?;
        // The phone lock orders counters, not sign-ups: a customer who signed up with this number
        // meanwhile takes it first. The batch runs again and then finds their account.
        self.execute(
            "INSERT INTO identities (kind, value, user_id, verified, linked_at) VALUES ('phone', $1, $2, FALSE, $3)",
            &[&phone, &user.to_string(), &now],
        )
        .map_err(|e| match e.code() {
            Some(c) if *c == ::postgres::error::SqlState::UNIQUE_VIOLATION => {
                LedgerError::Storage(DbError::Retry(format!("phone taken meanwhile: {}", super::describe(&e))))
            }
            _ => e.into(),
        })?;
        Ok(())
    }
}

pub fn stock(db: &mut Client, store: Uuid) -> DbResult<StockReport> {
    // The ledger is the record: on-hand is summed from the movements, then checked against the
    // running balances the sales read (one snapshot for both).
    let mut tx = db.build_transaction().isolation_level(::postgres::IsolationLevel::RepeatableRead).start()?;
    let rows: Vec<(String, i64, i64, i64)> = tx
        .query(
            "SELECT m.sku, SUM(m.quantity)::BIGINT, COUNT(*), COALESCE(MAX(b.on_hand), 0)::BIGINT
             FROM stock_movements m LEFT JOIN stock_balances b ON b.store_id = m.store_id AND b.sku = m.sku
             WHERE m.store_id = $1 GROUP BY m.sku ORDER BY m.sku",
            &[&store.to_string()],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    tx.commit()?;
    Ok(reports::stock(store, rows))
}

fn amounts(db: &mut Client, sql: &str, args: &[&(dyn ::postgres::types::ToSql + Sync)]) -> DbResult<Vec<AmountByKey>> {
    Ok(db
        .query(sql, args)?
        .iter()
        .map(|r| AmountByKey { key: r.get(0), quantity: r.get(1), amount: r.get(2) })
        .collect())
}

/// Per SKU: on hand when the day starts, units in and out during it, on hand when it ends.
fn day_stock(db: &mut Client, store: &str, starts_at: i64) -> DbResult<Vec<DayStock>> {
    let ends_at = starts_at + 86_400;
    let rows = db.query(
        "SELECT sku,
                COALESCE(SUM(CASE WHEN device_at < $2 THEN quantity END), 0)::BIGINT,
                COALESCE(SUM(CASE WHEN device_at >= $2 AND quantity > 0 THEN quantity END), 0)::BIGINT,
                COALESCE(SUM(CASE WHEN device_at >= $2 AND quantity < 0 THEN -quantity END), 0)::BIGINT
         FROM stock_movements WHERE store_id = $1 AND device_at < $3
         GROUP BY sku ORDER BY sku",
        &[&store, &starts_at, &ends_at],
    )?;
    Ok(reports::day_stock(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect()))
}

pub fn day_report(db: &mut Client, store: Uuid, day: &str, starts_at: i64) -> DbResult<DayReport> {
    let s = store.to_string();
    let row = db.query_one(
        "SELECT COUNT(*), COALESCE(SUM(total), 0)::BIGINT FROM sales WHERE store_id = $1 AND day = $2",
        &[&s, &day],
    )?;
    let (sales, sales_amount) = (u32::try_from(row.get::<_, i64>(0)).unwrap_or(u32::MAX), row.get(1));
    let row = db.query_one(
        "SELECT COUNT(*), COALESCE(SUM(refund), 0)::BIGINT FROM sale_returns WHERE store_id = $1 AND day = $2",
        &[&s, &day],
    )?;
    let (returns, refunds_amount) = (u32::try_from(row.get::<_, i64>(0)).unwrap_or(u32::MAX), row.get(1));
    let by_product = amounts(
        db,
        "SELECT l.sku, SUM(l.quantity)::BIGINT, SUM(l.net)::BIGINT FROM sale_lines l JOIN sales s ON s.id = l.sale_id
         WHERE s.store_id = $1 AND s.day = $2 GROUP BY l.sku ORDER BY SUM(l.net) DESC, l.sku",
        &[&s, &day],
    )?;
    let by_promoter = amounts(
        db,
        "SELECT MIN(u.display_name), COUNT(*), SUM(s.total)::BIGINT FROM sales s JOIN users u ON u.id = s.promoter_id
         WHERE s.store_id = $1 AND s.day = $2 GROUP BY s.promoter_id ORDER BY SUM(s.total) DESC",
        &[&s, &day],
    )?;
    let samples_by_state = amounts(
        db,
        "SELECT state, COUNT(*), 0::BIGINT FROM samples WHERE store_id = $1 GROUP BY state ORDER BY state",
        &[&s],
    )?;
    let outcomes = db
        .query("SELECT outcome FROM store_op_log WHERE store_id = $1 AND day = $2 ORDER BY seq", &[&s, &day])?
        .iter()
        .map(|r| r.get(0))
        .collect::<Vec<String>>();
    let (cash_differences, flags) = reports::day_flags(outcomes);
    Ok(DayReport {
        store_id: store,
        day: day.to_owned(),
        sales,
        sales_amount,
        returns,
        refunds_amount,
        by_product,
        by_promoter,
        cash_differences,
        samples_by_state,
        flags,
        stock: day_stock(db, &s, starts_at)?,
    })
}

fn sale_line(r: &Row) -> SaleLine {
    SaleLine { sku: r.get(0), quantity: r.get(1), unit_price: r.get(2), discount: r.get(3), serial: r.get(4) }
}

pub fn purchases(db: &mut Client, customer: Uuid) -> DbResult<PurchaseList> {
    let rows = db.query(
        "SELECT id, store_id, receipt_no, total, device_at FROM sales WHERE customer_id = $1
         ORDER BY device_at DESC LIMIT 200",
        &[&customer.to_string()],
    )?;
    let mut purchases = Vec::with_capacity(rows.len());
    for r in rows {
        let sale: String = r.get(0);
        let lines = db
            .query(
                "SELECT sku, quantity, unit_price, discount, serial FROM sale_lines WHERE sale_id = $1 ORDER BY line",
                &[&sale],
            )?
            .iter()
            .map(sale_line)
            .collect();
        purchases.push(Purchase {
            sale_id: sale.parse().unwrap_or_default(),
            store_id: r.get::<_, String>(1).parse().unwrap_or_default(),
            receipt_no: r.get(2),
            total: r.get(3),
            lines,
            device_at: r.get(4),
        });
    }
    Ok(PurchaseList { purchases })
}

/// Flags raised at a store after a cursor (the log's `seq`), oldest first; without a cursor, none
/// and where "from now on" starts. Only this store's rows move the cursor: they commit in `seq`
/// order (see `with_store_locks`), another store's need not.
pub fn flags_after(db: &mut Client, store: Uuid, after: Option<i64>, limit: u32) -> DbResult<StoreFlagList> {
    let s = store.to_string();
    let latest: i64 =
        db.query_one("SELECT COALESCE(MAX(seq), 0)::BIGINT FROM store_op_log WHERE store_id = $1", &[&s])?.get(0);
    let Some(after) = after else {
        return Ok(StoreFlagList { store_id: store, events: Vec::new(), cursor: latest, has_more: false });
    };
    let rows = db.query(
        "SELECT l.seq, l.op_id, u.display_name, l.outcome, l.device_at
         FROM store_op_log l JOIN users u ON u.id = l.user_id
         WHERE l.store_id = $1 AND l.seq > $2 AND l.seq <= $4
           AND (jsonb_array_length(COALESCE(l.outcome::jsonb -> 'flags', '[]'::jsonb)) > 0
                OR l.outcome::jsonb ->> 'status' = 'rejected')
         ORDER BY l.seq LIMIT $3",
        &[&s, &after, &(i64::from(limit) + 1), &latest],
    )?;
    let rows = rows
        .iter()
        .map(|r| reports::FlaggedRow {
            seq: r.get(0),
            op_id: r.get(1),
            by: r.get(2),
            outcome: r.get(3),
            device_at: r.get(4),
        })
        .collect();
    Ok(reports::flag_page(store, after, latest, limit, rows))
}

/// The store's sales with this receipt number, newest first, each as it was made with what has
/// been returned of it since.
pub fn sales_by_receipt(db: &mut Client, store: Uuid, receipt_no: &str) -> DbResult<StoreSaleList> {
    let rows = db.query(
        "SELECT id, shift_id, discounts, total, change_given, device_at FROM sales
         WHERE store_id = $1 AND receipt_no = $2 ORDER BY device_at DESC LIMIT 20",
        &[&store.to_string(), &receipt_no],
    )?;
    let mut sales = Vec::with_capacity(rows.len());
    for r in rows {
        let sale: String = r.get(0);
        let (shift_id, discounts, total, change, device_at): (String, i64, i64, i64, i64) =
            (r.get(1), r.get(2), r.get(3), r.get(4), r.get(5));
        let sold: Vec<(SaleLine, i64)> = db
            .query(
                "SELECT sku, quantity, unit_price, discount, serial, returned FROM sale_lines WHERE sale_id = $1 ORDER BY line",
                &[&sale],
            )?
            .iter()
            .map(|r| (sale_line(r), r.get(5)))
            .collect();
        let payments = db
            .query("SELECT method, amount FROM sale_payments WHERE sale_id = $1 ORDER BY id", &[&sale])?
            .iter()
            .filter_map(|r| Some(Payment { method: from_wire_name(r.get(0))?, amount: r.get(1) }))
            .collect();
        let gifts = db
            .query("SELECT sku, quantity FROM sale_gifts WHERE sale_id = $1 ORDER BY sku COLLATE \"C\"", &[&sale])?
            .iter()
            .map(|r| SkuQuantity { sku: r.get(0), quantity: r.get(1) })
            .collect();
        let returns: Vec<(String, i64)> = db
            .query("SELECT id, refund FROM sale_returns WHERE sale_id = $1 ORDER BY device_at", &[&sale])?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        let sold = reports::SoldSale {
            id: sale,
            shift_id,
            discounts,
            total,
            change,
            device_at,
            lines: sold,
            payments,
            gifts,
            returns,
        };
        sales.push(reports::store_sale(store, receipt_no, sold));
    }
    Ok(StoreSaleList { sales })
}

/// A store's display units with their dated histories.
pub fn samples(db: &mut Client, store: Uuid) -> DbResult<SampleList> {
    let rows = db.query(
        "SELECT serial, sku, state, location, updated_at FROM samples WHERE store_id = $1 ORDER BY location, serial",
        &[&store.to_string()],
    )?;
    let mut samples = Vec::with_capacity(rows.len());
    for r in rows {
        let row: (String, String, String, String, i64) = (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4));
        let history = db
            .query("SELECT state, location, at FROM sample_history WHERE serial = $1 ORDER BY at, id", &[&row.0])?
            .iter()
            .map(|h| (h.get(0), h.get(1), h.get(2)))
            .collect();
        samples.extend(reports::sample_unit(row, history));
    }
    Ok(SampleList { store_id: store, samples })
}

/// Transfers in flight to and from a store, and the other stores it can send to.
pub fn transfers(db: &mut Client, store: Uuid) -> DbResult<TransferList> {
    let rows = db
        .query(
            "SELECT id, from_store, to_store, lines, sent_at FROM transfers
             WHERE (from_store = $1 OR to_store = $1) AND received_at IS NULL ORDER BY sent_at",
            &[&store.to_string()],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect();
    let stores = db
        .query("SELECT id, code, name, city FROM stores WHERE id <> $1 ORDER BY code", &[&store.to_string()])?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    Ok(reports::transfers(store, rows, stores))
}

/// Every store with a stock ledger, by code, with the SKUs it has on hand (from the running balances).
pub fn skus_in_stock(db: &mut Client) -> DbResult<Vec<StoreStock>> {
    let rows = db
        .query(
            "SELECT s.code, b.sku, b.on_hand > 0 FROM stock_balances b JOIN stores s ON s.id = b.store_id
             ORDER BY s.code, b.sku",
            &[],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    Ok(reports::skus_in_stock(rows))
}

#[async_trait]
impl portal_db::StoreOps for PostgresDatabase {
    async fn apply_store_ops(
        &self,
        ops: Vec<(portal_api::StoreOp, OpContext)>,
    ) -> DbResult<Vec<portal_api::OpOutcome>> {
        self.run_conn(move |conn| self::apply_all(conn, &ops)).await
    }

    async fn record_set_aside(&self, records: Vec<portal_db::SetAsideRecord>) -> DbResult<()> {
        self.run(move |client| self::record_set_aside(client, &records)).await
    }

    async fn stock(&self, store_id: Uuid) -> DbResult<portal_api::StockReport> {
        self.run(move |client| self::stock(client, store_id)).await
    }

    async fn store_on_hand(&self, store_id: Uuid) -> DbResult<Vec<(String, i64)>> {
        self.run(move |client| {
            Ok(client
                .query(
                    "SELECT sku, on_hand FROM stock_balances WHERE store_id = $1 AND on_hand > 0 ORDER BY sku",
                    &[&store_id.to_string()],
                )?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect())
        })
        .await
    }

    async fn store_sold(&self, store_id: Uuid, first_day: String, last_day: String) -> DbResult<Vec<(String, i64)>> {
        self.run(move |client| {
            Ok(client
                .query(
                    "SELECT l.sku, SUM(l.quantity - l.returned)::int8 FROM sales s JOIN sale_lines l ON l.sale_id = s.id
                     WHERE s.store_id = $1 AND s.day >= $2 AND s.day <= $3 GROUP BY l.sku ORDER BY l.sku",
                    &[&store_id.to_string(), &first_day, &last_day],
                )?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect())
        })
        .await
    }

    async fn day_report(&self, store_id: Uuid, day: String, starts_at: i64) -> DbResult<portal_api::DayReport> {
        self.run(move |client| self::day_report(client, store_id, &day, starts_at)).await
    }

    async fn purchases(&self, customer: Uuid) -> DbResult<portal_api::PurchaseList> {
        self.run(move |client| self::purchases(client, customer)).await
    }

    async fn samples(&self, store_id: Uuid) -> DbResult<portal_api::SampleList> {
        self.run(move |client| self::samples(client, store_id)).await
    }

    async fn skus_in_stock(&self) -> DbResult<Vec<portal_api::StoreStock>> {
        self.run(self::skus_in_stock).await
    }

    async fn transfers(&self, store_id: Uuid) -> DbResult<portal_api::TransferList> {
        self.run(move |client| self::transfers(client, store_id)).await
    }

    async fn flags_after(&self, store_id: Uuid, after: Option<i64>, limit: u32) -> DbResult<portal_api::StoreFlagList> {
        self.run(move |client| self::flags_after(client, store_id, after, limit)).await
    }

    async fn sales_by_receipt(&self, store_id: Uuid, receipt_no: String) -> DbResult<portal_api::StoreSaleList> {
        self.run(move |client| self::sales_by_receipt(client, store_id, &receipt_no)).await
    }
}
