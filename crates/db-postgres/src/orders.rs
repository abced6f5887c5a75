//! Dealers' orders and credit on PostgreSQL: READ COMMITTED, the dealer's credit line and then the
//! order locked by row (`FOR UPDATE`), in the order the engine takes them.
use portal_api::{
    wire_name, FundsMovement, Order, OrderLine, OrderStatus, OrderStepRecord, OrderSummary, Shipment, ShipmentLine,
};
use portal_db::engines::orders::{self, CreditMovement, LineState, OrderRows};
use portal_distribution::{credit::CreditPosition, credit::LimitProblem, notices::Notice, prices::PackRule};

use super::*;

/// A transaction that sends each statement prepared once per connection (one round trip, not
/// two) when it has the connection's statements.
pub(crate) struct PTx<'a, 'b> {
    pub(crate) tx: &'a mut Transaction<'b>,
    statements: Option<&'a mut super::Statements>,
}

type Params<'p> = [&'p (dyn ::postgres::types::ToSql + Sync)];

impl PTx<'_, '_> {
    fn statement(&mut self, sql: &'static str) -> Result<::postgres::Statement, ::postgres::Error> {
        match self.statements.as_deref_mut() {
            Some(statements) => super::prepared_once(statements, self.tx, sql),
            None => self.tx.prepare(sql),
        }
    }
    pub(crate) fn execute(&mut self, sql: &'static str, params: &Params<'_>) -> Result<u64, ::postgres::Error> {
        let statement = self.statement(sql)?;
        self.tx.execute(&statement, params)
    }
    pub(crate) fn query(&mut self, sql: &'static str, params: &Params<'_>) -> Result<Vec<Row>, ::postgres::Error> {
        let statement = self.statement(sql)?;
        self.tx.query(&statement, params)
    }
    pub(crate) fn query_one(&mut self, sql: &'static str, params: &Params<'_>) -> Result<Row, ::postgres::Error> {
        let statement = self.statement(sql)?;
        self.tx.query_one(&statement, params)
    }
    pub(crate) fn query_opt(
        &mut self,
        sql: &'static str,
        params: &Params<'_>,
    ) -> Result<Option<Row>, ::postgres::Error> {
        let statement = self.statement(sql)?;
        self.tx.query_opt(&statement, params)
    }
}

pub(crate) struct Rows<'a, 'b>(pub(crate) PTx<'a, 'b>);

impl<'a, 'b> Rows<'a, 'b> {
    pub(crate) fn new(tx: &'a mut Transaction<'b>) -> Self {
        Rows(PTx { tx, statements: None })
    }
    pub(crate) fn prepared(tx: &'a mut Transaction<'b>, statements: &'a mut super::Statements) -> Self {
        Rows(PTx { tx, statements: Some(statements) })
    }
}

const HEAD_BY_ID: &str =
    "SELECT id, dealer_id, ship_to, status, shortfall, total, credit_held, placed_by, body_hash FROM orders WHERE id = $1";
const HEAD_BY_ID_LOCKED: &str =
    "SELECT id, dealer_id, ship_to, status, shortfall, total, credit_held, placed_by, body_hash
     FROM orders WHERE id = $1 FOR UPDATE";

fn head_of(r: &Row) -> DbResult<OrderHead> {
    Ok(OrderHead {
        id: uuid(r.get(0))?,
        dealer_id: uuid(r.get(1))?,
        ship_to: uuid(r.get(2))?,
        status: wire(r.get(3))?,
        shortfall: wire(r.get(4))?,
        total: r.get(5),
        credit_held: r.get(6),
        placed_by: uuid(r.get(7))?,
        body_hash: r.get(8),
    })
}

fn position(client: &mut impl ::postgres::GenericClient, dealer: Uuid, lock: bool) -> DbResult<Option<CreditPosition>> {
    let sql = if lock {
        "SELECT credit_limit, reserved, receivables FROM credit_lines WHERE dealer_id = $1 FOR UPDATE"
    } else {
        "SELECT credit_limit, reserved, receivables FROM credit_lines WHERE dealer_id = $1"
    };
    Ok(client.query_opt(sql, &[&dealer.to_string()])?.map(|r| CreditPosition {
        limit: r.get(0),
        reserved: r.get(1),
        receivables: r.get(2),
    }))
}

impl OrderRows for Rows<'_, '_> {
    fn lock_credit(&mut self, dealer: Uuid, at: i64) -> DbResult<CreditPosition> {
        self.0.execute(
            "INSERT INTO credit_lines (dealer_id, credit_limit, reserved, receivables, updated_at)
             VALUES ($1, 0, 0, 0, $2) ON CONFLICT (dealer_id) DO NOTHING",
            &[&dealer.to_string(), &at],
        )?;
        let r = self.0.query_opt(
            "SELECT credit_limit, reserved, receivables FROM credit_lines WHERE dealer_id = $1 FOR UPDATE",
            &[&dealer.to_string()],
        )?;
        r.map(|r| CreditPosition { limit: r.get(0), reserved: r.get(1), receivables: r.get(2) })
            .ok_or_else(|| DbError::Database(format!("credit line of {dealer} vanished")))
    }

    fn write_credit(&mut self, dealer: Uuid, after: CreditPosition, m: &CreditMovement<'_>) -> DbResult<()> {
        // The balance and its movement in one statement (one round trip).
        self.0.execute(
            "WITH balance AS (
                 UPDATE credit_lines SET credit_limit = $8, reserved = $9, receivables = $10, updated_at = $7
                 WHERE dealer_id = $1
             )
             INSERT INTO credit_movements (dealer_id, kind, amount, order_id, by_user, reason, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &dealer.to_string(),
                &m.kind,
                &m.amount,
                &m.order.map(|o| o.to_string()),
                &m.by.to_string(),
                &m.reason,
                &m.at,
                &after.limit,
                &after.reserved,
                &after.receivables,
            ],
        )?;
        Ok(())
    }

    fn order_head(&mut self, id: Uuid, lock: bool) -> DbResult<Option<OrderHead>> {
        let sql = if lock { HEAD_BY_ID_LOCKED } else { HEAD_BY_ID };
        self.0.query_opt(sql, &[&id.to_string()])?.as_ref().map(head_of).transpose()
    }

    fn insert_order(&mut self, order: &NewOrder, status: OrderStatus, total: i64, held: i64) -> DbResult<()> {
        self.0.execute(
            "INSERT INTO orders (id, dealer_id, ship_to, status, shortfall, total, credit_held, placed_by, body_hash,
                                 note, placed_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
            &[
                &order.id.to_string(),
                &order.dealer_id.to_string(),
                &order.ship_to.to_string(),
                &wire_name(&status),
                &wire_name(&order.shortfall),
                &total,
                &held,
                &order.placed_by.to_string(),
                &order.body_hash,
                &order.note,
                &order.at,
            ],
        )?;
        let id = order.id.to_string();
        let lines: Vec<i32> = (0..order.lines.len() as i32).collect();
        let skus: Vec<&str> = order.lines.iter().map(|l| l.sku.as_str()).collect();
        let quantities: Vec<i32> = order.lines.iter().map(|l| n(l.quantity)).collect();
        let prices: Vec<i64> = order.lines.iter().map(|l| l.unit_price).collect();
        let lists: Vec<i64> = order.lines.iter().map(|l| l.list_price).collect();
        let floors: Vec<Option<i64>> = order.lines.iter().map(|l| l.floor).collect();
        let below: Vec<bool> = order.lines.iter().map(|l| l.below_floor).collect();
        let special: Vec<bool> = order.lines.iter().map(|l| l.special_price).collect();
        self.0.execute(
            "INSERT INTO order_lines (order_id, line, sku, quantity, unit_price, list_price, floor, below_floor, special_price)
             SELECT $1, * FROM unnest($2::int4[], $3::text[], $4::int4[], $5::int8[], $6::int8[], $7::int8[], $8::bool[],
                                      $9::bool[])",
            &[&id, &lines, &skus, &quantities, &prices, &lists, &floors, &below, &special],
        )?;
        Ok(())
    }

    fn set_order(&mut self, id: Uuid, status: OrderStatus, held: i64, at: i64) -> DbResult<()> {
        self.0.execute(
            "UPDATE orders SET status = $2, credit_held = $3, updated_at = $4 WHERE id = $1",
            &[&id.to_string(), &wire_name(&status), &held, &at],
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
        let seq: i32 = self
            .0
            .query_one(
                "INSERT INTO order_steps (order_id, seq, status, action, by_user, reason, at)
                 VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM order_steps WHERE order_id = $1), $2, $3, $4, $5, $6)
                 RETURNING seq",
                &[&id.to_string(), &wire_name(&status), &action, &by.to_string(), &reason, &at],
            )?
            .get(0);
        Ok(i64::from(seq))
    }

    fn tell_dealer(&mut self, dealer: Uuid, fact_key: &str, notice: &Notice, at: i64) -> DbResult<()> {
        // One statement: each of the dealer's distributors gets the message once per fact.
        self.0.execute(
            "INSERT INTO inbox_messages (id, user_id, trigger_id, fact_key, kind, title_zh, title_en, body_zh, body_en,
                                         recommendation, models, created_at, fact_at)
             SELECT gen_random_uuid()::text, u.id, $2, $3, 'order_update', $4, $5, $6, $7, $2, '[]', $8, $8
             FROM users u WHERE u.dealer_id = $1 AND u.role = 'distributor'
             ON CONFLICT (trigger_id, user_id, fact_key) DO NOTHING",
            &[
                &dealer.to_string(),
                &Uuid::nil().to_string(),
                &fact_key,
                &notice.title_zh,
                &notice.title_en,
                &notice.body_zh,
                &notice.body_en,
                &at,
            ],
        )?;
        Ok(())
    }

    fn lines(&mut self, id: Uuid) -> DbResult<Vec<LineState>> {
        Ok(self
            .0
            .query(
                "SELECT line, sku, quantity, unit_price, shipped, received, cancelled, allocated FROM order_lines
                 WHERE order_id = $1 ORDER BY line",
                &[&id.to_string()],
            )?
            .iter()
            .map(|r| LineState {
                line: u(r.get(0)),
                sku: r.get(1),
                quantity: u(r.get(2)),
                unit_price: r.get(3),
                shipped: u(r.get(4)),
                received: u(r.get(5)),
                cancelled: u(r.get(6)),
                allocated: r.get::<_, Option<i32>>(7).map(u),
            })
            .collect())
    }

    fn waiting_orders(&mut self, dealer: Uuid) -> DbResult<u32> {
        let n: i64 = self
            .0
            .query_one(
                "SELECT COUNT(*) FROM orders WHERE dealer_id = $1 AND status IN ('price_review', 'credit_review')",
                &[&dealer.to_string()],
            )?
            .get(0);
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    fn lock_funds(&mut self, dealer: Uuid, at: i64) -> DbResult<FundsPosition> {
        super::funds::lock_funds(self.0.tx, dealer, at)
    }

    fn write_funds(&mut self, dealer: Uuid, after: FundsPosition, movement: &FundsMove<'_>) -> DbResult<()> {
        super::funds::write_funds(self.0.tx, dealer, after, movement)
    }

    fn deposit_booked(&mut self, dealer: Uuid, reference: &str) -> DbResult<Option<i64>> {
        super::funds::deposit_booked(self.0.tx, dealer, reference)
    }

    fn payment_booked(&mut self, dealer: Uuid, reference: &str) -> DbResult<Option<i64>> {
        Ok(self
            .0
            .query_opt(
                "SELECT amount FROM credit_movements WHERE dealer_id = $1 AND kind = 'payment' AND reason = $2",
                &[&dealer.to_string(), &reference],
            )?
            .map(|r| r.get(0)))
    }

    fn shipment_of(&mut self, shipment: Uuid) -> DbResult<Option<(Uuid, String)>> {
        self.0
            .query_opt("SELECT order_id, lines_hash FROM shipments WHERE id = $1", &[&shipment.to_string()])?
            .map(|r| Ok((uuid(r.get(0))?, r.get(1))))
            .transpose()
    }

    fn uncounted_shipments(&mut self, order: Uuid) -> DbResult<u32> {
        let n: i64 = self
            .0
            .query_one(
                "SELECT COUNT(*) FROM shipments WHERE order_id = $1 AND received_at IS NULL",
                &[&order.to_string()],
            )?
            .get(0);
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    fn insert_shipment(&mut self, change: &ShipChange, store: Uuid, lines_hash: &str) -> DbResult<()> {
        let id = change.shipment_id.to_string();
        self.0.execute(
            "INSERT INTO shipments (id, order_id, store_id, shipped_by, shipped_at, lines_hash)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[&id, &change.order.to_string(), &store.to_string(), &change.by.to_string(), &change.at, &lines_hash],
        )?;
        for line in &change.lines {
            self.0.execute(
                "INSERT INTO shipment_lines (shipment_id, sku, quantity) VALUES ($1, $2, $3)",
                &[&id, &line.sku, &n(line.quantity)],
            )?;
        }
        Ok(())
    }

    fn add_to_line(&mut self, id: Uuid, line: u32, shipped: u32, cancelled: u32) -> DbResult<()> {
        self.0.execute(
            "UPDATE order_lines SET shipped = shipped + $3, cancelled = cancelled + $4 WHERE order_id = $1 AND line = $2",
            &[&id.to_string(), &n(line), &n(shipped), &n(cancelled)],
        )?;
        Ok(())
    }
}

/// Shipments by a condition on one key, oldest first, at most `limit`.
fn shipments_where(client: &mut Client, clause: &str, key: &str, limit: u32) -> DbResult<Vec<Shipment>> {
    let rows = client.query(
        &format!(
            "SELECT id, order_id, store_id, shipped_at, received_at FROM shipments WHERE {clause}
             ORDER BY shipped_at, id LIMIT {limit}"
        ),
        &[&key],
    )?;
    let mut shipments = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: String = r.get(0);
        let lines = client
            .query(
                "SELECT sku, quantity, received, damaged FROM shipment_lines WHERE shipment_id = $1 ORDER BY sku",
                &[&id],
            )?
            .iter()
            .map(|l| ShipmentLine { sku: l.get(0), quantity: u(l.get(1)), received: u(l.get(2)), damaged: u(l.get(3)) })
            .collect();
        shipments.push(Shipment {
            id: uuid(&id)?,
            order_id: uuid(r.get(1))?,
            store_id: uuid(r.get(2))?,
            lines,
            shipped_at: r.get(3),
            received_at: r.get(4),
        });
    }
    Ok(shipments)
}

fn read_order(client: &mut Client, id: Uuid) -> DbResult<Option<Order>> {
    let key = id.to_string();
    let Some(row) = client.query_opt(
        "SELECT id, dealer_id, ship_to, status, shortfall, total, credit_held, placed_by, body_hash, note,
                placed_at, updated_at FROM orders WHERE id = $1",
        &[&key],
    )?
    else {
        return Ok(None);
    };
    let head = head_of(&row)?;
    let lines = client
        .query(
            "SELECT sku, quantity, unit_price, list_price, floor, below_floor, shipped, received, cancelled, special_price,
                    allocation
             FROM order_lines WHERE order_id = $1 ORDER BY line",
            &[&key],
        )?
        .iter()
        .map(|r| OrderLine {
            sku: r.get(0),
            quantity: u(r.get(1)),
            unit_price: r.get(2),
            list_price: r.get(3),
            floor: r.get(4),
            special_price: r.get(9),
            below_floor: r.get(5),
            shipped: u(r.get(6)),
            received: u(r.get(7)),
            cancelled: u(r.get(8)),
            allocation: r.get::<_, Option<String>>(10).and_then(|json| serde_json::from_str(&json).ok()),
        })
        .collect();
    let mut steps = Vec::new();
    for r in client.query(
        "SELECT s.status, s.action, s.by_user, COALESCE(u.display_name, ''), s.reason, s.at
         FROM order_steps s LEFT JOIN users u ON u.id = s.by_user WHERE s.order_id = $1 ORDER BY s.seq",
        &[&key],
    )? {
        steps.push(OrderStepRecord {
            status: wire(r.get(0))?,
            action: r.get(1),
            by: uuid(r.get(2))?,
            by_name: r.get(3),
            reason: r.get(4),
            at: r.get(5),
        });
    }
    let shipments = shipments_where(client, "order_id = $1", &key, 1000)?;
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
        placed_at: row.get(10),
        updated_at: row.get(11),
        note: row.get(9),
        steps,
        shipments,
    }))
}

#[async_trait]
impl Orders for PostgresDatabase {
    async fn place_order(&self, order: NewOrder) -> DbResult<Result<Placed, PlaceRefused>> {
        self.read_committed_prepared(move |tx, statements| orders::place(&mut Rows::prepared(tx, statements), &order))
            .await
    }

    async fn step_order(&self, change: OrderStepChange) -> DbResult<Result<OrderHead, StepProblem>> {
        self.read_committed_prepared(move |tx, statements| orders::step(&mut Rows::prepared(tx, statements), &change))
            .await
    }

    async fn ship_order(&self, change: ShipChange) -> DbResult<Result<OrderHead, StepProblem>> {
        self.read_committed_prepared(move |tx, statements| orders::ship(&mut Rows::prepared(tx, statements), &change))
            .await
    }

    async fn order_head(&self, id: Uuid) -> DbResult<Option<OrderHead>> {
        self.run_conn(move |conn| {
            let statement = conn.prepared(HEAD_BY_ID)?;
            conn.client.query_opt(&statement, &[&id.to_string()])?.as_ref().map(head_of).transpose()
        })
        .await
    }

    async fn order(&self, id: Uuid) -> DbResult<Option<Order>> {
        self.run(move |client| read_order(client, id)).await
    }

    async fn order_page(&self, page: OrderPage) -> DbResult<Vec<OrderSummary>> {
        self.run(move |client| {
            let dealers: Option<Vec<String>> = page.dealers.map(|d| d.iter().map(Uuid::to_string).collect());
            let statuses: Vec<String> = page.statuses.iter().map(wire_name).collect();
            let statuses = (!statuses.is_empty()).then_some(statuses);
            let (before_at, before_id) = page.before.map_or((None, None), |(at, id)| (Some(at), Some(id.to_string())));
            let limit = i64::from(page.limit);
            let order = if page.oldest_first { "o.placed_at, o.id" } else { "o.placed_at DESC, o.id DESC" };
            // Only the filters given, so that the planner uses the index each one has (a
            // catch-all `$1 IS NULL OR …` scans every order of every dealer by time).
            let mut filters = Vec::new();
            let mut values: Vec<Box<dyn postgres::types::ToSql + Sync + Send>> = Vec::new();
            if let Some(dealers) = dealers {
                values.push(Box::new(dealers));
                filters.push(format!("o.dealer_id = ANY(${})", values.len()));
            }
            if let Some(statuses) = statuses {
                values.push(Box::new(statuses));
                filters.push(format!("o.status = ANY(${})", values.len()));
            }
            if let (Some(at), Some(id)) = (before_at, before_id) {
                values.push(Box::new(at));
                values.push(Box::new(id));
                filters.push(format!("(o.placed_at, o.id) < (${}, ${}::text)", values.len() - 1, values.len()));
            }
            values.push(Box::new(limit));
            let filter = if filters.is_empty() { String::new() } else { format!("WHERE {}", filters.join(" AND ")) };
            let sql = format!(
                "SELECT o.id, o.dealer_id, o.ship_to, o.status, o.total,
                        (SELECT COUNT(*) FROM order_lines l WHERE l.order_id = o.id), o.placed_at, o.updated_at
                 FROM orders o {filter}
                 ORDER BY {order} LIMIT ${}",
                values.len()
            );
            let params: Vec<&(dyn postgres::types::ToSql + Sync)> =
                values.iter().map(|v| v.as_ref() as &(dyn postgres::types::ToSql + Sync)).collect();
            let mut out = Vec::new();
            for r in client.query(&sql, &params)? {
                out.push(OrderSummary {
                    id: uuid(r.get(0))?,
                    dealer_id: uuid(r.get(1))?,
                    ship_to: uuid(r.get(2))?,
                    status: wire(r.get(3))?,
                    total: r.get(4),
                    line_count: count(&r, 5),
                    placed_at: r.get(6),
                    updated_at: r.get(7),
                });
            }
            Ok(out)
        })
        .await
    }

    async fn credit_position(&self, dealer_id: Uuid) -> DbResult<CreditPosition> {
        self.run(move |client| {
            Ok(position(client, dealer_id, false)?.unwrap_or(CreditPosition { limit: 0, reserved: 0, receivables: 0 }))
        })
        .await
    }

    async fn credit_before(&self, dealer_id: Uuid, at: i64) -> DbResult<CreditPosition> {
        self.run(move |client| {
            let r = client.query_one(
                "SELECT COALESCE(SUM(CASE kind WHEN 'reserve' THEN amount WHEN 'release' THEN -amount ELSE 0 END)::int8, 0),
       COALESCE(SUM(CASE kind WHEN 'invoice' THEN amount WHEN 'payment' THEN -amount ELSE 0 END)::int8, 0),
       COALESCE((SELECT amount FROM credit_movements WHERE dealer_id = $1 AND kind = 'limit' AND at < $2
                 ORDER BY at DESC, id DESC LIMIT 1), 0)
FROM credit_movements WHERE dealer_id = $1 AND at < $2",
                &[&dealer_id.to_string(), &at],
            )?;
            Ok(CreditPosition { reserved: r.get(0), receivables: r.get(1), limit: r.get(2) })
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
        self.run(move |client| {
            client
                .query(
                    "SELECT at, kind, amount, order_id, reason FROM credit_movements
                     WHERE dealer_id = $1 AND at >= $2 AND at < $3 ORDER BY at, id LIMIT $4",
                    &[&dealer_id.to_string(), &from, &until, &i64::from(limit)],
                )?
                .iter()
                .map(|r| {
                    Ok(CreditMovementRow {
                        at: r.get(0),
                        kind: r.get(1),
                        amount: r.get(2),
                        order_id: r.get::<_, Option<String>>(3).map(|s| uuid(&s)).transpose()?,
                        reason: r.get(4),
                    })
                })
                .collect()
        })
        .await
    }

    async fn record_payment(&self, payment: PaymentChange) -> DbResult<Result<CreditPosition, PaymentProblem>> {
        self.read_committed_prepared(move |tx, statements| orders::pay(&mut Rows::prepared(tx, statements), &payment))
            .await
    }

    async fn deposit_prepayment(&self, deposit: DepositChange) -> DbResult<Result<FundsPosition, PaymentProblem>> {
        self.read_committed(move |tx| orders::deposit(&mut Rows::new(tx), &deposit)).await
    }

    async fn dealer_funds(&self, dealer_id: Uuid, limit: u32) -> DbResult<(FundsPosition, Vec<FundsMovement>)> {
        self.run(move |client| super::funds::dealer_funds(client, dealer_id, limit)).await
    }

    async fn set_credit_limit(&self, change: CreditLimitChange) -> DbResult<Result<CreditPosition, LimitProblem>> {
        self.read_committed(move |tx| orders::set_limit(&mut Rows::new(tx), &change)).await
    }

    async fn expected_shipments(&self, store_id: Uuid) -> DbResult<Vec<Shipment>> {
        self.run(move |client| {
            shipments_where(client, "store_id = $1 AND received_at IS NULL", &store_id.to_string(), 200)
        })
        .await
    }

    async fn shipment(&self, id: Uuid) -> DbResult<Option<Shipment>> {
        self.run(move |client| Ok(shipments_where(client, "id = $1", &id.to_string(), 1)?.pop())).await
    }

    async fn order_totals_since(&self, dealer_id: Uuid, since: i64, limit: u32) -> DbResult<Vec<(i64, i64)>> {
        self.run(move |client| {
            Ok(client
                .query(
                    "SELECT placed_at, total FROM orders
                     WHERE dealer_id = $1 AND placed_at >= $2
                       AND status NOT IN ('rejected', 'cancelled')
                     ORDER BY placed_at DESC, id DESC LIMIT $3",
                    &[&dealer_id.to_string(), &since, &i64::from(limit)],
                )?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect())
        })
        .await
    }

    async fn order_rules(&self, skus: Vec<String>) -> DbResult<Vec<(String, PackRule)>> {
        self.run_conn(move |conn| {
            let statement = conn.prepared("SELECT sku, min_order, case_pack FROM order_rules WHERE sku = ANY($1)")?;
            Ok(conn
                .client
                .query(&statement, &[&skus])?
                .iter()
                .map(|r| (r.get(0), PackRule { min_order: u(r.get(1)), case_pack: u(r.get(2)) }))
                .collect())
        })
        .await
    }

    async fn put_order_rule(&self, sku: String, rule: PackRule) -> DbResult<()> {
        self.run(move |client| {
            client.execute(
                "INSERT INTO order_rules (sku, min_order, case_pack) VALUES ($1, $2, $3)
                 ON CONFLICT (sku) DO UPDATE SET min_order = excluded.min_order, case_pack = excluded.case_pack",
                &[&sku, &n(rule.min_order), &n(rule.case_pack)],
            )?;
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl DealerNetwork for PostgresDatabase {
    async fn set_dealer_links(&self, dealer_id: Uuid, links: portal_api::DealerLinks, at: i64) -> DbResult<()> {
        self.read_committed(move |tx| {
            let dealer = dealer_id.to_string();
            // The dealer's row orders two changes of its links.
            tx.execute("SELECT 1 FROM dealers WHERE id = $1 FOR UPDATE", &[&dealer])?;
            tx.execute("DELETE FROM dealer_stores WHERE dealer_id = $1", &[&dealer])?;
            let stores: Vec<String> = links.store_ids.iter().map(Uuid::to_string).collect();
            tx.execute(
                "INSERT INTO dealer_stores (dealer_id, store_id) SELECT $1, s FROM unnest($2::text[]) s
                 ON CONFLICT DO NOTHING",
                &[&dealer, &stores],
            )?;
            match links.manager_id {
                Some(manager) => tx.execute(
                    "INSERT INTO dealer_managers (dealer_id, manager_id, since) VALUES ($1, $2, $3)
                     ON CONFLICT (dealer_id) DO UPDATE SET manager_id = excluded.manager_id, since = excluded.since
                     WHERE dealer_managers.manager_id <> excluded.manager_id",
                    &[&dealer, &manager.to_string(), &at],
                )?,
                None => tx.execute("DELETE FROM dealer_managers WHERE dealer_id = $1", &[&dealer])?,
            };
            tx.execute("DELETE FROM dealer_tiers WHERE dealer_id = $1", &[&dealer])?;
            if let Some(tier) = links.tier.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                tx.execute("INSERT INTO dealer_tiers (dealer_id, tier) VALUES ($1, $2)", &[&dealer, &tier])?;
            }
            Ok(())
        })
        .await
    }

    async fn dealer_links(&self, dealer_id: Uuid) -> DbResult<portal_api::DealerLinks> {
        self.run_conn(move |conn| {
            let statement = conn.prepared(
                "SELECT ARRAY(SELECT store_id FROM dealer_stores WHERE dealer_id = $1 ORDER BY store_id),
                        (SELECT manager_id FROM dealer_managers WHERE dealer_id = $1),
                        (SELECT tier FROM dealer_tiers WHERE dealer_id = $1)",
            )?;
            let r = conn.client.query_one(&statement, &[&dealer_id.to_string()])?;
            let store_ids = r.get::<_, Vec<String>>(0).iter().map(|s| uuid(s)).collect::<DbResult<Vec<_>>>()?;
            let manager_id = r.get::<_, Option<String>>(1).as_deref().map(uuid).transpose()?;
            Ok(portal_api::DealerLinks { store_ids, manager_id, tier: r.get(2) })
        })
        .await
    }

    async fn managed_dealers(&self, manager_id: Uuid) -> DbResult<Vec<Uuid>> {
        self.run(move |client| {
            client
                .query(
                    "SELECT dealer_id FROM dealer_managers WHERE manager_id = $1 ORDER BY dealer_id",
                    &[&manager_id.to_string()],
                )?
                .iter()
                .map(|r| uuid(r.get(0)))
                .collect()
        })
        .await
    }

    async fn supplied_stores(&self, dealer_id: Uuid) -> DbResult<Vec<portal_api::Store>> {
        self.run_conn(move |conn| {
            let statement = conn.prepared(
                "SELECT s.id, s.code, s.name, s.city FROM stores s JOIN dealer_stores d ON d.store_id = s.id
                 WHERE d.dealer_id = $1 ORDER BY s.code",
            )?;
            conn.client
                .query(&statement, &[&dealer_id.to_string()])?
                .iter()
                .map(|r| Ok(portal_api::Store { id: uuid(r.get(0))?, code: r.get(1), name: r.get(2), city: r.get(3) }))
                .collect()
        })
        .await
    }
}

/// Goods-in's rows, for the store ledger (`store_ops::PgLedger`): the shipment and then its order
/// locked by row.
pub(crate) mod goods_in {
    use portal_db::ledger::{OrderReceiptState, ShipmentRow};
    use portal_distribution::goods_in::Counted;

    use super::*;

    pub fn shipment(tx: &mut Transaction<'_>, id: Uuid) -> DbResult<Option<ShipmentRow>> {
        let key = id.to_string();
        let Some(row) =
            tx.query_opt("SELECT order_id, store_id, received_at FROM shipments WHERE id = $1 FOR UPDATE", &[&key])?
        else {
            return Ok(None);
        };
        let lines = tx
            .query("SELECT sku, quantity FROM shipment_lines WHERE shipment_id = $1 ORDER BY sku", &[&key])?
            .iter()
            .map(|r| portal_api::ShipLine { sku: r.get(0), quantity: u(r.get(1)) })
            .collect();
        Ok(Some(ShipmentRow {
            order_id: uuid(row.get(0))?,
            store_id: uuid(row.get(1))?,
            lines,
            received: row.get::<_, Option<i64>>(2).is_some(),
        }))
    }

    pub fn receive(
        tx: &mut Transaction<'_>,
        id: Uuid,
        order: Uuid,
        counted: &[Counted],
        by: Uuid,
        at: i64,
    ) -> DbResult<()> {
        let key = id.to_string();
        for line in counted {
            tx.execute(
                "UPDATE shipment_lines SET received = $3, damaged = $4 WHERE shipment_id = $1 AND sku = $2",
                &[&key, &line.sku, &n(line.received), &n(line.damaged)],
            )?;
            tx.execute(
                "UPDATE order_lines SET received = received + $3 WHERE order_id = $1 AND sku = $2",
                &[&order.to_string(), &line.sku, &n(line.received)],
            )?;
        }
        tx.execute(
            "UPDATE shipments SET received_at = $2, received_by = $3 WHERE id = $1",
            &[&key, &at, &by.to_string()],
        )?;
        Ok(())
    }

    pub fn state(tx: &mut Transaction<'_>, order: Uuid) -> DbResult<Option<OrderReceiptState>> {
        let key = order.to_string();
        let Some(row) = tx.query_opt("SELECT status FROM orders WHERE id = $1 FOR UPDATE", &[&key])? else {
            return Ok(None);
        };
        let uncounted: i64 =
            tx.query_one("SELECT COUNT(*) FROM shipments WHERE order_id = $1 AND received_at IS NULL", &[&key])?.get(0);
        Ok(Some(OrderReceiptState {
            status: wire(row.get(0))?,
            uncounted: u32::try_from(uncounted).unwrap_or(u32::MAX),
        }))
    }

    pub fn mark(
        tx: &mut Transaction<'_>,
        order: Uuid,
        status: OrderStatus,
        action: &str,
        by: Uuid,
        at: i64,
    ) -> DbResult<()> {
        let row = tx.query_one("SELECT credit_held, dealer_id FROM orders WHERE id = $1", &[&order.to_string()])?;
        let (held, dealer): (i64, String) = (row.get(0), row.get(1));
        let mut rows = Rows::new(tx);
        rows.set_order(order, status, held, at)?;
        orders::record_step(&mut rows, uuid(&dealer)?, order, status, action, by, None, at)
    }
}
