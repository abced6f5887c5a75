//! Rebates on PostgreSQL.
use portal_api::RebateRuleView;
use portal_db::{FlowSpan, RebateCreditRow};
use portal_distribution::rebates::SkuFlow;

use super::*;

fn credit_of(r: &Row) -> DbResult<RebateCreditRow> {
    Ok(RebateCreditRow {
        dealer_id: uuid(r.get(0))?,
        rule_id: uuid(r.get(1))?,
        period: r.get(2),
        sell_in: r.get(3),
        sell_through: r.get(4),
        basis: r.get(5),
        tier: r.get::<_, Option<i32>>(6).map(|t| t.max(0) as u32),
        amount: r.get(7),
        settled_at: r.get(8),
    })
}

#[async_trait]
impl Rebates for PostgresDatabase {
    async fn put_rebate_rule(&self, rule: RebateRuleView, by: Uuid, at: i64) -> DbResult<bool> {
        let body = serde_json::to_string(&rule).map_err(|e| DbError::Database(e.to_string()))?;
        self.run(move |client| {
            Ok(client.execute(
                "INSERT INTO rebate_rules (id, name, body, created_by, created_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT DO NOTHING",
                &[&rule.id.to_string(), &rule.name, &body, &by.to_string(), &at],
            )? == 1)
        })
        .await
    }

    async fn rebate_rules(&self, limit: u32) -> DbResult<Vec<RebateRuleView>> {
        self.run(move |client| {
            client
                .query("SELECT body FROM rebate_rules ORDER BY created_at, id LIMIT $1", &[&i64::from(limit)])?
                .iter()
                .map(|r| {
                    serde_json::from_str(r.get(0)).map_err(|e| DbError::Database(format!("a stored rebate rule: {e}")))
                })
                .collect()
        })
        .await
    }

    async fn dealer_flows(&self, dealer_id: Uuid, span: FlowSpan) -> DbResult<Vec<SkuFlow>> {
        self.run(move |client| {
            Ok(client
                .query(
                    "WITH delivered AS (
                        SELECT sl.sku AS sku, SUM(sl.received)::int8 AS units, SUM(sl.received * ol.unit_price)::int8 AS value
                        FROM orders o
                        JOIN shipments s ON s.order_id = o.id
                        JOIN shipment_lines sl ON sl.shipment_id = s.id
                        JOIN order_lines ol ON ol.order_id = o.id AND ol.sku = sl.sku
                        WHERE o.dealer_id = $1 AND s.received_at >= $2 AND s.received_at < $3
                        GROUP BY sl.sku
                    ), sold AS (
                        SELECT l.sku AS sku, SUM(l.quantity - l.returned)::int8 AS units
                        FROM dealer_stores ds
                        JOIN sales s ON s.store_id = ds.store_id AND s.day >= $4 AND s.day <= $5
                        JOIN sale_lines l ON l.sale_id = s.id
                        WHERE ds.dealer_id = $1 AND l.sku IN (SELECT sku FROM delivered)
                        GROUP BY l.sku
                    )
                    SELECT d.sku, d.units, d.value, COALESCE(sold.units, 0)
                    FROM delivered d LEFT JOIN sold ON sold.sku = d.sku
                    ORDER BY d.sku",
                    &[&dealer_id.to_string(), &span.from_at, &span.until_at, &span.first_day, &span.last_day],
                )?
                .iter()
                .map(|r| SkuFlow { sku: r.get(0), delivered_units: r.get(1), delivered_value: r.get(2), sold_units: r.get(3) })
                .collect())
        })
        .await
    }

    async fn credited_basis(&self, dealer_id: Uuid, rule_id: Uuid, except: String) -> DbResult<i64> {
        self.run(move |client| {
            Ok(client
                .query_one(
                    "SELECT COALESCE(SUM(basis), 0)::int8 FROM rebate_credits
                     WHERE dealer_id = $1 AND rule_id = $2 AND period <> $3",
                    &[&dealer_id.to_string(), &rule_id.to_string(), &except],
                )?
                .get(0))
        })
        .await
    }

    async fn settle_rebate(&self, c: RebateCreditRow) -> DbResult<bool> {
        self.read_committed(move |tx| {
            let tier = c.tier.map(|t| t as i32);
            let booked = tx.execute(
                "INSERT INTO rebate_credits (dealer_id, rule_id, period, sell_in, sell_through, basis, tier, amount, settled_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
                &[
                    &c.dealer_id.to_string(),
                    &c.rule_id.to_string(),
                    &c.period,
                    &c.sell_in,
                    &c.sell_through,
                    &c.basis,
                    &tier,
                    &c.amount,
                    &c.settled_at,
                ],
            )? == 1;
            if booked {
                let reference = format!("rebate:{}:{}", c.rule_id, c.period);
                let mut rows = super::orders::Rows::new(tx);
                portal_db::engines::orders::credit_rebate(&mut rows, c.dealer_id, c.amount, &reference, c.settled_at)?;
            }
            Ok(booked)
        })
        .await
    }

    async fn rebate_credits(&self, dealer_id: Uuid, limit: u32) -> DbResult<Vec<RebateCreditRow>> {
        self.run(move |client| {
            client
                .query(
                    "SELECT dealer_id, rule_id, period, sell_in, sell_through, basis, tier, amount, settled_at
                     FROM rebate_credits WHERE dealer_id = $1 ORDER BY settled_at DESC, period DESC LIMIT $2",
                    &[&dealer_id.to_string(), &i64::from(limit)],
                )?
                .iter()
                .map(credit_of)
                .collect()
        })
        .await
    }

    async fn supplying_dealers(&self, after: Option<Uuid>, limit: u32) -> DbResult<Vec<Uuid>> {
        self.run(move |client| {
            client
                .query(
                    "SELECT DISTINCT dealer_id FROM dealer_stores WHERE dealer_id > $1 ORDER BY dealer_id LIMIT $2",
                    &[&after.map(|a| a.to_string()).unwrap_or_default(), &i64::from(limit)],
                )?
                .iter()
                .map(|r| uuid(r.get(0)))
                .collect()
        })
        .await
    }
}
