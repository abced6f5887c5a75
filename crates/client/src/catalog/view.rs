//! Product pages, comparisons and the store finder, from the local cache.
use portal_api::{Category, Product, RetailStore, SpecKind, SpecValue};
use rusqlite::OptionalExtension;

use super::rows::product_row;
use super::{search, CatalogStatus, CompareRow, Comparison, ProductView, StoreDistance, MAX_COMPARE};
use crate::{cache::Cache, error::ClientResult};

/// A SKU found by its barcode (or its code), with its product and the price a buyer pays now.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct SkuHit {
    pub product: Product,
    pub sku: portal_api::Sku,
    /// The running promotion's price if there is one, else the list price (fen).
    pub unit_price: i64,
    /// Units carry serial numbers: each is sold on its own line with its serial.
    pub serialised: bool,
}

/// The SKU a scanned barcode (or a typed SKU code) names, from the local catalog. Withdrawn
/// products are not sold.
pub fn sku(cache: &Cache, scanned: &str, now: i64) -> ClientResult<Option<SkuHit>> {
    let scanned = scanned.trim();
    let model: Option<String> = cache
        .conn
        .prepare_cached(
            "SELECT p.model FROM product_skus s JOIN products p ON p.id = s.product_id
             WHERE (s.barcode = ?1 OR s.code = ?1) AND p.withdrawn = 0 LIMIT 1",
        )?
        .query_row([scanned], |r| r.get(0))
        .optional()?;
    let Some((product, _, _)) = (match model {
        Some(m) => product_row(cache, &m)?,
        None => None,
    }) else {
        return Ok(None);
    };
    let Some(sku) = product.skus.iter().find(|s| s.barcode == scanned || s.code == scanned).cloned() else {
        return Ok(None);
    };
    let unit_price = match &sku.promotion {
        Some(p) if p.starts_at <= now && now < p.ends_at => p.price,
        _ => sku.list_price,
    };
    let serialised = serialised(cache, &product.category)?;
    Ok(Some(SkuHit { product, sku, unit_price, serialised }))
}

/// Whether a category's units carry serial numbers (set on it or on a parent).
fn serialised(cache: &Cache, code: &str) -> ClientResult<bool> {
    let mut code = code.to_owned();
    for _ in 0..8 {
        let Some(c) = category(cache, &code)? else { return Ok(false) };
        if c.serialised {
            return Ok(true);
        }
        match c.parent {
            Some(parent) => code = parent,
            None => return Ok(false),
        }
    }
    Ok(false)
}

pub fn categories(cache: &Cache) -> ClientResult<Vec<Category>> {
    let mut stmt = cache.conn.prepare_cached("SELECT body FROM categories ORDER BY parent IS NOT NULL, sort, code")?;
    let bodies = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
    Ok(bodies.iter().filter_map(|b| serde_json::from_str(b).ok()).collect())
}

fn category(cache: &Cache, code: &str) -> ClientResult<Option<Category>> {
    let body: Option<String> =
        cache.conn.query_row("SELECT body FROM categories WHERE code = ?1", [code], |r| r.get(0)).optional()?;
    Ok(body.and_then(|b| serde_json::from_str(&b).ok()))
}

pub fn product(cache: &Cache, model: &str) -> ClientResult<Option<ProductView>> {
    let Some((product, _, withdrawn)) = product_row(cache, model)? else { return Ok(None) };
    let mut images = Vec::new();
    for id in &product.images {
        if let Some(url) = search::image_url(cache, id)? {
            images.push(url);
        }
    }
    let category = category(cache, &product.category)?;
    Ok(Some(ProductView { product, withdrawn, images, category }))
}

fn spec_text(value: &SpecValue, unit: Option<&str>) -> String {
    match value {
        SpecValue::Number(n) => format!("{n}{}", unit.map(|u| format!(" {u}")).unwrap_or_default()),
        SpecValue::Text(t) => t.clone(),
    }
}

/// Up to four products side by side; rows whose values differ are marked. Withdrawn products stay
/// in the comparison, marked, rather than failing it.
pub fn compare(cache: &Cache, models: &[String]) -> ClientResult<Comparison> {
    let mut products = Vec::new();
    let mut summaries = Vec::new();
    for model in models.iter().take(MAX_COMPARE) {
        if let Some((p, price, withdrawn)) = product_row(cache, model)? {
            summaries.push(search::summary(cache, &p, price, withdrawn)?);
            products.push(p);
        }
    }
    let mut rows: Vec<CompareRow> = Vec::new();
    let mut defs = Vec::new();
    for p in &products {
        if let Some(c) = category(cache, &p.category)? {
            for d in c.specs {
                if !defs.iter().any(|x: &portal_api::SpecDef| x.key == d.key) {
                    defs.push(d);
                }
            }
        }
    }
    for def in defs {
        let unit = match &def.kind {
            SpecKind::Number { unit } => Some(unit.as_str()),
            _ => None,
        };
        let values: Vec<Option<String>> =
            products.iter().map(|p| p.specs.get(&def.key).map(|v| spec_text(v, unit))).collect();
        let differs = values.windows(2).any(|w| w[0] != w[1]);
        rows.push(CompareRow { key: def.key, name_zh: def.name_zh, name_en: def.name_en, values, differs });
    }
    Ok(Comparison { products: summaries, rows })
}

/// Great-circle distance in kilometres.
pub fn distance_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let (dp, dl) = ((lat2 - lat1).to_radians(), (lon2 - lon1).to_radians());
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    6371.0 * 2.0 * a.sqrt().asin()
}

/// Stores by distance from a position; `model` marks where it is on display.
pub fn nearest_stores(
    cache: &Cache,
    latitude: f64,
    longitude: f64,
    model: Option<&str>,
    limit: usize,
) -> ClientResult<Vec<StoreDistance>> {
    let mut stmt = cache.conn.prepare_cached(
        "SELECT s.body,
                EXISTS (SELECT 1 FROM store_display d WHERE d.store = s.code AND d.model = ?1),
                CASE WHEN EXISTS (SELECT 1 FROM store_ledgers l WHERE l.store = s.code)
                     THEN EXISTS (SELECT 1 FROM store_stock t JOIN product_skus k ON k.code = t.sku
                                  JOIN products p ON p.id = k.product_id WHERE t.store = s.code AND p.model = ?1)
                END
         FROM retail_stores s",
    )?;
    let mut out: Vec<StoreDistance> = stmt
        .query_map([model.unwrap_or("")], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?, r.get::<_, Option<bool>>(2)?))
        })?
        .filter_map(|row| row.ok())
        .filter_map(|(body, on_display, in_stock)| {
            let store: RetailStore = serde_json::from_str(&body).ok()?;
            let km = distance_km(latitude, longitude, store.latitude, store.longitude);
            Some(StoreDistance { store, km, on_display, in_stock: model.and(in_stock) })
        })
        .collect();
    // Where it can be bought (or at least seen) first, then by distance.
    let rank = |s: &StoreDistance| (s.in_stock == Some(true), s.on_display);
    out.sort_by(|a, b| rank(b).cmp(&rank(a)).then(a.km.total_cmp(&b.km)));
    out.truncate(limit);
    Ok(out)
}

/// Every store, by code.
pub fn stores(cache: &Cache) -> ClientResult<Vec<RetailStore>> {
    let mut stmt = cache.conn.prepare_cached("SELECT body FROM retail_stores ORDER BY code")?;
    let bodies = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
    Ok(bodies.iter().filter_map(|b| serde_json::from_str(b).ok()).collect())
}

pub fn status(cache: &Cache) -> ClientResult<CatalogStatus> {
    let products: u32 = cache.conn.query_row("SELECT COUNT(*) FROM products WHERE withdrawn = 0", [], |r| r.get(0))?;
    let synced_at: Option<i64> = cache.conn.query_row("SELECT synced_at FROM catalog_state", [], |r| r.get(0))?;
    Ok(CatalogStatus { products, synced_at })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        // Shanghai to Beijing is about 1,070 km.
        let d = distance_km(31.2304, 121.4737, 39.9042, 116.4074);
        assert!((1000.0..1150.0).contains(&d), "{d}");
        assert!(distance_km(1.0, 1.0, 1.0, 1.0) < 1e-9);
    }
}
