//! Applying the server's catalog pages: each page in one transaction with its cursor, so an
//! interrupted sync leaves a consistent cache and resumes where it stopped.
use std::collections::BTreeMap;

use portal_api::{MarketingTag, Product, SpecValue, SyncItem, SyncPage};
use rusqlite::{params, OptionalExtension, Transaction};

use super::tokens::{index_text, model_terms};
use crate::{cache::Cache, error::ClientResult};

/// The cursor to continue from and the role the cached prices belong to.
pub fn state(cache: &Cache) -> ClientResult<(Option<String>, Option<String>, Option<i64>)> {
    Ok(cache.conn.query_row("SELECT cursor, role, synced_at FROM catalog_state", [], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?)
}

/// The bit of each of the product's marketing tags, by their position in `MarketingTag::ALL`.
pub fn tag_bits(tags: &[MarketingTag]) -> i64 {
    tags.iter().fold(0, |bits, t| bits | 1 << (*t as i64))
}

/// The lowest price a buyer pays now across the product's SKUs.
pub fn current_price(p: &Product, now: i64) -> i64 {
    p.skus
        .iter()
        .map(|s| match &s.promotion {
            Some(promo) if promo.starts_at <= now && now < promo.ends_at => promo.price,
            _ => s.list_price,
        })
        .min()
        .unwrap_or(0)
}

fn clear(tx: &Transaction<'_>) -> ClientResult<()> {
    tx.execute_batch(
        "DELETE FROM categories; DELETE FROM product_specs; DELETE FROM product_skus; DELETE FROM product_bodies;
         DELETE FROM products;
         DELETE FROM product_search;
         DELETE FROM retail_stores; DELETE FROM store_display; DELETE FROM catalog_images;
         UPDATE catalog_state SET cursor = NULL, synced_at = NULL;",
    )?;
    Ok(())
}

/// Changes to the search index, made after a page's other writes: FTS5 writes its pending terms out
/// as a new segment whenever a statement opens a savepoint (upserts and foreign keys do), so
/// interleaving them would write one tiny segment per product and then merge them all.
#[derive(Default)]
struct IndexChanges {
    /// By row id: whether it was indexed before this page, and its new text (None: leave it out).
    rows: BTreeMap<i64, (bool, Option<(String, String)>)>,
}

impl IndexChanges {
    fn set(&mut self, id: i64, was_indexed: bool, text: Option<(String, String)>) {
        let entry = self.rows.entry(id).or_insert((was_indexed, None));
        entry.1 = text;
    }

    fn write(self, tx: &Transaction<'_>) -> ClientResult<()> {
        for (id, (was_indexed, _)) in &self.rows {
            if *was_indexed {
                tx.prepare_cached("DELETE FROM product_search WHERE rowid = ?1")?.execute([id])?;
            }
        }
        let mut insert = tx.prepare_cached("INSERT INTO product_search (rowid, title, detail) VALUES (?1, ?2, ?3)")?;
        for (id, (_, text)) in self.rows {
            if let Some((title, detail)) = text {
                insert.execute(params![id, title, detail])?;
            }
        }
        Ok(())
    }
}

fn put_product(
    tx: &Transaction<'_>,
    index: &mut IndexChanges,
    code: &str,
    product: Option<&Product>,
    now: i64,
) -> ClientResult<()> {
    let existing: Option<(i64, bool)> = tx
        .prepare_cached("SELECT id, withdrawn FROM products WHERE model = ?1")?
        .query_row([code], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((id, withdrawn)) = existing {
        index.set(id, !withdrawn, None);
        tx.prepare_cached("DELETE FROM product_specs WHERE product_id = ?1")?.execute([id])?;
        tx.prepare_cached("DELETE FROM product_skus WHERE product_id = ?1")?.execute([id])?;
    }
    let Some(p) = product else {
        // A tombstone: keep the last known body for comparisons and favourites, marked withdrawn.
        tx.prepare_cached("UPDATE products SET withdrawn = 1 WHERE model = ?1")?.execute([code])?;
        return Ok(());
    };
    let body = serde_json::to_string(p).map_err(|e| crate::ClientError::Protocol(e.to_string()))?;
    let top_category = p.category.split('.').next().unwrap_or_default();
    let id: i64 = tx
        .prepare_cached(
            "INSERT INTO products (model, category, top_category, lifecycle, price, released_at, tag_bits, withdrawn)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0)
             ON CONFLICT (model) DO UPDATE SET category = ?2, top_category = ?3, lifecycle = ?4, price = ?5,
                 released_at = ?6, tag_bits = ?7, withdrawn = 0
             RETURNING id",
        )?
        .query_row(
            params![
                p.model,
                p.category,
                top_category,
                p.lifecycle as i64,
                current_price(p, now),
                p.released_at,
                tag_bits(&p.tags)
            ],
            |r| r.get(0),
        )?;
    tx.prepare_cached(
        "INSERT INTO product_bodies (id, body) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET body = ?2",
    )?
    .execute(params![id, body])?;
    let mut spec_text = Vec::new();
    let mut insert_spec =
        tx.prepare_cached("INSERT INTO product_specs (product_id, key, num, text) VALUES (?1, ?2, ?3, ?4)")?;
    for (key, value) in &p.specs {
        let (num, text) = match value {
            SpecValue::Number(n) => (Some(*n), None),
            SpecValue::Text(t) => (None, Some(t.as_str())),
        };
        insert_spec.execute(params![id, key, num, text])?;
        spec_text.push(text.map(str::to_owned).unwrap_or_else(|| num.map(|n| n.to_string()).unwrap_or_default()));
    }
    let mut insert_sku = tx.prepare_cached(
        "INSERT INTO product_skus (code, product_id, barcode) VALUES (?1, ?2, ?3)
         ON CONFLICT (code) DO UPDATE SET product_id = ?2, barcode = ?3",
    )?;
    for sku in &p.skus {
        insert_sku.execute(params![sku.code, id, sku.barcode])?;
    }
    let skus: Vec<String> = p.skus.iter().map(|s| format!("{} {} {}", s.code, s.variant_zh, s.variant_en)).collect();
    let title = format!(
        "{} {} {} {}",
        model_terms(&p.model),
        index_text(&p.name_zh),
        index_text(&p.name_en),
        index_text(&p.series)
    );
    let detail = format!("{} {}", index_text(&spec_text.join(" ")), index_text(&skus.join(" ")));
    index.set(id, existing.is_some_and(|(_, withdrawn)| !withdrawn), Some((title, detail)));
    Ok(())
}

/// Applies one page, with its cursor, in one transaction. `role` is what the prices were served for.
pub fn apply_page(cache: &mut Cache, page: &SyncPage, role: &str, now: i64) -> ClientResult<()> {
    cache.forget_catalog_facts();
    let tx = cache.conn.transaction()?;
    if page.reset {
        clear(&tx)?;
    }
    let mut index = IndexChanges::default();
    for item in &page.items {
        match item {
            SyncItem::Category { code, data, .. } => match data {
                Some(c) => {
                    tx.execute(
                        "INSERT INTO categories (code, parent, sort, body) VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT (code) DO UPDATE SET parent = ?2, sort = ?3, body = ?4",
                        params![code, c.parent, c.sort, serde_json::to_string(c).unwrap_or_default()],
                    )?;
                }
                None => {
                    tx.execute("DELETE FROM categories WHERE code = ?1", [code])?;
                }
            },
            SyncItem::Product { code, data, .. } => put_product(&tx, &mut index, code, data.as_ref(), now)?,
            SyncItem::Store { code, data, .. } => {
                tx.execute("DELETE FROM store_display WHERE store = ?1", [code])?;
                match data {
                    Some(s) => {
                        tx.execute(
                            "INSERT INTO retail_stores (code, latitude, longitude, body) VALUES (?1, ?2, ?3, ?4)
                             ON CONFLICT (code) DO UPDATE SET latitude = ?2, longitude = ?3, body = ?4",
                            params![code, s.latitude, s.longitude, serde_json::to_string(s).unwrap_or_default()],
                        )?;
                        for model in &s.on_display {
                            tx.execute(
                                "INSERT OR IGNORE INTO store_display (store, model) VALUES (?1, ?2)",
                                params![code, model],
                            )?;
                        }
                    }
                    None => {
                        tx.execute("DELETE FROM retail_stores WHERE code = ?1", [code])?;
                    }
                }
            }
            SyncItem::Image { code, data, .. } => match data {
                Some(i) => {
                    tx.execute(
                        "INSERT INTO catalog_images (id, mime, data) VALUES (?1, ?2, ?3)
                         ON CONFLICT (id) DO UPDATE SET mime = ?2, data = ?3",
                        params![code, i.mime, i.data],
                    )?;
                }
                None => {
                    tx.execute("DELETE FROM catalog_images WHERE id = ?1", [code])?;
                }
            },
        }
    }
    index.write(&tx)?;
    if let Some(stores) = &page.in_stock {
        tx.execute_batch("DELETE FROM store_ledgers; DELETE FROM store_stock;")?;
        let mut ledger = tx.prepare_cached("INSERT OR IGNORE INTO store_ledgers (store) VALUES (?1)")?;
        let mut stock = tx.prepare_cached("INSERT OR IGNORE INTO store_stock (store, sku) VALUES (?1, ?2)")?;
        for s in stores {
            ledger.execute([&s.store])?;
            for sku in &s.skus {
                stock.execute([&s.store, sku])?;
            }
        }
    }
    let done = if page.has_more { None } else { Some(now) };
    tx.execute(
        "UPDATE catalog_state SET cursor = ?1, role = ?2, synced_at = COALESCE(?3, synced_at)",
        params![page.cursor, role, done],
    )?;
    tx.commit()?;
    Ok(())
}

/// Forgets the catalog (when the role its prices were synced for changes).
pub fn reset(cache: &mut Cache) -> ClientResult<()> {
    cache.forget_catalog_facts();
    let tx = cache.conn.transaction()?;
    clear(&tx)?;
    tx.execute("UPDATE catalog_state SET role = NULL", [])?;
    tx.commit()?;
    Ok(())
}
