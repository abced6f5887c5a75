//! Allocation runs and demand plans on PostgreSQL: runs of one SKU wait on a transaction-scoped
//! advisory lock; credit lines and then orders are locked in id order by one statement each, and
//! a run's thousands of lines, orders, steps and notices are written by a few array statements.
use portal_api::{wire_name, AllocationDemand, AllocationGrant, AllocationReport};
use portal_db::engines::allocation::{self, AllocationRows, KeptRun, LineRation, OpenLine, OrderMove};
use portal_distribution::credit::CreditPosition;

use super::orders::Rows;
use super::*;

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn ids(list: &[Uuid]) -> Vec<String> {
    list.iter().map(Uuid::to_string).collect()
}

const OPEN_LINE: &str =
    "SELECT o.id, o.dealer_id, o.status, o.shortfall, o.credit_held, o.placed_at, l.line, l.quantity,
        l.unit_price, l.shipped, l.cancelled, l.allocated
     FROM order_lines l JOIN orders o ON o.id = l.order_id";

/// Orders that may be allocated, and lines that still want units.
const OPEN: &str = "o.status IN ('confirmed', 'allocated', 'partly_shipped')
     AND l.quantity > GREATEST(COALESCE(l.allocated, 0), l.shipped) + l.cancelled";

fn open_line(r: &Row) -> DbResult<OpenLine> {
    Ok(OpenLine {
        order: uuid(r.get(0))?,
        dealer: uuid(r.get(1))?,
        status: wire(r.get(2))?,
        shortfall: wire(r.get(3))?,
        credit_held: r.get(4),
        placed_at: r.get(5),
        line: u(r.get(6)),
        quantity: u(r.get(7)),
        unit_price: r.get(8),
        shipped: u(r.get(9)),
        cancelled: u(r.get(10)),
        allocated: r.get::<_, Option<i32>>(11).map(u),
    })
}

fn grant_of(r: &Row) -> DbResult<AllocationGrant> {
    Ok(AllocationGrant {
        order_id: uuid(r.get(0))?,
        dealer_id: uuid(r.get(1))?,
        wanted: u(r.get(2)),
        granted: u(r.get(3)),
        short: u(r.get(4)),
        short_cancelled: r.get(5),
        priority: u8::try_from(r.get::<_, i32>(6)).unwrap_or(0),
        weight: u64::try_from(r.get::<_, i64>(7)).unwrap_or(0),
        reason: serde_json::from_str(r.get(8)).map_err(|e| DbError::Database(format!("stored reason: {e}")))?,
    })
}

fn pairs(rows: Vec<Row>) -> DbResult<Vec<(Uuid, u64)>> {
    rows.iter().map(|r| Ok((uuid(r.get(0))?, u64::try_from(r.get::<_, i64>(1)).unwrap_or(0)))).collect()
}

impl AllocationRows for Rows<'_, '_> {
    fn lock_sku(&mut self, sku: &str) -> DbResult<()> {
        self.0.tx.execute("SELECT pg_advisory_xact_lock(hashtext('allocation:' || $1))", &[&sku])?;
        Ok(())
    }

    fn kept_run(&mut self, id: Uuid) -> DbResult<Option<KeptRun>> {
        let key = id.to_string();
        let Some(r) = self.0.tx.query_opt(
            "SELECT sku, available, basis, by_user, orders, wanted, granted, at, body_hash
             FROM allocation_runs WHERE id = $1",
            &[&key],
        )?
        else {
            return Ok(None);
        };
        let grants = self
            .0
            .query(
                "SELECT order_id, dealer_id, wanted, granted, short, short_cancelled, priority, weight, reason
                 FROM allocation_grants WHERE run_id = $1 ORDER BY wanted DESC, order_id LIMIT $2",
                &[&key, &(allocation::MAX_GRANTS_SHOWN as i64)],
            )?
            .iter()
            .map(grant_of)
            .collect::<DbResult<Vec<_>>>()?;
        let report = AllocationReport {
            id,
            sku: r.get(0),
            available: u(r.get(1)),
            basis: wire(r.get(2))?,
            by: uuid(r.get(3))?,
            orders: u(r.get(4)),
            wanted: u64::try_from(r.get::<_, i64>(5)).unwrap_or(0),
            granted: u64::try_from(r.get::<_, i64>(6)).unwrap_or(0),
            at: r.get(7),
            grants,
        };
        Ok(Some(KeptRun { body_hash: r.get(8), report }))
    }

    fn open_lines(&mut self, sku: &str, limit: u32) -> DbResult<Vec<OpenLine>> {
        self.0
            .tx
            .query(
                &format!("{OPEN_LINE} WHERE l.sku = $1 AND {OPEN} ORDER BY o.placed_at, o.id LIMIT $2"),
                &[&sku, &i64::from(limit)],
            )?
            .iter()
            .map(open_line)
            .collect()
    }

    fn lock_credits(&mut self, dealers: &[Uuid], at: i64) -> DbResult<Vec<(Uuid, CreditPosition)>> {
        let keys = ids(dealers);
        self.0.tx.execute(
            "INSERT INTO credit_lines (dealer_id, credit_limit, reserved, receivables, updated_at)
             SELECT d, 0, 0, 0, $2 FROM unnest($1::text[]) AS d ORDER BY d ON CONFLICT (dealer_id) DO NOTHING",
            &[&keys, &at],
        )?;
        self.0
            .tx
            .query(
                "SELECT dealer_id, credit_limit, reserved, receivables FROM credit_lines
                 WHERE dealer_id = ANY($1) ORDER BY dealer_id FOR UPDATE",
                &[&keys],
            )?
            .iter()
            .map(|r| {
                Ok((uuid(r.get(0))?, CreditPosition { limit: r.get(1), reserved: r.get(2), receivables: r.get(3) }))
            })
            .collect()
    }

    fn lock_open_lines(&mut self, orders: &[Uuid], sku: &str) -> DbResult<Vec<OpenLine>> {
        let keys = ids(orders);
        self.0.tx.execute("SELECT 1 FROM orders WHERE id = ANY($1) ORDER BY id FOR UPDATE", &[&keys])?;
        self.0
            .tx
            .query(&format!("{OPEN_LINE} WHERE l.order_id = ANY($1) AND l.sku = $2 AND {OPEN}"), &[&keys, &sku])?
            .iter()
            .map(open_line)
            .collect()
    }

    fn dealer_tiers(&mut self, dealers: &[Uuid]) -> DbResult<Vec<(Uuid, String)>> {
        self.0
            .tx
            .query("SELECT dealer_id, tier FROM dealer_tiers WHERE dealer_id = ANY($1)", &[&ids(dealers)])?
            .iter()
            .map(|r| Ok((uuid(r.get(0))?, r.get(1))))
            .collect()
    }

    fn planned_units(&mut self, dealers: &[Uuid], sku: &str, month: i32) -> DbResult<Vec<(Uuid, u64)>> {
        pairs(self.0.tx.query(
            "SELECT dealer_id, quantity::int8 FROM demand_plans WHERE dealer_id = ANY($1) AND sku = $2 AND month = $3",
            &[&ids(dealers), &sku, &month],
        )?)
    }

    fn sold_units(&mut self, dealers: &[Uuid], sku: &str, first: &str, last: &str) -> DbResult<Vec<(Uuid, u64)>> {
        pairs(self.0.tx.query(
            "SELECT ds.dealer_id, SUM(l.quantity - l.returned)::int8
             FROM dealer_stores ds
             JOIN sales s ON s.store_id = ds.store_id AND s.day >= $3 AND s.day <= $4
             JOIN sale_lines l ON l.sale_id = s.id AND l.sku = $2
             WHERE ds.dealer_id = ANY($1)
             GROUP BY ds.dealer_id HAVING SUM(l.quantity - l.returned) > 0",
            &[&ids(dealers), &sku, &first, &last],
        )?)
    }

    fn ration_lines(&mut self, rations: &[LineRation]) -> DbResult<()> {
        let orders: Vec<String> = rations.iter().map(|r| r.order.to_string()).collect();
        let lines: Vec<i32> = rations.iter().map(|r| n(r.line)).collect();
        let allocated: Vec<i32> = rations.iter().map(|r| n(r.allocation.allocated)).collect();
        let kept: Vec<String> = rations.iter().map(|r| json(&r.allocation)).collect();
        let cancel: Vec<i32> = rations.iter().map(|r| n(r.cancel_now)).collect();
        self.0.tx.execute(
            "UPDATE order_lines l SET allocated = x.allocated, allocation = x.kept, cancelled = l.cancelled + x.cancel
             FROM unnest($1::text[], $2::int4[], $3::int4[], $4::text[], $5::int4[]) AS x(order_id, line, allocated, kept, cancel)
             WHERE l.order_id = x.order_id AND l.line = x.line",
            &[&orders, &lines, &allocated, &kept, &cancel],
        )?;
        Ok(())
    }

    fn move_orders(&mut self, moves: &[OrderMove], by: Uuid, at: i64) -> DbResult<()> {
        let orders: Vec<String> = moves.iter().map(|m| m.order.to_string()).collect();
        let statuses: Vec<String> = moves.iter().map(|m| wire_name(&m.status)).collect();
        let held: Vec<i64> = moves.iter().map(|m| m.credit_held).collect();
        let reasons: Vec<&str> = moves.iter().map(|m| m.reason.as_str()).collect();
        self.0.tx.execute(
            "UPDATE orders o SET status = x.status, credit_held = x.held, updated_at = $4
             FROM unnest($1::text[], $2::text[], $3::int8[]) AS x(id, status, held) WHERE o.id = x.id",
            &[&orders, &statuses, &held, &at],
        )?;
        let steps = self.0.tx.query(
            "INSERT INTO order_steps (order_id, seq, status, action, by_user, reason, at)
             SELECT x.id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM order_steps s WHERE s.order_id = x.id), x.status,
                    'allocate', $4, x.reason, $5
             FROM unnest($1::text[], $2::text[], $3::text[]) AS x(id, status, reason)
             RETURNING order_id, seq",
            &[&orders, &statuses, &reasons, &by.to_string(), &at],
        )?;
        let mut fact_keys = Vec::with_capacity(moves.len());
        for r in &steps {
            let (order, seq): (String, i32) = (r.get(0), r.get(1));
            fact_keys.push((order, seq));
        }
        fact_keys.sort();
        let seq_of = |order: &str| {
            fact_keys.binary_search_by(|(o, _)| o.as_str().cmp(order)).map(|i| fact_keys[i].1).unwrap_or(0)
        };
        let dealers: Vec<String> = moves.iter().map(|m| m.dealer.to_string()).collect();
        let keys: Vec<String> =
            moves.iter().map(|m| format!("order:{}:{}", m.order, seq_of(&m.order.to_string()))).collect();
        let title_zh: Vec<&str> = moves.iter().map(|m| m.notice.title_zh.as_str()).collect();
        let title_en: Vec<&str> = moves.iter().map(|m| m.notice.title_en.as_str()).collect();
        let body_zh: Vec<&str> = moves.iter().map(|m| m.notice.body_zh.as_str()).collect();
        let body_en: Vec<&str> = moves.iter().map(|m| m.notice.body_en.as_str()).collect();
        self.0.tx.execute(
            "INSERT INTO inbox_messages (id, user_id, trigger_id, fact_key, kind, title_zh, title_en, body_zh, body_en,
                                         recommendation, models, created_at, fact_at)
             SELECT gen_random_uuid()::text, u.id, $7, x.fact_key, 'order_update', x.title_zh, x.title_en, x.body_zh,
                    x.body_en, $7, '[]', $8, $8
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
                  AS x(dealer, fact_key, title_zh, title_en, body_zh, body_en)
             JOIN users u ON u.dealer_id = x.dealer AND u.role = 'distributor'
             ON CONFLICT (trigger_id, user_id, fact_key) DO NOTHING",
            &[&dealers, &keys, &title_zh, &title_en, &body_zh, &body_en, &Uuid::nil().to_string(), &at],
        )?;
        Ok(())
    }

    fn insert_run(&mut self, report: &AllocationReport, body_hash: &str, grants: &[AllocationGrant]) -> DbResult<()> {
        let id = report.id.to_string();
        self.0.tx.execute(
            "INSERT INTO allocation_runs (id, sku, available, basis, by_user, body_hash, orders, wanted, granted, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                &id,
                &report.sku,
                &n(report.available),
                &wire_name(&report.basis),
                &report.by.to_string(),
                &body_hash,
                &n(report.orders),
                &i64::try_from(report.wanted).unwrap_or(i64::MAX),
                &i64::try_from(report.granted).unwrap_or(i64::MAX),
                &report.at,
            ],
        )?;
        let orders: Vec<String> = grants.iter().map(|g| g.order_id.to_string()).collect();
        let dealers: Vec<String> = grants.iter().map(|g| g.dealer_id.to_string()).collect();
        let wanted: Vec<i32> = grants.iter().map(|g| n(g.wanted)).collect();
        let granted: Vec<i32> = grants.iter().map(|g| n(g.granted)).collect();
        let short: Vec<i32> = grants.iter().map(|g| n(g.short)).collect();
        let cancelled: Vec<bool> = grants.iter().map(|g| g.short_cancelled).collect();
        let priority: Vec<i32> = grants.iter().map(|g| i32::from(g.priority)).collect();
        let weight: Vec<i64> = grants.iter().map(|g| i64::try_from(g.weight).unwrap_or(i64::MAX)).collect();
        let reason: Vec<String> = grants.iter().map(|g| json(&g.reason)).collect();
        self.0.tx.execute(
            "INSERT INTO allocation_grants (run_id, order_id, dealer_id, wanted, granted, short, short_cancelled,
                                            priority, weight, reason)
             SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int4[], $5::int4[], $6::int4[], $7::bool[],
                                      $8::int4[], $9::int8[], $10::text[])",
            &[&id, &orders, &dealers, &wanted, &granted, &short, &cancelled, &priority, &weight, &reason],
        )?;
        Ok(())
    }
}

#[async_trait]
impl Allocations for PostgresDatabase {
    async fn run_allocation(&self, change: AllocationChange) -> DbResult<Result<AllocationReport, AllocationProblem>> {
        self.read_committed(move |tx| allocation::run(&mut Rows::new(tx), &change)).await
    }

    async fn allocation_demand(&self, sku: String) -> DbResult<AllocationDemand> {
        self.run(move |client| {
            let r = client.query_one(
                &format!(
                    "SELECT COUNT(*), COALESCE(SUM(l.quantity - GREATEST(COALESCE(l.allocated, 0), l.shipped) - l.cancelled), 0)::int8
                     FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE l.sku = $1 AND {OPEN}"
                ),
                &[&sku],
            )?;
            let (orders, wanted): (i64, i64) = (r.get(0), r.get(1));
            Ok(AllocationDemand {
                sku,
                orders: u32::try_from(orders).unwrap_or(u32::MAX),
                wanted: u64::try_from(wanted).unwrap_or(0),
            })
        })
        .await
    }

    async fn put_demand_plan(&self, dealer_id: Uuid, entries: Vec<PlannedQuantity>, by: Uuid, at: i64) -> DbResult<()> {
        self.run(move |client| {
            let skus: Vec<&str> = entries.iter().map(|e| e.sku.as_str()).collect();
            let months: Vec<i32> = entries.iter().map(|e| e.month).collect();
            let quantities: Vec<i32> = entries.iter().map(|e| n(e.quantity)).collect();
            client.execute(
                "INSERT INTO demand_plans (dealer_id, sku, month, quantity, by_user, updated_at)
                 SELECT $1, x.sku, x.month, x.quantity, $5, $6
                 FROM unnest($2::text[], $3::int4[], $4::int4[]) AS x(sku, month, quantity)
                 ORDER BY x.sku, x.month
                 ON CONFLICT (dealer_id, sku, month) DO UPDATE
                 SET quantity = excluded.quantity, by_user = excluded.by_user, updated_at = excluded.updated_at",
                &[&dealer_id.to_string(), &skus, &months, &quantities, &by.to_string(), &at],
            )?;
            Ok(())
        })
        .await
    }

    async fn demand_planned(&self, dealer_id: Uuid, from: i32, to: i32) -> DbResult<Vec<PlannedQuantity>> {
        self.run(move |client| {
            Ok(client
                .query(
                    "SELECT sku, month, quantity FROM demand_plans WHERE dealer_id = $1 AND month >= $2 AND month <= $3
                     ORDER BY sku, month",
                    &[&dealer_id.to_string(), &from, &to],
                )?
                .iter()
                .map(|r| PlannedQuantity { sku: r.get(0), month: r.get(1), quantity: u(r.get(2)) })
                .collect())
        })
        .await
    }

    async fn monthly_sold(
        &self,
        dealer_id: Uuid,
        first: String,
        last: String,
        limit: u32,
    ) -> DbResult<Vec<MonthlySold>> {
        self.run(move |client| {
            Ok(client
                .query(
                    "SELECT substr(s.day, 1, 7) AS month, l.sku, SUM(l.quantity - l.returned)::int8
                     FROM dealer_stores ds
                     JOIN sales s ON s.store_id = ds.store_id AND s.day >= $2 AND s.day <= $3
                     JOIN sale_lines l ON l.sale_id = s.id
                     WHERE ds.dealer_id = $1
                     GROUP BY l.sku, month ORDER BY l.sku, month LIMIT $4",
                    &[&dealer_id.to_string(), &first, &last, &i64::from(limit)],
                )?
                .iter()
                .map(|r| MonthlySold { month: r.get(0), sku: r.get(1), units: r.get(2) })
                .collect())
        })
        .await
    }
}
