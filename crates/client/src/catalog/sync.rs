//! Applying the server's catalog pages: each page in one transaction with its cursor, so an
//! interrupted sync leaves a consistent cache and resumes where it stopped.
use portal_api::{Lifecycle, MarketingTag, Product, SpecValue, SyncItem, SyncPage};
use rusqlite::{params, OptionalExtension, Transaction};

use super::tokens::{index_text, model_terms};
use crate::{cache::Cache, error::ClientResult};

/// The cursor to continue from and the role the cached prices belong to.
pub fn state(cache: &Cache) -> ClientResult<(Option<String>, Option<String>, Option<i64>)> {
    Ok(cache.conn.query_row("SELECT cursor, role, synced_at FROM catalog_state", [], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?)
}

fn lifecycle_text(l: Lifecycle) -> &'static str {
    match l {
        Lifecycle::Announced => "announced",
        Lifecycle::PreSale => "pre_sale",
        Lifecycle::OnSale => "on_sale",
        Lifecycle::Discontinued => "discontinued",
    }
}

pub fn tag_text(t: MarketingTag) -> &'static str {
    match t {
        MarketingTag::New => "new",
        MarketingTag::Hot => "hot",
        MarketingTag::Promotion => "promotion",
        MarketingTag::PreSale => "pre_sale",
        MarketingTag::Recommended => "recommended",
    }
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
        "DELETE FROM categories; DELETE FROM product_specs; DELETE FROM products; DELETE FROM product_search;
         DELETE FROM retail_stores; DELETE FROM store_display; DELETE FROM catalog_images;
         UPDATE catalog_state SET cursor = NULL, synced_at = NULL;",
    )?;
    Ok(())
}

fn put_product(tx: &Transaction<'_>, code: &str, product: Option<&Product>, now: i64) -> ClientResult<()> {
    let existing: Option<i64> =
        tx.query_row("SELECT id FROM products WHERE model = ?1", [code], |r| r.get(0)).optional()?;
    if let Some(id) = existing {
        tx.execute("DELETE FROM product_search WHERE rowid = ?1", [id])?;
        tx.execute("DELETE FROM product_specs WHERE product_id = ?1", [id])?;
    }
    let Some(p) = product else {
        // A tombstone: keep the last known body for comparisons and favourites, marked withdrawn.
        tx.execute("UPDATE products SET withdrawn = 1 WHERE model = ?1", [code])?;
        return Ok(());
    };
    let tags = format!("|{}|", p.tags.iter().map(|t| tag_text(*t)).collect::<Vec<_>>().join("|"));
    let body = serde_json::to_string(p).map_err(|e| crate::ClientError::Protocol(e.to_string()))?;
    tx.execute(
        "INSERT INTO products (model, category, lifecycle, price, released_at, tags, withdrawn, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7)
         ON CONFLICT (model) DO UPDATE SET category = ?2, lifecycle = ?3, price = ?4, released_at = ?5,
             tags = ?6, withdrawn = 0, body = ?7",
        params![p.model, p.category, lifecycle_text(p.lifecycle), current_price(p, now), p.released_at, tags, body],
    )?;
    let id: i64 = tx.query_row("SELECT id FROM products WHERE model = ?1", [&p.model], |r| r.get(0))?;
    let mut spec_text = Vec::new();
    for (key, value) in &p.specs {
        let (num, text) = match value {
            SpecValue::Number(n) => (Some(*n), None),
            SpecValue::Text(t) => (None, Some(t.as_str())),
        };
        tx.execute(
            "INSERT INTO product_specs (product_id, key, num, text) VALUES (?1, ?2, ?3, ?4)",
            params![id, key, num, text],
        )?;
        spec_text.push(text.map(str::to_owned).unwrap_or_else(|| num.map(|n| n.to_string()).unwrap_or_default()));
    }
    let skus: Vec<String> = p.skus.iter().map(|s| format!("{} {} {}", s.code, s.variant_zh, s.variant_en)).collect();
    let terms = format!(
        "{} {} {} {} {} {}",
        model_terms(&p.model),
        index_text(&p.name_zh),
        index_text(&p.name_en),
        index_text(&p.series),
        index_text(&spec_text.join(" ")),
        index_text(&skus.join(" ")),
    );
    tx.execute("INSERT INTO product_search (rowid, terms) VALUES (?1, ?2)", params![id, terms])?;
    Ok(())
}

/// Applies one page, with its cursor, in one transaction. `role` is what the prices were served for.
pub fn apply_page(cache: &mut Cache, page: &SyncPage, role: &str, now: i64) -> ClientResult<()> {
    let tx = cache.conn.transaction()?;
    if page.reset {
        clear(&tx)?;
    }
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
            SyncItem::Product { code, data, .. } => put_product(&tx, code, data.as_ref(), now)?,
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
    let tx = cache.conn.transaction()?;
    clear(&tx)?;
    tx.execute("UPDATE catalog_state SET role = NULL", [])?;
    tx.commit()?;
    Ok(())
}
