//! Rebates on SQLite.
use portal_api::RebateRuleView;
use portal_db::{FlowSpan, RebateCreditRow};
use portal_distribution::rebates::SkuFlow;

use super::*;

fn credit_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<RebateCreditRow> {
    Ok(RebateCreditRow {
        dealer_id: uuid_of(r.get(0)?)?,
        rule_id: uuid_of(r.get(1)?)?,
        period: r.get(2)?,
        sell_in: r.get(3)?,
        sell_through: r.get(4)?,
        basis: r.get(5)?,
        tier: r.get(6)?,
        amount: r.get(7)?,
        settled_at: r.get(8)?,
    })
}

#[async_trait]
impl Rebates for SqliteDatabase {
    async fn put_rebate_rule(&self, rule: RebateRuleView, by: Uuid, at: i64) -> DbResult<bool> {
        self.run(move |conn| {
            let body = serde_json::to_string(&rule).map_err(|e| DbError::Database(e.to_string()))?;
            Ok(conn.execute(
                "INSERT INTO rebate_rules (id, name, body, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT DO NOTHING",
                params![rule.id.to_string(), rule.name, body, by.to_string(), at],
            )? == 1)
        })
        .await
    }

    async fn rebate_rules(&self, limit: u32) -> DbResult<Vec<RebateRuleView>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached("SELECT body FROM rebate_rules ORDER BY created_at, id LIMIT ?1")?;
            let bodies = stmt.query_map([limit], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
            bodies
                .iter()
                .map(|b| serde_json::from_str(b).map_err(|e| DbError::Database(format!("a stored rebate rule: {e}"))))
                .collect()
        })
        .await
    }

    async fn dealer_flows(&self, dealer_id: Uuid, span: FlowSpan) -> DbResult<Vec<SkuFlow>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "WITH delivered AS (
                    SELECT sl.sku AS sku, SUM(sl.received) AS units, SUM(sl.received * ol.unit_price) AS value
                    FROM orders o
                    JOIN shipments s ON s.order_id = o.id
                    JOIN shipment_lines sl ON sl.shipment_id = s.id
                    JOIN order_lines ol ON ol.order_id = o.id AND ol.sku = sl.sku
                    WHERE o.dealer_id = ?1 AND s.received_at >= ?2 AND s.received_at < ?3
                    GROUP BY sl.sku
                ), sold AS (
                    SELECT l.sku AS sku, SUM(l.quantity - l.returned) AS units
                    FROM dealer_stores ds
                    JOIN sales s ON s.store_id = ds.store_id AND s.day >= ?4 AND s.day <= ?5
                    JOIN sale_lines l ON l.sale_id = s.id
                    WHERE ds.dealer_id = ?1 AND l.sku IN (SELECT sku FROM delivered)
                    GROUP BY l.sku
                )
                SELECT d.sku, d.units, d.value, COALESCE(sold.units, 0)
                FROM delivered d LEFT JOIN sold ON sold.sku = d.sku
                ORDER BY d.sku",
            )?;
            let rows = stmt.query_map(
                params![dealer_id.to_string(), span.from_at, span.until_at, span.first_day, span.last_day],
                |r| {
                    Ok(SkuFlow {
                        sku: r.get(0)?,
                        delivered_units: r.get(1)?,
                        delivered_value: r.get(2)?,
                        sold_units: r.get(3)?,
                    })
                },
            )?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn credited_basis(&self, dealer_id: Uuid, rule_id: Uuid, except: String) -> DbResult<i64> {
        self.run(move |conn| {
            Ok(conn.query_row(
                "SELECT COALESCE(SUM(basis), 0) FROM rebate_credits WHERE dealer_id = ?1 AND rule_id = ?2 AND period <> ?3",
                params![dealer_id.to_string(), rule_id.to_string(), except],
                |r| r.get(0),
            )?)
        })
        .await
    }

    async fn settle_rebate(&self, c: RebateCreditRow) -> DbResult<bool> {
        super::orders::write(self, move |rows| {
            let booked = rows.0.execute(
                "INSERT INTO rebate_credits (dealer_id, rule_id, period, sell_in, sell_through, basis, tier, amount, settled_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT DO NOTHING",
                params![
                    c.dealer_id.to_string(),
                    c.rule_id.to_string(),
                    c.period,
                    c.sell_in,
                    c.sell_through,
                    c.basis,
                    c.tier,
                    c.amount,
                    c.settled_at
                ],
            )? == 1;
            if booked {
                let reference = format!("rebate:{}:{}", c.rule_id, c.period);
                portal_db::engines::orders::credit_rebate(rows, c.dealer_id, c.amount, &reference, c.settled_at)?;
            }
            Ok(booked)
        })
        .await
    }

    async fn rebate_credits(&self, dealer_id: Uuid, limit: u32) -> DbResult<Vec<RebateCreditRow>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT dealer_id, rule_id, period, sell_in, sell_through, basis, tier, amount, settled_at
                 FROM rebate_credits WHERE dealer_id = ?1 ORDER BY settled_at DESC, period DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![dealer_id.to_string(), limit], credit_of)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn supplying_dealers(&self, after: Option<Uuid>, limit: u32) -> DbResult<Vec<Uuid>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT DISTINCT dealer_id FROM dealer_stores WHERE dealer_id > ?1 ORDER BY dealer_id LIMIT ?2",
            )?;
            let rows = stmt
                .query_map(params![after.map(|a| a.to_string()).unwrap_or_default(), limit], |r| uuid_of(r.get(0)?))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }
}
