//! Allocation runs and demand plans on SQLite: one writer at a time, so a run's locks are its
//! IMMEDIATE transaction; the rows are the orders' (`orders::Rows`).
use portal_api::{wire_name, AllocationDemand, AllocationGrant, AllocationReport};
use portal_db::engines::{
    allocation::{self, AllocationRows, KeptRun, LineRation, OpenLine, OrderMove},
    orders::OrderRows,
};
use portal_distribution::credit::CreditPosition;

use super::orders::{write, Rows};
use super::*;

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn from_json<T: serde::de::DeserializeOwned>(text: String) -> rusqlite::Result<T> {
    serde_json::from_str(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into()))
}

fn wire_of<T: serde::de::DeserializeOwned>(text: String) -> rusqlite::Result<T> {
    portal_api::from_wire_name(&text)
        .ok_or_else(|| rusqlite::Error::InvalidColumnType(0, text, rusqlite::types::Type::Text))
}

const OPEN_LINE: &str =
    "SELECT o.id, o.dealer_id, o.status, o.shortfall, o.credit_held, o.placed_at, l.line, l.quantity,
        l.unit_price, l.shipped, l.cancelled, l.allocated
     FROM order_lines l JOIN orders o ON o.id = l.order_id";

fn open_line(r: &rusqlite::Row<'_>) -> rusqlite::Result<OpenLine> {
    Ok(OpenLine {
        order: uuid_of(r.get(0)?)?,
        dealer: uuid_of(r.get(1)?)?,
        status: wire_of(r.get(2)?)?,
        shortfall: wire_of(r.get(3)?)?,
        credit_held: r.get(4)?,
        placed_at: r.get(5)?,
        line: r.get(6)?,
        quantity: r.get(7)?,
        unit_price: r.get(8)?,
        shipped: r.get(9)?,
        cancelled: r.get(10)?,
        allocated: r.get(11)?,
    })
}

/// Orders that may be allocated, and lines that still want units.
const OPEN: &str = "o.status IN ('confirmed', 'allocated', 'partly_shipped')
     AND l.quantity > MAX(COALESCE(l.allocated, 0), l.shipped) + l.cancelled";

fn grants_of(conn: &Connection, run: &str, limit: u32) -> DbResult<Vec<AllocationGrant>> {
    let mut stmt = conn.prepare_cached(
        "SELECT order_id, dealer_id, wanted, granted, short, short_cancelled, priority, weight, reason
         FROM allocation_grants WHERE run_id = ?1 ORDER BY wanted DESC, order_id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![run, limit], |r| {
        Ok(AllocationGrant {
            order_id: uuid_of(r.get(0)?)?,
            dealer_id: uuid_of(r.get(1)?)?,
            wanted: r.get(2)?,
            granted: r.get(3)?,
            short: r.get(4)?,
            short_cancelled: r.get(5)?,
            priority: r.get(6)?,
            weight: u64::try_from(r.get::<_, i64>(7)?).unwrap_or(0),
            reason: from_json(r.get(8)?)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

impl AllocationRows for Rows<'_> {
    fn lock_sku(&mut self, _sku: &str) -> DbResult<()> {
        Ok(())
    }

    fn kept_run(&mut self, id: Uuid) -> DbResult<Option<KeptRun>> {
        let key = id.to_string();
        let Some((body_hash, mut report)) = self
            .0
            .query_row(
                "SELECT sku, available, basis, by_user, orders, wanted, granted, at, body_hash
                 FROM allocation_runs WHERE id = ?1",
                [&key],
                |r| {
                    Ok((
                        r.get::<_, String>(8)?,
                        AllocationReport {
                            id,
                            sku: r.get(0)?,
                            available: r.get(1)?,
                            basis: wire_of(r.get(2)?)?,
                            by: uuid_of(r.get(3)?)?,
                            orders: r.get(4)?,
                            wanted: u64::try_from(r.get::<_, i64>(5)?).unwrap_or(0),
                            granted: u64::try_from(r.get::<_, i64>(6)?).unwrap_or(0),
                            at: r.get(7)?,
                            grants: Vec::new(),
                        },
                    ))
                },
            )
            .optional()?
        else {
            return Ok(None);
        };
        report.grants = grants_of(self.0, &key, allocation::MAX_GRANTS_SHOWN as u32)?;
        Ok(Some(KeptRun { body_hash, report }))
    }

    fn open_lines(&mut self, sku: &str, limit: u32) -> DbResult<Vec<OpenLine>> {
        let mut stmt = self
            .0
            .prepare_cached(&format!("{OPEN_LINE} WHERE l.sku = ?1 AND {OPEN} ORDER BY o.placed_at, o.id LIMIT ?2"))?;
        let rows = stmt.query_map(params![sku, limit], open_line)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn lock_credits(&mut self, dealers: &[Uuid], at: i64) -> DbResult<Vec<(Uuid, CreditPosition)>> {
        dealers.iter().map(|&d| Ok((d, self.lock_credit(d, at)?))).collect()
    }

    fn lock_open_lines(&mut self, orders: &[Uuid], sku: &str) -> DbResult<Vec<OpenLine>> {
        let mut stmt =
            self.0.prepare_cached(&format!("{OPEN_LINE} WHERE l.order_id = ?1 AND l.sku = ?2 AND {OPEN}"))?;
        let mut lines = Vec::with_capacity(orders.len());
        for order in orders {
            if let Some(line) = stmt.query_row(params![order.to_string(), sku], open_line).optional()? {
                lines.push(line);
            }
        }
        Ok(lines)
    }

    fn dealer_tiers(&mut self, dealers: &[Uuid]) -> DbResult<Vec<(Uuid, String)>> {
        let mut stmt = self.0.prepare_cached("SELECT tier FROM dealer_tiers WHERE dealer_id = ?1")?;
        let mut tiers = Vec::new();
        for dealer in dealers {
            if let Some(tier) = stmt.query_row([dealer.to_string()], |r| r.get::<_, String>(0)).optional()? {
                tiers.push((*dealer, tier));
            }
        }
        Ok(tiers)
    }

    fn planned_units(&mut self, dealers: &[Uuid], sku: &str, month: i32) -> DbResult<Vec<(Uuid, u64)>> {
        let mut stmt = self
            .0
            .prepare_cached("SELECT quantity FROM demand_plans WHERE dealer_id = ?1 AND sku = ?2 AND month = ?3")?;
        let mut planned = Vec::new();
        for dealer in dealers {
            if let Some(units) =
                stmt.query_row(params![dealer.to_string(), sku, month], |r| r.get::<_, i64>(0)).optional()?
            {
                planned.push((*dealer, u64::try_from(units).unwrap_or(0)));
            }
        }
        Ok(planned)
    }

    fn sold_units(&mut self, dealers: &[Uuid], sku: &str, first: &str, last: &str) -> DbResult<Vec<(Uuid, u64)>> {
        let mut stmt = self.0.prepare_cached(
            "SELECT COALESCE(SUM(l.quantity - l.returned), 0)
             FROM dealer_stores ds
             JOIN sales s ON s.store_id = ds.store_id AND s.day >= ?3 AND s.day <= ?4
             JOIN sale_lines l ON l.sale_id = s.id AND l.sku = ?2
             WHERE ds.dealer_id = ?1",
        )?;
        let mut sold = Vec::new();
        for dealer in dealers {
            let units: i64 = stmt.query_row(params![dealer.to_string(), sku, first, last], |r| r.get(0))?;
            if units > 0 {
                sold.push((*dealer, units as u64));
            }
        }
        Ok(sold)
    }

    fn ration_lines(&mut self, rations: &[LineRation]) -> DbResult<()> {
        let mut stmt = self.0.prepare_cached(
            "UPDATE order_lines SET allocated = ?3, allocation = ?4, cancelled = cancelled + ?5
             WHERE order_id = ?1 AND line = ?2",
        )?;
        for r in rations {
            stmt.execute(params![
                r.order.to_string(),
                r.line,
                r.allocation.allocated,
                json(&r.allocation),
                r.cancel_now
            ])?;
        }
        Ok(())
    }

    fn move_orders(&mut self, moves: &[OrderMove], by: Uuid, at: i64) -> DbResult<()> {
        for m in moves {
            self.set_order(m.order, m.status, m.credit_held, at)?;
            let seq = self.add_step(m.order, m.status, "allocate", by, Some(&m.reason), at)?;
            self.tell_dealer(m.dealer, &format!("order:{}:{seq}", m.order), &m.notice, at)?;
        }
        Ok(())
    }

    fn insert_run(&mut self, report: &AllocationReport, body_hash: &str, grants: &[AllocationGrant]) -> DbResult<()> {
        let id = report.id.to_string();
        self.0.execute(
            "INSERT INTO allocation_runs (id, sku, available, basis, by_user, body_hash, orders, wanted, granted, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                id,
                report.sku,
                report.available,
                wire_name(&report.basis),
                report.by.to_string(),
                body_hash,
                report.orders,
                i64::try_from(report.wanted).unwrap_or(i64::MAX),
                i64::try_from(report.granted).unwrap_or(i64::MAX),
                report.at
            ],
        )?;
        let mut stmt = self.0.prepare_cached(
            "INSERT INTO allocation_grants (run_id, order_id, dealer_id, wanted, granted, short, short_cancelled,
                                            priority, weight, reason)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        for g in grants {
            stmt.execute(params![
                id,
                g.order_id.to_string(),
                g.dealer_id.to_string(),
                g.wanted,
                g.granted,
                g.short,
                g.short_cancelled,
                g.priority,
                i64::try_from(g.weight).unwrap_or(i64::MAX),
                json(&g.reason)
            ])?;
        }
        Ok(())
    }
}

#[async_trait]
impl Allocations for SqliteDatabase {
    async fn run_allocation(&self, change: AllocationChange) -> DbResult<Result<AllocationReport, AllocationProblem>> {
        write(self, move |rows| allocation::run(rows, &change)).await
    }

    async fn allocation_demand(&self, sku: String) -> DbResult<AllocationDemand> {
        self.run(move |conn| {
            let (orders, wanted): (u32, i64) = conn.query_row(
                &format!(
                    "SELECT COUNT(*), COALESCE(SUM(l.quantity - MAX(COALESCE(l.allocated, 0), l.shipped) - l.cancelled), 0)
                     FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE l.sku = ?1 AND {OPEN}"
                ),
                [&sku],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            Ok(AllocationDemand { sku, orders, wanted: u64::try_from(wanted).unwrap_or(0) })
        })
        .await
    }

    async fn put_demand_plan(&self, dealer_id: Uuid, entries: Vec<PlannedQuantity>, by: Uuid, at: i64) -> DbResult<()> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT INTO demand_plans (dealer_id, sku, month, quantity, by_user, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (dealer_id, sku, month) DO UPDATE
                     SET quantity = excluded.quantity, by_user = excluded.by_user, updated_at = excluded.updated_at",
                )?;
                for e in &entries {
                    stmt.execute(params![dealer_id.to_string(), e.sku, e.month, e.quantity, by.to_string(), at])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn demand_planned(&self, dealer_id: Uuid, from: i32, to: i32) -> DbResult<Vec<PlannedQuantity>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT sku, month, quantity FROM demand_plans WHERE dealer_id = ?1 AND month >= ?2 AND month <= ?3
                 ORDER BY sku, month",
            )?;
            let rows = stmt.query_map(params![dealer_id.to_string(), from, to], |r| {
                Ok(PlannedQuantity { sku: r.get(0)?, month: r.get(1)?, quantity: r.get(2)? })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
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
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT substr(s.day, 1, 7) AS month, l.sku, SUM(l.quantity - l.returned)
                 FROM dealer_stores ds
                 JOIN sales s ON s.store_id = ds.store_id AND s.day >= ?2 AND s.day <= ?3
                 JOIN sale_lines l ON l.sale_id = s.id
                 WHERE ds.dealer_id = ?1
                 GROUP BY l.sku, month ORDER BY l.sku, month LIMIT ?4",
            )?;
            let rows = stmt.query_map(params![dealer_id.to_string(), first, last, limit], |r| {
                Ok(MonthlySold { month: r.get(0)?, sku: r.get(1)?, units: r.get(2)? })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }
}
