//! A product as the local cache keeps it, read by the catalog's views and its search alike.
use portal_api::Product;
use rusqlite::OptionalExtension;

use crate::{cache::Cache, error::ClientResult};

/// The product's last known body, its current price and whether it was withdrawn.
pub fn product_row(cache: &Cache, model: &str) -> ClientResult<Option<(Product, i64, bool)>> {
    let row: Option<(String, i64, bool)> = cache
        .conn
        .prepare_cached("SELECT b.body, p.price, p.withdrawn FROM products p JOIN product_bodies b ON b.id = p.id WHERE p.model = ?1")?
        .query_row([model], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    Ok(row.and_then(|(body, price, withdrawn)| serde_json::from_str(&body).ok().map(|p| (p, price, withdrawn))))
}
