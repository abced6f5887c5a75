//! Dealer price lists on PostgreSQL: a change locks its scopes and SKUs (advisory locks, in
//! order) and runs READ COMMITTED, so two changes to one key see each other's rows.
use portal_db::engines::price_lists::{self, PriceKey, PriceListRows};
use portal_distribution::prices::{PriceEntry, PriceScope};

use super::*;

/// The advisory lock space of price-list keys.
const PRICE_KEY_LOCKS: i32 = 104;

/// Price lists' rows in a PostgreSQL transaction.
struct PgRows<'a, 'b>(&'a mut Transaction<'b>);

fn entry_of(row: &postgres::Row) -> DbResult<PriceEntry> {
    let (kind, key): (String, String) = (row.get(0), row.get(1));
    Ok(PriceEntry {
        scope: scope_of(&kind, &key)?,
        sku: row.get(2),
        price: row.get(3),
        floor: row.get(4),
        valid_from: row.get(5),
        valid_until: row.get(6),
    })
}

impl PriceListRows for PgRows<'_, '_> {
    fn end_entry(&mut self, key: &PriceKey, valid_from: i32, until: i32) -> DbResult<()> {
        let (kind, scope_key) = scope_columns(&key.0);
        self.0.execute(
            "UPDATE price_entries SET valid_until = $5
             WHERE scope_kind = $1 AND scope_key = $2 AND sku = $3 AND valid_from = $4 AND valid_until IS NULL",
            &[&kind, &scope_key, &key.1, &valid_from, &until],
        )?;
        Ok(())
    }

    fn lock_keys(&mut self, keys: &[PriceKey]) -> DbResult<()> {
        for (scope, sku) in keys {
            let (kind, key) = scope_columns(scope);
            self.0.execute(
                "SELECT pg_advisory_xact_lock($1::int4, hashtext($2))::text",
                &[&PRICE_KEY_LOCKS, &format!("{kind}\u{1f}{key}\u{1f}{sku}")],
            )?;
        }
        Ok(())
    }

    fn kept_entries(&mut self, key: &PriceKey) -> DbResult<Vec<PriceEntry>> {
        let (kind, scope_key) = scope_columns(&key.0);
        self.0
            .query(
                "SELECT scope_kind, scope_key, sku, price, floor, valid_from, valid_until FROM price_entries
                 WHERE scope_kind = $1 AND scope_key = $2 AND sku = $3 ORDER BY valid_from",
                &[&kind, &scope_key, &key.1],
            )?
            .iter()
            .map(entry_of)
            .collect()
    }

    fn insert_entry(&mut self, entry: &PriceEntry, change: &PriceListChange) -> DbResult<()> {
        let (kind, scope_key) = scope_columns(&entry.scope);
        self.0.execute(
            "INSERT INTO price_entries (scope_kind, scope_key, sku, price, floor, valid_from, valid_until, set_by, set_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &kind,
                &scope_key,
                &entry.sku,
                &entry.price,
                &entry.floor,
                &entry.valid_from,
                &entry.valid_until,
                &change.by.to_string(),
                &change.at,
            ],
        )?;
        Ok(())
    }
}

#[async_trait]
impl PriceLists for PostgresDatabase {
    async fn put_price_entries(&self, change: PriceListChange) -> DbResult<Result<u32, Vec<PriceConflict>>> {
        self.read_committed(move |tx| price_lists::put(&mut PgRows(tx), &change)).await
    }

    async fn scope_entries(&self, scope: PriceScope, day: i32, limit: u32) -> DbResult<Vec<PriceEntry>> {
        let (kind, key) = scope_columns(&scope);
        self.run(move |client| {
            client
                .query(
                    "SELECT scope_kind, scope_key, sku, price, floor, valid_from, valid_until FROM price_entries
                     WHERE scope_kind = $1 AND scope_key = $2
                       AND valid_from <= $3 AND (valid_until IS NULL OR valid_until >= $3)
                     ORDER BY sku LIMIT $4",
                    &[&kind, &key, &day, &i64::from(limit)],
                )?
                .iter()
                .map(entry_of)
                .collect()
        })
        .await
    }

    async fn price_entries(&self, scopes: Vec<PriceScope>, skus: Vec<String>, day: i32) -> DbResult<Vec<PriceEntry>> {
        let (kinds, keys): (Vec<&'static str>, Vec<String>) = scopes.iter().map(scope_columns).unzip();
        let kinds: Vec<String> = kinds.into_iter().map(str::to_owned).collect();
        self.run_conn(move |conn| {
            let statement = conn.prepared(
                "SELECT p.scope_kind, p.scope_key, p.sku, p.price, p.floor, p.valid_from, p.valid_until
                 FROM price_entries p
                 JOIN unnest($1::text[], $2::text[]) AS s(kind, key) ON p.scope_kind = s.kind AND p.scope_key = s.key
                 WHERE p.sku = ANY($3) AND p.valid_from <= $4 AND (p.valid_until IS NULL OR p.valid_until >= $4)",
            )?;
            conn.client.query(&statement, &[&kinds, &keys, &skus, &day])?.iter().map(entry_of).collect()
        })
        .await
    }
}
