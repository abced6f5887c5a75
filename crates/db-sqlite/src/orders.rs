//! Dealers' orders and credit on SQLite: one writer at a time (IMMEDIATE transactions), so the
//! engine's locks are the transaction itself.
use portal_api::{
    from_wire_name, wire_name, FundsMovement, Order, OrderLine, OrderStatus, OrderStepRecord, OrderSummary, Shipment,
    ShipmentLine, Shortfall,
};
use portal_db::engines::orders::{self, CreditMovement, LineState, OrderRows};
use portal_distribution::{credit::CreditPosition, credit::LimitProblem, notices::Notice, prices::PackRule};

use super::*;

pub(crate) struct Rows<'a>(pub(crate) &'a rusqlite::Transaction<'a>);

fn status_of(text: String) -> rusqlite::Result<OrderStatus> {
    from_wire_name(&text).ok_or_else(|| rusqlite::Error::InvalidColumnType(0, text, rusqlite::types::Type::Text))
}

fn shortfall_of(text: String) -> rusqlite::Result<Shortfall> {
    from_wire_name(&text).ok_or_else(|| rusqlite::Error::InvalidColumnType(0, text, rusqlite::types::Type::Text))
}

const HEAD: &str =
    "SELECT id, dealer_id, ship_to, status, shortfall, total, credit_held, placed_by, body_hash FROM orders";

fn head_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<OrderHead> {
    Ok(OrderHead {
        id: uuid_of(r.get(0)?)?,
        dealer_id: uuid_of(r.get(1)?)?,
        ship_to: uuid_of(r.get(2)?)?,
        status: status_of(r.get(3)?)?,
        shortfall: shortfall_of(r.get(4)?)?,
        total: r.get(5)?,
        credit_held: r.get(6)?,
        placed_by: uuid_of(r.get(7)?)?,
        body_hash: r.get(8)?,
    })
}

fn position(conn: &Connection, dealer: Uuid) -> DbResult<Option<CreditPosition>> {
    Ok(conn
        .query_row(
            "SELECT credit_limit, reserved, receivables FROM credit_lines WHERE dealer_id = ?1",
            [dealer.to_string()],
            |r| Ok(CreditPosition { limit: r.get(0)?, reserved: r.get(1)?, receivables: r.get(2)? }),
        )
        .optional()?)
}

impl OrderRows for Rows<'_> {
    fn lock_credit(&mut self, dealer: Uuid, at: i64) -> DbResult<CreditPosition> {
        self.0.execute(
            "INSERT INTO credit_lines (dealer_id, credit_limit, reserved, receivables, updated_at)
             VALUES (?1, 0, 0, 0, ?2) ON CONFLICT (dealer_id) DO NOTHING",
            params![dealer.to_string(), at],
        )?;
        position(self.0, dealer)?.ok_or_else(|| DbError::Database(format!("credit line of {dealer} vanished")))
    }

    fn write_credit(&mut self, dealer: Uuid, after: CreditPosition, m: &CreditMovement<'_>) -> DbResult<()> {
        self.0.execute(
            "UPDATE credit_lines SET credit_limit = ?2, reserved = ?3, receivables = ?4, updated_at = ?5
             WHERE dealer_id = ?1",
            params![dealer.to_string(), after.limit, after.reserved, after.receivables, m.at],
        )?;
        self.0.execute(
            "INSERT INTO credit_movements (dealer_id, kind, amount, order_id, by_user, reason, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                dealer.to_string(),
                m.kind,
                m.amount,
                m.order.map(|o| o.to_string()),
                m.by.to_string(),
                m.reason,
                m.at
            ],
        )?;
        Ok(())
    }

    fn order_head(&mut self, id: Uuid, _lock: bool) -> DbResult<Option<OrderHead>> {
        Ok(self.0.query_row(&format!("{HEAD} WHERE id = ?1"), [id.to_string()], head_of).optional()?)
    }

    fn insert_order(&mut self, order: &NewOrder, status: OrderStatus, total: i64, held: i64) -> DbResult<()> {
        self.0.execute(
            "INSERT INTO orders (id, dealer_id, ship_to, status, shortfall, total, credit_held, placed_by, body_hash,
                                 note, placed_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
            params![
                order.id.to_string(),
                order.dealer_id.to_string(),
                order.ship_to.to_string(),
                wire_name(&status),
                wire_name(&order.shortfall),
                total,
                held,
                order.placed_by.to_string(),
                order.body_hash,
                order.note,
                order.at
            ],
        )?;
        let mut stmt = self.0.prepare_cached(
            "INSERT INTO order_lines (order_id, line, sku, quantity, unit_price, list_price, floor, below_floor, special_price)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        for (n, l) in order.lines.iter().enumerate() {
            stmt.execute(params![
                order.id.to_string(),
                n as i64,
                l.sku,
                l.quantity,
                l.unit_price,
                l.list_price,
                l.floor,
                l.below_floor,
                l.special_price
            ])?;
        }
        Ok(())
    }

    fn set_order(&mut self, id: Uuid, status: OrderStatus, held: i64, at: i64) -> DbResult<()> {
        self.0.execute(
            "UPDATE orders SET status = ?2, credit_held = ?3, updated_at = ?4 WHERE id = ?1",
            params![id.to_string(), wire_name(&status), held, at],
        )?;
        Ok(())
    }

    fn add_step(
        &mut self,
        id: Uuid,
        status: OrderStatus,
        action: &str,
        by: Uuid,
        reason: Option<&str>,
        at: i64,
    ) -> DbResult<i64> {
        Ok(self.0.query_row(
            "INSERT INTO order_steps (order_id, seq, status, action, by_user, reason, at)
             VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM order_steps WHERE order_id = ?1), ?2, ?3, ?4, ?5, ?6)
             RETURNING seq",
            params![id.to_string(), wire_name(&status), action, by.to_string(), reason, at],
            |r| r.get(0),
        )?)
    }

    fn tell_dealer(&mut self, dealer: Uuid, fact_key: &str, notice: &Notice, at: i64) -> DbResult<()> {
        let mut stmt =
            self.0.prepare_cached("SELECT id FROM users WHERE dealer_id = ?1 AND role = 'distributor' ORDER BY id")?;
        let people = stmt.query_map([dealer.to_string()], |r| uuid_of(r.get(0)?))?.collect::<Result<Vec<_>, _>>()?;
        let mut insert = self.0.prepare_cached(
            "INSERT INTO inbox_messages (id, user_id, trigger_id, fact_key, kind, title_zh, title_en, body_zh, body_en,
                                         recommendation, models, created_at, fact_at)
             VALUES (?1, ?2, ?3, ?4, 'order_update', ?5, ?6, ?7, ?8, ?3, '[]', ?9, ?9)
             ON CONFLICT (trigger_id, user_id, fact_key) DO NOTHING",
        )?;
        for person in people {
            insert.execute(params![
                Uuid::now_v7().to_string(),
                person.to_string(),
                Uuid::nil().to_string(),
                fact_key,
                notice.title_zh,
                notice.title_en,
                notice.body_zh,
                notice.body_en,
                at
            ])?;
        }
        Ok(())
    }

    fn lines(&mut self, id: Uuid) -> DbResult<Vec<LineState>> {
        let mut stmt = self.0.prepare_cached(
            "SELECT line, sku, quantity, unit_price, shipped, received, cancelled, allocated FROM order_lines
             WHERE order_id = ?1 ORDER BY line",
        )?;
        let rows = stmt.query_map([id.to_string()], |r| {
            Ok(LineState {
                line: r.get(0)?,
                sku: r.get(1)?,
                quantity: r.get(2)?,
                unit_price: r.get(3)?,
                shipped: r.get(4)?,
                received: r.get(5)?,
                cancelled: r.get(6)?,
                allocated: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn waiting_orders(&mut self, dealer: Uuid) -> DbResult<u32> {
        Ok(self.0.query_row(
            "SELECT COUNT(*) FROM orders WHERE dealer_id = ?1 AND status IN ('price_review', 'credit_review')",
            [dealer.to_string()],
            |r| r.get(0),
        )?)
    }

    fn lock_funds(&mut self, dealer: Uuid, at: i64) -> DbResult<FundsPosition> {
        super::funds::lock_funds(self.0, dealer, at)
    }

    fn write_funds(&mut self, dealer: Uuid, after: FundsPosition, movement: &FundsMove<'_>) -> DbResult<()> {
        super::funds::write_funds(self.0, dealer, after, movement)
    }

    fn deposit_booked(&mut self, dealer: Uuid, reference: &str) -> DbResult<Option<i64>> {
        super::funds::deposit_booked(self.0, dealer, reference)
    }

    fn payment_booked(&mut self, dealer: Uuid, reference: &str) -> DbResult<Option<i64>> {
        Ok(self
            .0
            .query_row(
                "SELECT amount FROM credit_movements WHERE dealer_id = ?1 AND kind = 'payment' AND reason = ?2",
                params![dealer.to_string(), reference],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn shipment_of(&mut self, shipment: Uuid) -> DbResult<Option<(Uuid, String)>> {
        Ok(self
            .0
            .query_row("SELECT order_id, lines_hash FROM shipments WHERE id = ?1", [shipment.to_string()], |r| {
                Ok((uuid_of(r.get(0)?)?, r.get(1)?))
            })
            .optional()?)
    }

    fn uncounted_shipments(&mut self, order: Uuid) -> DbResult<u32> {
        Ok(self.0.query_row(
            "SELECT COUNT(*) FROM shipments WHERE order_id = ?1 AND received_at IS NULL",
            [order.to_string()],
            |r| r.get(0),
        )?)
    }

    fn insert_shipment(&mut self, change: &ShipChange, store: Uuid, lines_hash: &str) -> DbResult<()> {
        self.0.execute(
            "INSERT INTO shipments (id, order_id, store_id, shipped_by, shipped_at, lines_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                change.shipment_id.to_string(),
                change.order.to_string(),
                store.to_string(),
                change.by.to_string(),
                change.at,
                lines_hash
            ],
        )?;
        for line in &change.lines {
            self.0.execute(
                "INSERT INTO shipment_lines (shipment_id, sku, quantity) VALUES (?1, ?2, ?3)",
                params![change.shipment_id.to_string(), line.sku, line.quantity],
            )?;
        }
        Ok(())
    }

    fn add_to_line(&mut self, id: Uuid, line: u32, shipped: u32, cancelled: u32) -> DbResult<()> {
        self.0.execute(
            "UPDATE order_lines SET shipped = shipped + ?3, cancelled = cancelled + ?4 WHERE order_id = ?1 AND line = ?2",
            params![id.to_string(), line, shipped, cancelled],
        )?;
        Ok(())
    }
}

/// Shipments by a condition on one key, oldest first, at most `limit`.
fn shipments_where(conn: &Connection, clause: &str, key: &str, limit: u32) -> DbResult<Vec<Shipment>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id, order_id, store_id, shipped_at, received_at FROM shipments WHERE {clause}
         ORDER BY shipped_at, id LIMIT {limit}"
    ))?;
    let mut shipments = stmt
        .query_map([key], |r| {
            Ok(Shipment {
                id: uuid_of(r.get(0)?)?,
                order_id: uuid_of(r.get(1)?)?,
                store_id: uuid_of(r.get(2)?)?,
                lines: vec![],
                shipped_at: r.get(3)?,
                received_at: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut lines = conn.prepare_cached(
        "SELECT sku, quantity, received, damaged FROM shipment_lines WHERE shipment_id = ?1 ORDER BY sku",
    )?;
    for shipment in &mut shipments {
        shipment.lines = lines
            .query_map([shipment.id.to_string()], |r| {
                Ok(ShipmentLine { sku: r.get(0)?, quantity: r.get(1)?, received: r.get(2)?, damaged: r.get(3)? })
            })?
            .collect::<Result<Vec<_>, _>>()?;
    }
    Ok(shipments)
}

fn read_order(conn: &Connection, id: Uuid) -> DbResult<Option<Order>> {
    let key = id.to_string();
    let Some((head, note, placed_at, updated_at)) = conn
        .query_row(
            "SELECT id, dealer_id, ship_to, status, shortfall, total, credit_held, placed_by, body_hash, note,
                    placed_at, updated_at FROM orders WHERE id = ?1",
            [&key],
            |r| Ok((head_of(r)?, r.get::<_, Option<String>>(9)?, r.get(10)?, r.get(11)?)),
        )
        .optional()?
    else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT sku, quantity, unit_price, list_price, floor, below_floor, shipped, received, cancelled, special_price,
                allocation
         FROM order_lines WHERE order_id = ?1 ORDER BY line",
    )?;
    let lines = stmt
        .query_map([&key], |r| {
            Ok(OrderLine {
                sku: r.get(0)?,
                quantity: r.get(1)?,
                unit_price: r.get(2)?,
                list_price: r.get(3)?,
                floor: r.get(4)?,
                special_price: r.get(9)?,
                below_floor: r.get(5)?,
                shipped: r.get(6)?,
                received: r.get(7)?,
                cancelled: r.get(8)?,
                allocation: r.get::<_, Option<String>>(10)?.and_then(|json| serde_json::from_str(&json).ok()),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT s.status, s.action, s.by_user, COALESCE(u.display_name, ''), s.reason, s.at
         FROM order_steps s LEFT JOIN users u ON u.id = s.by_user WHERE s.order_id = ?1 ORDER BY s.seq",
    )?;
    let steps = stmt
        .query_map([&key], |r| {
            Ok(OrderStepRecord {
                status: status_of(r.get(0)?)?,
                action: r.get(1)?,
                by: uuid_of(r.get(2)?)?,
                by_name: r.get(3)?,
                reason: r.get(4)?,
                at: r.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let shipments = shipments_where(conn, "order_id = ?1", &key, 1000)?;
    Ok(Some(Order {
        id: head.id,
        dealer_id: head.dealer_id,
        ship_to: head.ship_to,
        status: head.status,
        shortfall: head.shortfall,
        lines,
        total: head.total,
        credit_held: head.credit_held,
        placed_by: head.placed_by,
        placed_at,
        updated_at,
        note,
        steps,
        shipments,
    }))
}

pub(crate) fn write<T: Send + 'static>(
    db: &SqliteDatabase,
    f: impl FnOnce(&mut Rows<'_>) -> DbResult<T> + Send + 'static,
) -> impl std::future::Future<Output = DbResult<T>> + '_ {
    db.run(move |conn| {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&mut Rows(&tx))?;
        tx.commit()?;
        Ok(out)
    })
}

#[async_trait]
impl Orders for SqliteDatabase {
    async fn place_order(&self, order: NewOrder) -> DbResult<Result<Placed, PlaceRefused>> {
        write(self, move |rows| orders::place(rows, &order)).await
    }

    async fn step_order(&self, change: OrderStepChange) -> DbResult<Result<OrderHead, StepProblem>> {
        write(self, move |rows| orders::step(rows, &change)).await
    }

    async fn ship_order(&self, change: ShipChange) -> DbResult<Result<OrderHead, StepProblem>> {
        write(self, move |rows| orders::ship(rows, &change)).await
    }

    async fn order_head(&self, id: Uuid) -> DbResult<Option<OrderHead>> {
        self.run(move |conn| {
            Ok(conn.query_row(&format!("{HEAD} WHERE id = ?1"), [id.to_string()], head_of).optional()?)
        })
        .await
    }

    async fn order(&self, id: Uuid) -> DbResult<Option<Order>> {
        self.run(move |conn| read_order(conn, id)).await
    }

    async fn order_page(&self, page: OrderPage) -> DbResult<Vec<OrderSummary>> {
        self.run(move |conn| {
            let dealers = page.dealers.map(|d| serde_json::to_string(&d).unwrap_or_default());
            let statuses: Vec<String> = page.statuses.iter().map(wire_name).collect();
            let statuses = (!statuses.is_empty()).then(|| serde_json::to_string(&statuses).unwrap_or_default());
            let (before_at, before_id) = page.before.map_or((None, None), |(at, id)| (Some(at), Some(id.to_string())));
            let order = if page.oldest_first { "o.placed_at, o.id" } else { "o.placed_at DESC, o.id DESC" };
            // Only the filters given, so that the planner uses the index each one has (a
            // catch-all `?1 IS NULL OR …` scans every order of every dealer by time).
            let mut filters = Vec::new();
            let mut values: Vec<rusqlite::types::Value> = Vec::new();
            let mut bind = |value: rusqlite::types::Value| {
                values.push(value);
                values.len()
            };
            if let Some(dealers) = dealers {
                filters.push(format!("o.dealer_id IN (SELECT value FROM json_each(?{}))", bind(dealers.into())));
            }
            if let Some(statuses) = statuses {
                filters.push(format!("o.status IN (SELECT value FROM json_each(?{}))", bind(statuses.into())));
            }
            if let (Some(at), Some(id)) = (before_at, before_id) {
                let (a, i) = (bind(at.into()), bind(id.into()));
                filters.push(format!("(o.placed_at, o.id) < (?{a}, ?{i})"));
            }
            let limit = bind(i64::from(page.limit).into());
            let filter = if filters.is_empty() { String::new() } else { format!("WHERE {}", filters.join(" AND ")) };
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT o.id, o.dealer_id, o.ship_to, o.status, o.total,
                        (SELECT COUNT(*) FROM order_lines l WHERE l.order_id = o.id), o.placed_at, o.updated_at
                 FROM orders o {filter}
                 ORDER BY {order} LIMIT ?{limit}"
            ))?;
            let rows = stmt.query_map(rusqlite::params_from_iter(values), |r| {
                Ok(OrderSummary {
                    id: uuid_of(r.get(0)?)?,
                    dealer_id: uuid_of(r.get(1)?)?,
                    ship_to: uuid_of(r.get(2)?)?,
                    status: status_of(r.get(3)?)?,
                    total: r.get(4)?,
                    line_count: r.get(5)?,
                    placed_at: r.get(6)?,
                    updated_at: r.get(7)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn credit_position(&self, dealer_id: Uuid) -> DbResult<CreditPosition> {
        self.run(move |conn| {
            Ok(position(conn, dealer_id)?.unwrap_or(CreditPosition { limit: 0, reserved: 0, receivables: 0 }))
        })
        .await
    }

    async fn credit_before(&self, dealer_id: Uuid, at: i64) -> DbResult<CreditPosition> {
        self.run(move |conn| {
            Ok(conn.query_row(
                "SELECT COALESCE(SUM(CASE kind WHEN 'reserve' THEN amount WHEN 'release' THEN -amount ELSE 0 END), 0),
       COALESCE(SUM(CASE kind WHEN 'invoice' THEN amount WHEN 'payment' THEN -amount ELSE 0 END), 0),
       COALESCE((SELECT amount FROM credit_movements WHERE dealer_id = ?1 AND kind = 'limit' AND at < ?2
                 ORDER BY at DESC, id DESC LIMIT 1), 0)
FROM credit_movements WHERE dealer_id = ?1 AND at < ?2",
                params![dealer_id.to_string(), at],
                |r| Ok(CreditPosition { reserved: r.get(0)?, receivables: r.get(1)?, limit: r.get(2)? }),
            )?)
        })
        .await
    }

    async fn credit_movements(
        &self,
        dealer_id: Uuid,
        from: i64,
        until: i64,
        limit: u32,
    ) -> DbResult<Vec<CreditMovementRow>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT at, kind, amount, order_id, reason FROM credit_movements
                 WHERE dealer_id = ?1 AND at >= ?2 AND at < ?3 ORDER BY at, id LIMIT ?4",
            )?;
            let rows = stmt.query_map(params![dealer_id.to_string(), from, until, limit], |r| {
                Ok(CreditMovementRow {
                    at: r.get(0)?,
                    kind: r.get(1)?,
                    amount: r.get(2)?,
                    order_id: opt_uuid(r.get(3)?)?,
                    reason: r.get(4)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn record_payment(&self, payment: PaymentChange) -> DbResult<Result<CreditPosition, PaymentProblem>> {
        write(self, move |rows| orders::pay(rows, &payment)).await
    }

    async fn deposit_prepayment(&self, deposit: DepositChange) -> DbResult<Result<FundsPosition, PaymentProblem>> {
        write(self, move |rows| orders::deposit(rows, &deposit)).await
    }

    async fn dealer_funds(&self, dealer_id: Uuid, limit: u32) -> DbResult<(FundsPosition, Vec<FundsMovement>)> {
        self.run(move |conn| super::funds::dealer_funds(conn, dealer_id, limit)).await
    }

    async fn set_credit_limit(&self, change: CreditLimitChange) -> DbResult<Result<CreditPosition, LimitProblem>> {
        write(self, move |rows| orders::set_limit(rows, &change)).await
    }

    async fn expected_shipments(&self, store_id: Uuid) -> DbResult<Vec<Shipment>> {
        self.run(move |conn| shipments_where(conn, "store_id = ?1 AND received_at IS NULL", &store_id.to_string(), 200))
            .await
    }

    async fn shipment(&self, id: Uuid) -> DbResult<Option<Shipment>> {
        self.run(move |conn| Ok(shipments_where(conn, "id = ?1", &id.to_string(), 1)?.pop())).await
    }

    async fn order_totals_since(&self, dealer_id: Uuid, since: i64, limit: u32) -> DbResult<Vec<(i64, i64)>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT placed_at, total FROM orders
                 WHERE dealer_id = ?1 AND placed_at >= ?2 AND status NOT IN ('rejected', 'cancelled')
                 ORDER BY placed_at DESC, id DESC LIMIT ?3",
            )?;
            let rows = stmt.query_map(params![dealer_id.to_string(), since, limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn order_rules(&self, skus: Vec<String>) -> DbResult<Vec<(String, PackRule)>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached("SELECT sku, min_order, case_pack FROM order_rules WHERE sku = ?1")?;
            let mut found = Vec::new();
            for sku in &skus {
                if let Some(rule) = stmt
                    .query_row([sku], |r| Ok((r.get(0)?, PackRule { min_order: r.get(1)?, case_pack: r.get(2)? })))
                    .optional()?
                {
                    found.push(rule);
                }
            }
            Ok(found)
        })
        .await
    }

    async fn put_order_rule(&self, sku: String, rule: PackRule) -> DbResult<()> {
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO order_rules (sku, min_order, case_pack) VALUES (?1, ?2, ?3)
                 ON CONFLICT (sku) DO UPDATE SET min_order = excluded.min_order, case_pack = excluded.case_pack",
                params![sku, rule.min_order, rule.case_pack],
            )?;
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl DealerNetwork for SqliteDatabase {
    async fn set_dealer_links(&self, dealer_id: Uuid, links: portal_api::DealerLinks, at: i64) -> DbResult<()> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let dealer = dealer_id.to_string();
            tx.execute("DELETE FROM dealer_stores WHERE dealer_id = ?1", [&dealer])?;
            for store in &links.store_ids {
                tx.execute(
                    "INSERT OR IGNORE INTO dealer_stores (dealer_id, store_id) VALUES (?1, ?2)",
                    params![dealer, store.to_string()],
                )?;
            }
            match links.manager_id {
                Some(manager) => tx.execute(
                    "INSERT INTO dealer_managers (dealer_id, manager_id, since) VALUES (?1, ?2, ?3)
                     ON CONFLICT (dealer_id) DO UPDATE SET manager_id = excluded.manager_id, since = excluded.since
                     WHERE dealer_managers.manager_id <> excluded.manager_id",
                    params![dealer, manager.to_string(), at],
                )?,
                None => tx.execute("DELETE FROM dealer_managers WHERE dealer_id = ?1", [&dealer])?,
            };
            tx.execute("DELETE FROM dealer_tiers WHERE dealer_id = ?1", [&dealer])?;
            if let Some(tier) = links.tier.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                tx.execute("INSERT INTO dealer_tiers (dealer_id, tier) VALUES (?1, ?2)", params![dealer, tier])?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn dealer_links(&self, dealer_id: Uuid) -> DbResult<portal_api::DealerLinks> {
        self.run(move |conn| {
            let dealer = dealer_id.to_string();
            let mut stmt =
                conn.prepare_cached("SELECT store_id FROM dealer_stores WHERE dealer_id = ?1 ORDER BY store_id")?;
            let store_ids = stmt.query_map([&dealer], |r| uuid_of(r.get(0)?))?.collect::<Result<Vec<_>, _>>()?;
            let manager_id = conn
                .query_row("SELECT manager_id FROM dealer_managers WHERE dealer_id = ?1", [&dealer], |r| {
                    uuid_of(r.get(0)?)
                })
                .optional()?;
            let tier = conn
                .query_row("SELECT tier FROM dealer_tiers WHERE dealer_id = ?1", [&dealer], |r| r.get(0))
                .optional()?;
            Ok(portal_api::DealerLinks { store_ids, manager_id, tier })
        })
        .await
    }

    async fn managed_dealers(&self, manager_id: Uuid) -> DbResult<Vec<Uuid>> {
        self.run(move |conn| {
            let mut stmt =
                conn.prepare_cached("SELECT dealer_id FROM dealer_managers WHERE manager_id = ?1 ORDER BY dealer_id")?;
            let rows = stmt.query_map([manager_id.to_string()], |r| uuid_of(r.get(0)?))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn supplied_stores(&self, dealer_id: Uuid) -> DbResult<Vec<portal_api::Store>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT s.id, s.code, s.name, s.city FROM stores s JOIN dealer_stores d ON d.store_id = s.id
                 WHERE d.dealer_id = ?1 ORDER BY s.code",
            )?;
            let rows = stmt.query_map([dealer_id.to_string()], |r| {
                Ok(portal_api::Store { id: uuid_of(r.get(0)?)?, code: r.get(1)?, name: r.get(2)?, city: r.get(3)? })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }
}

/// Goods-in's rows, for the store ledger (`store_ops::SqliteLedger`).
pub(crate) mod goods_in {
    use portal_db::ledger::{OrderReceiptState, ShipmentRow};
    use portal_distribution::goods_in::Counted;

    use super::*;

    pub fn shipment(tx: &Connection, id: Uuid) -> DbResult<Option<ShipmentRow>> {
        let key = id.to_string();
        let Some((order, store, received_at)) = tx
            .query_row("SELECT order_id, store_id, received_at FROM shipments WHERE id = ?1", [&key], |r| {
                Ok((uuid_of(r.get(0)?)?, uuid_of(r.get(1)?)?, r.get::<_, Option<i64>>(2)?))
            })
            .optional()?
        else {
            return Ok(None);
        };
        let mut stmt =
            tx.prepare_cached("SELECT sku, quantity FROM shipment_lines WHERE shipment_id = ?1 ORDER BY sku")?;
        let lines = stmt
            .query_map([&key], |r| Ok(portal_api::ShipLine { sku: r.get(0)?, quantity: r.get(1)? }))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(ShipmentRow { order_id: order, store_id: store, lines, received: received_at.is_some() }))
    }

    pub fn receive(tx: &Connection, id: Uuid, order: Uuid, counted: &[Counted], by: Uuid, at: i64) -> DbResult<()> {
        let key = id.to_string();
        for line in counted {
            tx.execute(
                "UPDATE shipment_lines SET received = ?3, damaged = ?4 WHERE shipment_id = ?1 AND sku = ?2",
                params![key, line.sku, line.received, line.damaged],
            )?;
            tx.execute(
                "UPDATE order_lines SET received = received + ?3 WHERE order_id = ?1 AND sku = ?2",
                params![order.to_string(), line.sku, line.received],
            )?;
        }
        tx.execute(
            "UPDATE shipments SET received_at = ?2, received_by = ?3 WHERE id = ?1",
            params![key, at, by.to_string()],
        )?;
        Ok(())
    }

    pub fn state(tx: &Connection, order: Uuid) -> DbResult<Option<OrderReceiptState>> {
        Ok(tx
            .query_row(
                "SELECT status, (SELECT COUNT(*) FROM shipments WHERE order_id = ?1 AND received_at IS NULL)
                 FROM orders WHERE id = ?1",
                [order.to_string()],
                |r| Ok(OrderReceiptState { status: status_of(r.get(0)?)?, uncounted: r.get(1)? }),
            )
            .optional()?)
    }

    pub fn mark(
        tx: &rusqlite::Transaction<'_>,
        order: Uuid,
        status: OrderStatus,
        action: &str,
        by: Uuid,
        at: i64,
    ) -> DbResult<()> {
        let (held, dealer): (i64, String) =
            tx.query_row("SELECT credit_held, dealer_id FROM orders WHERE id = ?1", [order.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        let mut rows = Rows(tx);
        rows.set_order(order, status, held, at)?;
        orders::record_step(&mut rows, uuid_of(dealer)?, order, status, action, by, None, at)
    }
}
