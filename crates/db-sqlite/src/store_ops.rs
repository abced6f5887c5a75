//! Store operations in SQLite: the engine (`db::apply`) over a rusqlite transaction, and the
//! reports read from the ledger.
use super::*;
use portal_api::*;
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use uuid::Uuid;

use super::uuid_of;
use portal_db::{
    apply::{self, OpContext},
    ledger::*,
    reports, DbError, DbResult,
};
use portal_distribution::goods_in::Counted;

/// Applies a device's operations in one transaction, each exactly once (see `db::apply`). One
/// transaction per batch rather than per operation: the WAL then writes each touched page once per
/// batch.
pub fn apply_all(conn: &mut rusqlite::Connection, ops: &[(StoreOp, OpContext)]) -> DbResult<Vec<OpOutcome>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let outcomes = apply::apply_all(&mut SqliteLedger(&tx), ops)?;
    tx.commit()?;
    Ok(outcomes)
}

/// Records set-aside operations in the log, each unless its id is there already.
pub fn record_set_aside(conn: &mut rusqlite::Connection, records: &[portal_db::SetAsideRecord]) -> DbResult<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for r in records {
        tx.prepare_cached(
            "INSERT INTO store_op_log (op_id, store_id, user_id, kind, outcome, day, device_at, applied_at, body_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (op_id) DO NOTHING",
        )?
        .execute(params![
            r.outcome.id.to_string(),
            r.store_id.to_string(),
            r.user_id.to_string(),
            r.kind,
            serde_json::to_string(&r.outcome).unwrap_or_default(),
            r.day,
            r.device_at,
            r.now,
            portal_db::SET_ASIDE_BODY_HASH
        ])?;
    }
    tx.commit()?;
    Ok(())
}

/// The engine's reads and writes on a rusqlite transaction.
struct SqliteLedger<'a>(&'a Transaction<'a>);

fn parse_uuid(text: String) -> LedgerResult<Uuid> {
    text.parse().map_err(|e| LedgerError::Storage(DbError::Database(format!("unreadable id {text}: {e}"))))
}

/// The writes of a sale, one row at a time (SQLite's statements cost no round trip).
impl SqliteLedger<'_> {
    fn insert_sale(&self, s: &NewSale<'_>) -> LedgerResult<()> {
        self.0.execute(
            "INSERT INTO sales (id, store_id, promoter_id, shift_id, receipt_no, customer_id, gross, discounts, total, paid,
                 change_given, day, device_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                s.id.to_string(),
                s.store_id.to_string(),
                s.promoter_id.to_string(),
                s.shift_id.to_string(),
                s.receipt_no,
                s.customer_id.map(|c| c.to_string()),
                s.gross,
                s.discounts,
                s.total,
                s.paid,
                s.change,
                s.day,
                s.device_at
            ],
        )?;
        Ok(())
    }
    fn insert_sale_line(&self, sale: Uuid, l: &NewSaleLine<'_>) -> LedgerResult<()> {
        self.0
            .prepare_cached(
                "INSERT INTO sale_lines (sale_id, line, sku, quantity, unit_price, discount, net, serial)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![sale.to_string(), l.line, l.sku, l.quantity, l.unit_price, l.discount, l.net, l.serial])?;
        Ok(())
    }
    fn insert_payment(&self, sale: Uuid, method: &str, amount: i64) -> LedgerResult<()> {
        self.0
            .prepare_cached("INSERT INTO sale_payments (sale_id, method, amount) VALUES (?1, ?2, ?3)")?
            .execute(params![sale.to_string(), method, amount])?;
        Ok(())
    }
    fn add_gift(&self, sale: Uuid, sku: &str, quantity: i64) -> LedgerResult<()> {
        self.0.execute(
            "INSERT INTO sale_gifts (sale_id, sku, quantity) VALUES (?1, ?2, ?3)
             ON CONFLICT (sale_id, sku) DO UPDATE SET quantity = quantity + ?3",
            params![sale.to_string(), sku, quantity],
        )?;
        Ok(())
    }
}

impl Ledger for SqliteLedger<'_> {
    fn savepoint(&mut self) -> Result<(), DbError> {
        Ok(self.0.execute_batch("SAVEPOINT op")?)
    }
    fn release(&mut self) -> Result<(), DbError> {
        Ok(self.0.execute_batch("RELEASE op")?)
    }
    fn rollback(&mut self) -> Result<(), DbError> {
        Ok(self.0.execute_batch("ROLLBACK TO op; RELEASE op")?)
    }

    fn recorded(&mut self, op_ids: &[Uuid]) -> LedgerResult<Vec<(Uuid, Recorded)>> {
        let mut statement =
            self.0.prepare_cached("SELECT outcome, user_id, body_hash FROM store_op_log WHERE op_id = ?1")?;
        let mut found = Vec::new();
        for op_id in op_ids {
            let row: Option<(String, String, Option<String>)> =
                statement.query_row([op_id.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).optional()?;
            if let Some((outcome, user, body_hash)) = row {
                found.push((*op_id, Recorded { outcome, user_id: parse_uuid(user)?, body_hash }));
            }
        }
        Ok(found)
    }
    fn log(&mut self, e: &LogEntry<'_>) -> LedgerResult<()> {
        self.0
            .prepare_cached(
                "INSERT INTO store_op_log (op_id, store_id, user_id, kind, outcome, day, device_at, applied_at, body_hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                e.op_id.to_string(),
                e.store_id.to_string(),
                e.user_id.to_string(),
                e.kind,
                e.outcome,
                e.day,
                e.device_at,
                e.applied_at,
                e.body_hash
            ])?;
        Ok(())
    }

    fn finish(&mut self) -> LedgerResult<()> {
        Ok(())
    }

    fn shift(&mut self, id: Uuid) -> LedgerResult<Option<ShiftRow>> {
        Ok(self
            .0
            .prepare_cached("SELECT store_id, promoter_id, opening_cash, closed_at FROM shifts WHERE id = ?1")?
            .query_row([id.to_string()], |r| {
                Ok(ShiftRow {
                    store_id: uuid_of(r.get(0)?)?,
                    promoter_id: uuid_of(r.get(1)?)?,
                    opening_cash: r.get(2)?,
                    closed_at: r.get(3)?,
                })
            })
            .optional()?)
    }
    fn open_shift(&mut self, id: Uuid, store: Uuid, promoter: Uuid, at: i64, opening_cash: i64) -> LedgerResult<()> {
        self.0.execute(
            "INSERT INTO shifts (id, store_id, promoter_id, opened_at, opening_cash) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id.to_string(), store.to_string(), promoter.to_string(), at, opening_cash],
        )?;
        Ok(())
    }
    fn close_shift(
        &mut self,
        id: Uuid,
        at: i64,
        day: &str,
        counted_json: &str,
        expected_json: &str,
        reason: Option<&str>,
    ) -> LedgerResult<()> {
        self.0.execute(
            "UPDATE shifts SET closed_at = ?2, close_day = ?3, counted = ?4, expected = ?5, reason = ?6 WHERE id = ?1",
            params![id.to_string(), at, day, counted_json, expected_json, reason],
        )?;
        Ok(())
    }
    fn open_shift_of(&mut self, store: Uuid, promoter: Uuid, at: i64) -> LedgerResult<Option<Uuid>> {
        let id: Option<String> = self
            .0
            .query_row(
                "SELECT id FROM shifts WHERE store_id = ?1 AND promoter_id = ?2 AND opened_at <= ?3 AND closed_at IS NULL
                 ORDER BY opened_at DESC LIMIT 1",
                params![store.to_string(), promoter.to_string(), at],
                |r| r.get(0),
            )
            .optional()?;
        id.map(parse_uuid).transpose()
    }
    fn takings(&mut self, shift: Uuid) -> LedgerResult<Takings> {
        let id = shift.to_string();
        let paid = self
            .0
            .prepare_cached(
                "SELECT p.method, SUM(p.amount) FROM sale_payments p JOIN sales s ON s.id = p.sale_id
                 WHERE s.shift_id = ?1 AND s.store_id = (SELECT store_id FROM shifts WHERE id = ?1) GROUP BY p.method",
            )?
            .query_map([&id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let change = self.0.query_row(
            "SELECT COALESCE(SUM(change_given), 0) FROM sales
             WHERE shift_id = ?1 AND store_id = (SELECT store_id FROM shifts WHERE id = ?1)",
            [&id],
            |r| r.get(0),
        )?;
        let refunds = self
            .0
            .prepare_cached(
                "SELECT refund_method, SUM(refund) FROM sale_returns WHERE shift_id = ?1 GROUP BY refund_method",
            )?
            .query_map([&id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(Takings { paid, change, refunds })
    }

    fn record_sale(&mut self, r: &SaleRecord<'_>) -> LedgerResult<Vec<(String, i64)>> {
        self.insert_sale(&r.sale)?;
        for line in &r.lines {
            self.insert_sale_line(r.sale.id, line)?;
        }
        for (method, amount) in &r.payments {
            self.insert_payment(r.sale.id, method, *amount)?;
        }
        for (sku, quantity) in &r.gifts {
            self.add_gift(r.sale.id, sku, *quantity)?;
        }
        for m in &r.movements {
            self.movement(m)?;
        }
        if let Some(o) = &r.offer {
            self.0.execute(
                "INSERT INTO counter_offers (sale_id, recommendation, store_id, customer_id, shown, accepted, shown_count,
                     accepted_count, converted_count, revenue, device_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    r.sale.id.to_string(),
                    o.recommendation.to_string(),
                    r.sale.store_id.to_string(),
                    r.sale.customer_id.map(|c| c.to_string()),
                    o.shown,
                    o.accepted,
                    o.outcome.shown,
                    o.outcome.accepted,
                    o.outcome.converted,
                    o.outcome.revenue,
                    r.sale.device_at,
                ],
            )?;
        }
        let mut skus: Vec<&str> = r.movements.iter().map(|m| m.sku).collect();
        skus.sort_unstable();
        skus.dedup();
        let balances = self.on_hand(r.sale.store_id, &skus)?;
        Ok(skus.into_iter().map(str::to_owned).zip(balances).collect())
    }
    fn serial_sold(&mut self, serial: &str) -> LedgerResult<bool> {
        Ok(self
            .0
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM sale_lines WHERE serial = ?1 AND quantity > returned)")?
            .query_row([serial], |r| r.get(0))?)
    }
    fn redeem_coupon(&mut self, r: &portal_db::CouponRedemption) -> LedgerResult<bool> {
        let first = self
            .0
            .prepare_cached(
                "INSERT INTO coupon_redemptions (coupon_id, campaign_id, sale_id, store_id, off, redeemed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (coupon_id) DO NOTHING",
            )?
            .execute(params![
                r.coupon.to_string(),
                r.campaign.to_string(),
                r.sale.to_string(),
                r.store.to_string(),
                r.off,
                r.at
            ])?
            == 1;
        if !first {
            self.0
                .prepare_cached(
                    "INSERT INTO coupon_second_uses (sale_id, coupon_id, campaign_id, store_id, used_at)
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (sale_id) DO NOTHING",
                )?
                .execute(params![
                    r.sale.to_string(),
                    r.coupon.to_string(),
                    r.campaign.to_string(),
                    r.store.to_string(),
                    r.at
                ])?;
        }
        Ok(first)
    }
    fn sale_store(&mut self, sale: Uuid) -> LedgerResult<Option<Uuid>> {
        let store: Option<String> = self
            .0
            .query_row("SELECT store_id FROM sales WHERE id = ?1", [sale.to_string()], |r| r.get(0))
            .optional()?;
        store.map(parse_uuid).transpose()
    }
    fn sold_line(&mut self, sale: Uuid, line: i64) -> LedgerResult<Option<SoldLine>> {
        Ok(self
            .0
            .query_row(
                "SELECT sku, quantity, net, returned FROM sale_lines WHERE sale_id = ?1 AND line = ?2",
                params![sale.to_string(), line],
                |r| Ok(SoldLine { sku: r.get(0)?, quantity: r.get(1)?, net: r.get(2)?, returned: r.get(3)? }),
            )
            .optional()?)
    }
    fn return_line(&mut self, sale: Uuid, line: i64, quantity: i64) -> LedgerResult<()> {
        self.0.execute(
            "UPDATE sale_lines SET returned = returned + ?3 WHERE sale_id = ?1 AND line = ?2",
            params![sale.to_string(), line, quantity],
        )?;
        Ok(())
    }
    fn gift_left(&mut self, sale: Uuid, sku: &str) -> LedgerResult<Option<i64>> {
        Ok(self
            .0
            .query_row(
                "SELECT quantity - returned FROM sale_gifts WHERE sale_id = ?1 AND sku = ?2",
                params![sale.to_string(), sku],
                |r| r.get(0),
            )
            .optional()?)
    }
    fn return_gift(&mut self, sale: Uuid, sku: &str, quantity: i64) -> LedgerResult<()> {
        self.0.execute(
            "UPDATE sale_gifts SET returned = returned + ?3 WHERE sale_id = ?1 AND sku = ?2",
            params![sale.to_string(), sku, quantity],
        )?;
        Ok(())
    }
    fn insert_return(&mut self, r: &NewReturn<'_>) -> LedgerResult<()> {
        self.0.execute(
            "INSERT INTO sale_returns (id, sale_id, store_id, promoter_id, refund, refund_method, day, device_at, shift_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                r.id.to_string(),
                r.sale_id.to_string(),
                r.store_id.to_string(),
                r.promoter_id.to_string(),
                r.refund,
                r.refund_method,
                r.day,
                r.device_at,
                r.shift_id.map(|s| s.to_string())
            ],
        )?;
        Ok(())
    }

    fn movement(&mut self, m: &NewMovement<'_>) -> LedgerResult<()> {
        self.0
            .prepare_cached(
                "INSERT INTO stock_movements (store_id, sku, kind, quantity, op_id, reason, device_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                m.store_id.to_string(),
                m.sku,
                m.kind,
                m.quantity,
                m.op_id.to_string(),
                m.reason,
                m.device_at
            ])?;
        self.0
            .prepare_cached(
                "INSERT INTO stock_balances (store_id, sku, on_hand) VALUES (?1, ?2, ?3)
                 ON CONFLICT (store_id, sku) DO UPDATE SET on_hand = on_hand + excluded.on_hand",
            )?
            .execute(params![m.store_id.to_string(), m.sku, m.quantity])?;
        Ok(())
    }
    fn on_hand(&mut self, store: Uuid, skus: &[&str]) -> LedgerResult<Vec<i64>> {
        let mut statement =
            self.0.prepare_cached("SELECT on_hand FROM stock_balances WHERE store_id = ?1 AND sku = ?2")?;
        let store = store.to_string();
        let mut balances = Vec::with_capacity(skus.len());
        for sku in skus {
            balances.push(statement.query_row(params![store, sku], |r| r.get(0)).optional()?.unwrap_or(0));
        }
        Ok(balances)
    }

    fn store_exists(&mut self, store: Uuid) -> LedgerResult<bool> {
        Ok(self.0.query_row("SELECT EXISTS (SELECT 1 FROM stores WHERE id = ?1)", [store.to_string()], |r| r.get(0))?)
    }
    fn transfer(&mut self, id: Uuid) -> LedgerResult<Option<TransferRow>> {
        let row: Option<(String, String, String, Option<i64>)> = self
            .0
            .query_row(
                "SELECT from_store, to_store, lines, received_at FROM transfers WHERE id = ?1",
                [id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        row.map(|(from, to, lines, received_at)| {
            Ok(TransferRow {
                from_store: parse_uuid(from)?,
                to_store: parse_uuid(to)?,
                lines: serde_json::from_str(&lines).unwrap_or_default(),
                received_at,
            })
        })
        .transpose()
    }
    fn insert_transfer(&mut self, id: Uuid, from: Uuid, to: Uuid, lines_json: &str, at: i64) -> LedgerResult<()> {
        self.0.execute(
            "INSERT INTO transfers (id, from_store, to_store, lines, sent_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id.to_string(), from.to_string(), to.to_string(), lines_json, at],
        )?;
        Ok(())
    }
    fn mark_received(&mut self, id: Uuid, at: i64) -> LedgerResult<()> {
        self.0.execute("UPDATE transfers SET received_at = ?2 WHERE id = ?1", params![id.to_string(), at])?;
        Ok(())
    }
    fn transfer_wait(&mut self, id: Uuid) -> LedgerResult<Option<(Uuid, i64)>> {
        let row: Option<(String, i64)> = self
            .0
            .query_row("SELECT to_store, device_at FROM transfer_waits WHERE transfer_id = ?1", [id.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        row.map(|(to, at)| Ok((parse_uuid(to)?, at))).transpose()
    }
    fn insert_transfer_wait(&mut self, id: Uuid, to: Uuid, op_id: Uuid, at: i64) -> LedgerResult<bool> {
        Ok(self.0.execute(
            "INSERT INTO transfer_waits (transfer_id, to_store, op_id, device_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (transfer_id) DO NOTHING",
            params![id.to_string(), to.to_string(), op_id.to_string(), at],
        )? == 1)
    }
    fn delete_transfer_wait(&mut self, id: Uuid) -> LedgerResult<()> {
        self.0.execute("DELETE FROM transfer_waits WHERE transfer_id = ?1", [id.to_string()])?;
        Ok(())
    }

    fn shipment(&mut self, id: Uuid) -> LedgerResult<Option<ShipmentRow>> {
        crate::orders::goods_in::shipment(self.0, id).map_err(LedgerError::Storage)
    }
    fn receive_shipment(&mut self, id: Uuid, order: Uuid, counted: &[Counted], by: Uuid, at: i64) -> LedgerResult<()> {
        crate::orders::goods_in::receive(self.0, id, order, counted, by, at).map_err(LedgerError::Storage)
    }
    fn order_receipt_state(&mut self, order: Uuid) -> LedgerResult<Option<OrderReceiptState>> {
        crate::orders::goods_in::state(self.0, order).map_err(LedgerError::Storage)
    }
    fn mark_order(&mut self, order: Uuid, status: OrderStatus, action: &str, by: Uuid, at: i64) -> LedgerResult<()> {
        crate::orders::goods_in::mark(self.0, order, status, action, by, at).map_err(LedgerError::Storage)
    }
    fn sample(&mut self, serial: &str) -> LedgerResult<Option<SampleRow>> {
        let row: Option<(String, String, String)> = self
            .0
            .query_row("SELECT store_id, state, location FROM samples WHERE serial = ?1", [serial], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        row.map(|(store, state, location)| {
            Ok(SampleRow {
                store_id: parse_uuid(store)?,
                state: from_wire_name(&state).unwrap_or(SampleState::Requested),
                location,
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
        self.0.execute(
            "INSERT INTO samples (serial, store_id, sku, state, location, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![serial, store.to_string(), sku, state, location, at],
        )?;
        Ok(())
    }
    fn update_sample(&mut self, serial: &str, state: &str, location: &str, at: i64) -> LedgerResult<()> {
        self.0.execute(
            "UPDATE samples SET state = ?2, location = ?3, updated_at = ?4 WHERE serial = ?1",
            params![serial, state, location, at],
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
        self.0.execute(
            "INSERT INTO sample_history (serial, state, location, user_id, op_id, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![serial, state, location, user.to_string(), op_id.to_string(), at],
        )?;
        Ok(())
    }
    fn store_samples(&mut self, store: Uuid) -> LedgerResult<Vec<(String, String)>> {
        Ok(self
            .0
            .prepare_cached("SELECT serial, state FROM samples WHERE store_id = ?1")?
            .query_map([store.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?)
    }

    fn phone_owner(&mut self, phone: &str) -> LedgerResult<Option<Uuid>> {
        let id: Option<String> = self
            .0
            .prepare_cached("SELECT user_id FROM identities WHERE kind = 'phone' AND value = ?1")?
            .query_row([phone], |r| r.get(0))
            .optional()?;
        id.map(parse_uuid).transpose()
    }
    fn create_customer(&mut self, id: Uuid, display_name: &str, phone: &str, now: i64) -> LedgerResult<()> {
        self.0
            .prepare_cached("INSERT INTO users (id, display_name, role, created_at) VALUES (?1, ?2, 'consumer', ?3)")?
            .execute(params![id.to_string(), display_name, now])?;
        self.0
            .prepare_cached(
                "INSERT INTO identities (kind, value, user_id, verified, linked_at) VALUES ('phone', ?1, ?2, 0, ?3)",
            )?
            .execute(params![phone, id.to_string(), now])?;
        Ok(())
    }
}

type Conn = rusqlite::Connection;

pub fn stock(db: &Conn, store: Uuid) -> DbResult<StockReport> {
    // The ledger is the record: on-hand is summed from the movements, then checked against the
    // running balances the sales read.
    let mut stmt = db.prepare_cached(
        "SELECT m.sku, SUM(m.quantity), COUNT(*), COALESCE(b.on_hand, 0)
         FROM stock_movements m LEFT JOIN stock_balances b ON b.store_id = m.store_id AND b.sku = m.sku
         WHERE m.store_id = ?1 GROUP BY m.sku ORDER BY m.sku",
    )?;
    let rows = stmt
        .query_map([store.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    Ok(reports::stock(store, rows))
}

fn amounts(db: &Conn, sql: &str, args: impl rusqlite::Params) -> DbResult<Vec<AmountByKey>> {
    let mut stmt = db.prepare_cached(sql)?;
    let rows = stmt
        .query_map(args, |r| Ok(AmountByKey { key: r.get(0)?, quantity: r.get(1)?, amount: r.get(2)? }))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Per SKU: on hand when the day starts, units in and out during it, on hand when it ends.
fn day_stock(db: &Conn, store: &str, starts_at: i64) -> DbResult<Vec<DayStock>> {
    let ends_at = starts_at + 86_400;
    let rows = db
        .prepare_cached(
            "SELECT sku,
                    COALESCE(SUM(CASE WHEN device_at < ?2 THEN quantity END), 0),
                    COALESCE(SUM(CASE WHEN device_at >= ?2 AND quantity > 0 THEN quantity END), 0),
                    COALESCE(SUM(CASE WHEN device_at >= ?2 AND quantity < 0 THEN -quantity END), 0)
             FROM stock_movements WHERE store_id = ?1 AND device_at < ?3
             GROUP BY sku ORDER BY sku",
        )?
        .query_map(params![store, starts_at, ends_at], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(reports::day_stock(rows))
}

pub fn day_report(db: &Conn, store: Uuid, day: &str, starts_at: i64) -> DbResult<DayReport> {
    let s = store.to_string();
    let (sales, sales_amount): (u32, i64) = db.query_row(
        "SELECT COUNT(*), COALESCE(SUM(total), 0) FROM sales WHERE store_id = ?1 AND day = ?2",
        params![s, day],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (returns, refunds_amount): (u32, i64) = db.query_row(
        "SELECT COUNT(*), COALESCE(SUM(refund), 0) FROM sale_returns WHERE store_id = ?1 AND day = ?2",
        params![s, day],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let by_product = amounts(
        db,
        "SELECT l.sku, SUM(l.quantity), SUM(l.net) FROM sale_lines l JOIN sales s ON s.id = l.sale_id
         WHERE s.store_id = ?1 AND s.day = ?2 GROUP BY l.sku ORDER BY SUM(l.net) DESC, l.sku",
        params![s, day],
    )?;
    let by_promoter = amounts(
        db,
        "SELECT u.display_name, COUNT(*), SUM(s.total) FROM sales s JOIN users u ON u.id = s.promoter_id
         WHERE s.store_id = ?1 AND s.day = ?2 GROUP BY s.promoter_id ORDER BY SUM(s.total) DESC",
        params![s, day],
    )?;
    let samples_by_state = amounts(
        db,
        "SELECT state, COUNT(*), 0 FROM samples WHERE store_id = ?1 GROUP BY state ORDER BY state",
        params![s],
    )?;
    let outcomes: Vec<String> = db
        .prepare_cached("SELECT outcome FROM store_op_log WHERE store_id = ?1 AND day = ?2")?
        .query_map(params![s, day], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
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

pub fn purchases(db: &Conn, customer: Uuid) -> DbResult<PurchaseList> {
    let mut stmt = db.prepare_cached(
        "SELECT id, store_id, receipt_no, total, device_at FROM sales WHERE customer_id = ?1 ORDER BY device_at DESC LIMIT 200",
    )?;
    let rows: Vec<(String, String, String, i64, i64)> = stmt
        .query_map([customer.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .collect::<Result<_, _>>()?;
    let mut purchases = Vec::new();
    for (id, store, receipt_no, total, device_at) in rows {
        let mut lines_stmt = db.prepare_cached(
            "SELECT sku, quantity, unit_price, discount, serial FROM sale_lines WHERE sale_id = ?1 ORDER BY line",
        )?;
        let lines = lines_stmt
            .query_map([&id], |r| {
                Ok(SaleLine {
                    sku: r.get(0)?,
                    quantity: r.get(1)?,
                    unit_price: r.get(2)?,
                    discount: r.get(3)?,
                    serial: r.get(4)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        purchases.push(Purchase {
            sale_id: id.parse().unwrap_or_default(),
            store_id: store.parse().unwrap_or_default(),
            receipt_no,
            total,
            lines,
            device_at,
        });
    }
    Ok(PurchaseList { purchases })
}

/// Flags raised at a store after a cursor (the log's row number), oldest first; without a cursor,
/// none and where "from now on" starts.
pub fn flags_after(db: &Conn, store: Uuid, after: Option<i64>, limit: u32) -> DbResult<StoreFlagList> {
    let latest: i64 = db.query_row("SELECT COALESCE(MAX(rowid), 0) FROM store_op_log", [], |r| r.get(0))?;
    let Some(after) = after else {
        return Ok(StoreFlagList { store_id: store, events: Vec::new(), cursor: latest, has_more: false });
    };
    let rows = db
        .prepare_cached(
            "SELECT l.rowid, l.op_id, u.display_name, l.outcome, l.device_at
             FROM store_op_log l JOIN users u ON u.id = l.user_id
             WHERE l.store_id = ?1 AND l.rowid > ?2
               AND (json_array_length(l.outcome, '$.flags') > 0 OR json_extract(l.outcome, '$.status') = 'rejected')
             ORDER BY l.rowid LIMIT ?3",
        )?
        .query_map(params![store.to_string(), after, i64::from(limit) + 1], |r| {
            Ok(reports::FlaggedRow {
                seq: r.get(0)?,
                op_id: r.get(1)?,
                by: r.get(2)?,
                outcome: r.get(3)?,
                device_at: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(reports::flag_page(store, after, latest, limit, rows))
}

/// The store's sales with this receipt number, newest first, each as it was made with what has
/// been returned of it since.
pub fn sales_by_receipt(db: &Conn, store: Uuid, receipt_no: &str) -> DbResult<StoreSaleList> {
    let rows: Vec<(String, String, i64, i64, i64, i64)> = db
        .prepare_cached(
            "SELECT id, shift_id, discounts, total, change_given, device_at FROM sales
             WHERE store_id = ?1 AND receipt_no = ?2 ORDER BY device_at DESC LIMIT 20",
        )?
        .query_map(params![store.to_string(), receipt_no], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut sales = Vec::with_capacity(rows.len());
    for (id, shift_id, discounts, total, change, device_at) in rows {
        let sold: Vec<(SaleLine, i64)> = db
            .prepare_cached(
                "SELECT sku, quantity, unit_price, discount, serial, returned FROM sale_lines WHERE sale_id = ?1 ORDER BY line",
            )?
            .query_map([&id], |r| {
                let line = SaleLine {
                    sku: r.get(0)?,
                    quantity: r.get(1)?,
                    unit_price: r.get(2)?,
                    discount: r.get(3)?,
                    serial: r.get(4)?,
                };
                Ok((line, r.get(5)?))
            })?
            .collect::<Result<_, _>>()?;
        let payments = db
            .prepare_cached("SELECT method, amount FROM sale_payments WHERE sale_id = ?1 ORDER BY rowid")?
            .query_map([&id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .filter_map(|(method, amount)| Some(Payment { method: from_wire_name(&method)?, amount }))
            .collect();
        let gifts = db
            .prepare_cached("SELECT sku, quantity FROM sale_gifts WHERE sale_id = ?1 ORDER BY sku")?
            .query_map([&id], |r| Ok(SkuQuantity { sku: r.get(0)?, quantity: r.get(1)? }))?
            .collect::<Result<_, _>>()?;
        let returns: Vec<(String, i64)> = db
            .prepare_cached("SELECT id, refund FROM sale_returns WHERE sale_id = ?1 ORDER BY device_at")?
            .query_map([&id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let sold = reports::SoldSale {
            id,
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
pub fn samples(db: &Conn, store: Uuid) -> DbResult<SampleList> {
    let mut stmt = db.prepare_cached(
        "SELECT serial, sku, state, location, updated_at FROM samples WHERE store_id = ?1 ORDER BY location, serial",
    )?;
    let rows: Vec<(String, String, String, String, i64)> = stmt
        .query_map([store.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .collect::<Result<_, _>>()?;
    let mut history_stmt =
        db.prepare_cached("SELECT state, location, at FROM sample_history WHERE serial = ?1 ORDER BY at, rowid")?;
    let mut samples = Vec::with_capacity(rows.len());
    for row in rows {
        let history =
            history_stmt.query_map([&row.0], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<_, _>>()?;
        samples.extend(reports::sample_unit(row, history));
    }
    Ok(SampleList { store_id: store, samples })
}

/// Transfers in flight to and from a store, and the other stores it can send to.
pub fn transfers(db: &Conn, store: Uuid) -> DbResult<TransferList> {
    let rows = db
        .prepare_cached(
            "SELECT id, from_store, to_store, lines, sent_at FROM transfers
             WHERE (from_store = ?1 OR to_store = ?1) AND received_at IS NULL ORDER BY sent_at",
        )?
        .query_map([store.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .collect::<Result<_, _>>()?;
    let stores = db
        .prepare_cached("SELECT id, code, name, city FROM stores WHERE id <> ?1 ORDER BY code")?
        .query_map([store.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    Ok(reports::transfers(store, rows, stores))
}

/// Every store with a stock ledger, by code, with the SKUs it has on hand (from the running balances).
pub fn skus_in_stock(db: &mut Conn) -> DbResult<Vec<StoreStock>> {
    let rows = db
        .prepare_cached(
            "SELECT s.code, b.sku, b.on_hand > 0 FROM stock_balances b JOIN stores s ON s.id = b.store_id ORDER BY s.code, b.sku",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    Ok(reports::skus_in_stock(rows))
}

#[async_trait]
impl portal_db::StoreOps for SqliteDatabase {
    async fn apply_store_ops(
        &self,
        ops: Vec<(portal_api::StoreOp, OpContext)>,
    ) -> DbResult<Vec<portal_api::OpOutcome>> {
        self.run(move |conn| self::apply_all(conn, &ops)).await
    }

    async fn record_set_aside(&self, records: Vec<portal_db::SetAsideRecord>) -> DbResult<()> {
        self.run(move |conn| self::record_set_aside(conn, &records)).await
    }

    async fn stock(&self, store_id: Uuid) -> DbResult<portal_api::StockReport> {
        self.run(move |conn| self::stock(conn, store_id)).await
    }

    async fn store_on_hand(&self, store_id: Uuid) -> DbResult<Vec<(String, i64)>> {
        self.run(move |conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT sku, on_hand FROM stock_balances WHERE store_id = ?1 AND on_hand > 0 ORDER BY sku",
                )?
                .query_map([store_id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn store_sold(&self, store_id: Uuid, first_day: String, last_day: String) -> DbResult<Vec<(String, i64)>> {
        self.run(move |conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT l.sku, SUM(l.quantity - l.returned) FROM sales s JOIN sale_lines l ON l.sale_id = s.id
                     WHERE s.store_id = ?1 AND s.day >= ?2 AND s.day <= ?3 GROUP BY l.sku ORDER BY l.sku",
                )?
                .query_map(params![store_id.to_string(), first_day, last_day], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn day_report(&self, store_id: Uuid, day: String, starts_at: i64) -> DbResult<portal_api::DayReport> {
        self.run(move |conn| self::day_report(conn, store_id, &day, starts_at)).await
    }

    async fn purchases(&self, customer: Uuid) -> DbResult<portal_api::PurchaseList> {
        self.run(move |conn| self::purchases(conn, customer)).await
    }

    async fn skus_in_stock(&self) -> DbResult<Vec<portal_api::StoreStock>> {
        self.run(self::skus_in_stock).await
    }

    async fn samples(&self, store_id: Uuid) -> DbResult<portal_api::SampleList> {
        self.run(move |conn| self::samples(conn, store_id)).await
    }

    async fn transfers(&self, store_id: Uuid) -> DbResult<portal_api::TransferList> {
        self.run(move |conn| self::transfers(conn, store_id)).await
    }

    async fn flags_after(&self, store_id: Uuid, after: Option<i64>, limit: u32) -> DbResult<portal_api::StoreFlagList> {
        self.run(move |conn| self::flags_after(conn, store_id, after, limit)).await
    }

    async fn sales_by_receipt(&self, store_id: Uuid, receipt_no: String) -> DbResult<portal_api::StoreSaleList> {
        self.run(move |conn| self::sales_by_receipt(conn, store_id, &receipt_no)).await
    }
}
