//! Dealer price lists on SQLite: one writer orders changes, so keys need no lock of their own.
use portal_db::engines::price_lists::{self, PriceKey, PriceListRows};
use portal_distribution::prices::{PriceEntry, PriceScope};

use super::*;

/// Price lists' rows in a rusqlite transaction.
struct SqliteRows<'a>(&'a rusqlite::Transaction<'a>);

fn entry_of(row: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, PriceEntry)> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        PriceEntry {
            scope: PriceScope::List,
            sku: row.get(2)?,
            price: row.get(3)?,
            floor: row.get(4)?,
            valid_from: row.get(5)?,
            valid_until: row.get(6)?,
        },
    ))
}

fn with_scope((kind, key, entry): (String, String, PriceEntry)) -> DbResult<PriceEntry> {
    Ok(PriceEntry { scope: scope_of(&kind, &key)?, ..entry })
}

impl PriceListRows for SqliteRows<'_> {
    fn end_entry(&mut self, key: &PriceKey, valid_from: i32, until: i32) -> DbResult<()> {
        let (kind, scope_key) = scope_columns(&key.0);
        self.0.execute(
            "UPDATE price_entries SET valid_until = ?5
             WHERE scope_kind = ?1 AND scope_key = ?2 AND sku = ?3 AND valid_from = ?4 AND valid_until IS NULL",
            params![kind, scope_key, key.1, valid_from, until],
        )?;
        Ok(())
    }

    fn lock_keys(&mut self, _keys: &[PriceKey]) -> DbResult<()> {
        Ok(())
    }

    fn kept_entries(&mut self, key: &PriceKey) -> DbResult<Vec<PriceEntry>> {
        let (kind, scope_key) = scope_columns(&key.0);
        let mut stmt = self.0.prepare_cached(
            "SELECT scope_kind, scope_key, sku, price, floor, valid_from, valid_until FROM price_entries
             WHERE scope_kind = ?1 AND scope_key = ?2 AND sku = ?3 ORDER BY valid_from",
        )?;
        let rows = stmt.query_map(params![kind, scope_key, key.1], entry_of)?;
        rows.map(|r| with_scope(r?)).collect()
    }

    fn insert_entry(&mut self, entry: &PriceEntry, change: &PriceListChange) -> DbResult<()> {
        let (kind, scope_key) = scope_columns(&entry.scope);
        self.0
            .prepare_cached(
                "INSERT INTO price_entries (scope_kind, scope_key, sku, price, floor, valid_from, valid_until, set_by, set_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                kind,
                scope_key,
                entry.sku,
                entry.price,
                entry.floor,
                entry.valid_from,
                entry.valid_until,
                change.by.to_string(),
                change.at
            ])?;
        Ok(())
    }
}

#[async_trait]
impl PriceLists for SqliteDatabase {
    async fn put_price_entries(&self, change: PriceListChange) -> DbResult<Result<u32, Vec<PriceConflict>>> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let result = price_lists::put(&mut SqliteRows(&tx), &change)?;
            tx.commit()?;
            Ok(result)
        })
        .await
    }

    async fn scope_entries(&self, scope: PriceScope, day: i32, limit: u32) -> DbResult<Vec<PriceEntry>> {
        self.run(move |conn| {
            let (kind, key) = scope_columns(&scope);
            let mut stmt = conn.prepare_cached(
                "SELECT scope_kind, scope_key, sku, price, floor, valid_from, valid_until FROM price_entries
                 WHERE scope_kind = ?1 AND scope_key = ?2
                   AND valid_from <= ?3 AND (valid_until IS NULL OR valid_until >= ?3)
                 ORDER BY sku LIMIT ?4",
            )?;
            let rows = stmt.query_map(params![kind, key, day, limit], entry_of)?;
            let mut found = Vec::new();
            for row in rows {
                found.push(with_scope(row?)?);
            }
            Ok(found)
        })
        .await
    }

    async fn price_entries(&self, scopes: Vec<PriceScope>, skus: Vec<String>, day: i32) -> DbResult<Vec<PriceEntry>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT scope_kind, scope_key, sku, price, floor, valid_from, valid_until FROM price_entries
                 WHERE scope_kind = ?1 AND scope_key = ?2 AND sku = ?3
                   AND valid_from <= ?4 AND (valid_until IS NULL OR valid_until >= ?4)",
            )?;
            let mut found = Vec::new();
            for scope in &scopes {
                let (kind, key) = scope_columns(scope);
                for sku in &skus {
                    for row in stmt.query_map(params![kind, key, sku, day], entry_of)? {
                        found.push(with_scope(row?)?);
                    }
                }
            }
            Ok(found)
        })
        .await
    }
}
