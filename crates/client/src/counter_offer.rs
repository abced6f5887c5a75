//! The bundle offer at the counter as the POS shows it: the server's choice when it answers, else
//! one made on the device from the local catalog and the store's stock as this device sees it,
//! with the same rules (`portal_marketing::bundle`).
use std::collections::HashMap;

use portal_marketing::bundle;
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::{
    cache::Cache,
    catalog::{rows::product_row, search::summary, ProductSummary},
    error::ClientResult,
    recommendations::local_neighbours,
    store_stock::StockView,
};

/// The algorithm of an offer made on the device (the server counts it under this name too).
pub const ON_DEVICE: &str = portal_marketing::trail::ON_DEVICE;

/// One add-on offered with the cart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct OfferItem {
    /// The SKU to add (one the store has on hand).
    pub sku: String,
    pub product: ProductSummary,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CounterOfferView {
    /// The offer's id, recorded with the sale (`CounterOffer::recommendation`).
    pub id: Uuid,
    pub algorithm: String,
    pub items: Vec<OfferItem>,
    /// Made on the device: the server could not be asked.
    pub offline: bool,
}

/// The items of `skus` this device knows and may sell, in order.
pub fn items(cache: &Cache, skus: &[String]) -> ClientResult<Vec<OfferItem>> {
    let mut out = Vec::new();
    for sku in skus {
        let Some(model) = model_of_sku(cache, sku)? else { continue };
        if let Some((p, price, false)) = product_row(cache, &model)? {
            out.push(OfferItem { sku: sku.clone(), product: summary(cache, &p, price, false)? });
        }
    }
    Ok(out)
}

fn model_of_sku(cache: &Cache, sku: &str) -> ClientResult<Option<String>> {
    Ok(cache
        .conn
        .prepare_cached("SELECT p.model FROM product_skus s JOIN products p ON p.id = s.product_id WHERE s.code = ?1")?
        .query_row([sku], |r| r.get(0))
        .optional()?)
}

/// The offer made on the device: neighbours of the cart's products in the local catalog, then
/// accessories (hot ones first, cheapest first), among the SKUs `stock` shows on hand.
pub fn local(cache: &Cache, cart: &[String], stock: &StockView) -> ClientResult<Vec<String>> {
    let mut models: Vec<String> = Vec::new();
    let mut index: HashMap<String, u32> = HashMap::new();
    let mut id_of = |m: String, models: &mut Vec<String>| {
        *index.entry(m.clone()).or_insert_with(|| {
            models.push(m);
            models.len() as u32 - 1
        })
    };
    let mut cart_items = Vec::new();
    let mut neighbours = Vec::new();
    for sku in cart {
        let Some(m) = model_of_sku(cache, sku)? else { continue };
        for n in local_neighbours(cache, &m, 8)? {
            neighbours.push(id_of(n, &mut models));
        }
        cart_items.push(id_of(m, &mut models));
    }
    let mut accessories = Vec::new();
    let mut stmt = cache.conn.prepare_cached(
        "SELECT model FROM products WHERE withdrawn = 0 AND top_category = ?1
         ORDER BY (tag_bits & 2) <> 0 DESC, price, model LIMIT 50",
    )?;
    for m in stmt.query_map([bundle::ACCESSORY], |r| r.get::<_, String>(0))? {
        accessories.push(id_of(m?, &mut models));
    }
    // Per model, the SKU the store has most of.
    let mut best_sku: HashMap<String, (String, i64)> = HashMap::new();
    for line in stock.lines.iter().filter(|l| l.on_hand > 0) {
        let Some(m) = model_of_sku(cache, &line.sku)? else { continue };
        let best = best_sku.entry(m).or_insert((line.sku.clone(), line.on_hand));
        if line.on_hand > best.1 {
            *best = (line.sku.clone(), line.on_hand);
        }
    }
    let mut facts_of: HashMap<u32, bundle::AddOn> = HashMap::new();
    let mut row = cache.conn.prepare_cached("SELECT top_category, price, withdrawn FROM products WHERE model = ?1")?;
    for (i, m) in models.iter().enumerate() {
        let known: Option<(String, i64, bool)> =
            row.query_row([m], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).optional()?;
        if let Some((category, price, withdrawn)) = known {
            let accessory = bundle::is_accessory(&category);
            facts_of.insert(
                i as u32,
                bundle::AddOn { category, accessory, withdrawn, price, on_hand: best_sku.contains_key(m) },
            );
        }
    }
    let cart_value = cart_items.iter().filter_map(|i| facts_of.get(i)).fold(0i64, |s, f| s.saturating_add(f.price));
    let chosen = bundle::choose(&[&neighbours, &accessories], &|i| facts_of.get(&i).cloned(), &cart_items, cart_value);
    Ok(chosen.into_iter().filter_map(|i| best_sku.get(&models[i as usize]).map(|(sku, _)| sku.clone())).collect())
}
