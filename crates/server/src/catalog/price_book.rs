//! The catalog's prices by SKU, for pricing sales on the server. Built from the product center's
//! documents and kept while the catalog's version stays the same (every instance checks the
//! version it was built from, so all agree with the database).
use std::collections::HashMap;

use portal_api::{Category, Product};
use portal_store_ops::pricing::CatalogPrice;

use crate::db::{Catalog, CatalogKind, DbResult};

#[derive(Debug, Default)]
pub struct PriceBook {
    /// The catalog epoch and version it was built from.
    pub version: (String, i64),
    pub skus: HashMap<String, CatalogPrice>,
    /// Every product's model, for checking what behaviour events name.
    pub models: std::collections::HashSet<String>,
    /// Each SKU's product, for joining purchases to what was recommended.
    pub model_of_sku: HashMap<String, String>,
    /// Each product's name (zh, en), for messages.
    pub names: HashMap<String, (String, String)>,
    /// Each SKU's price to dealers, where the catalog gives one (the last resort of a dealer's
    /// price lists).
    pub dealer_prices: HashMap<String, i64>,
    /// Each product's category and the categories above it (what a coupon's categories name).
    pub categories_of_model: HashMap<String, Vec<String>>,
}

impl PriceBook {
    pub async fn build(store: &dyn Catalog, version: (String, i64)) -> DbResult<Self> {
        let categories: HashMap<String, Category> = store
            .catalog_all(CatalogKind::Category)
            .await?
            .iter()
            .filter_map(|body| serde_json::from_str::<Category>(body).ok())
            .map(|c| (c.code.clone(), c))
            .collect();
        // A subcategory inherits "serialised" from its parents.
        let serialised = |code: &str| {
            let mut next = Some(code.to_owned());
            for _ in 0..8 {
                let Some(c) = next.as_deref().and_then(|code| categories.get(code)) else { return false };
                if c.serialised {
                    return true;
                }
                next = c.parent.clone();
            }
            false
        };
        let mut skus = HashMap::new();
        let mut models = std::collections::HashSet::new();
        let mut model_of_sku = HashMap::new();
        let mut names = HashMap::new();
        let mut dealer_prices = HashMap::new();
        let mut categories_of_model = HashMap::new();
        let lineage = |code: &str| {
            portal_campaigns::coupon::category_lineage(code, |c| categories.get(c).and_then(|c| c.parent.clone()))
        };
        for body in store.catalog_all(CatalogKind::Product).await? {
            let Ok(product) = serde_json::from_str::<Product>(&body) else { continue };
            models.insert(product.model.clone());
            names.insert(product.model.clone(), (product.name_zh.clone(), product.name_en.clone()));
            let serialised = serialised(&product.category);
            categories_of_model.insert(product.model.clone(), lineage(&product.category));
            for sku in &product.skus {
                model_of_sku.insert(sku.code.clone(), product.model.clone());
            }
            for sku in product.skus {
                if let Some(price) = sku.distributor_price {
                    dealer_prices.insert(sku.code.clone(), price);
                }
                let promotion = sku.promotion.map(|p| (p.price, p.starts_at, p.ends_at));
                skus.insert(sku.code, CatalogPrice { list_price: sku.list_price, promotion, serialised });
            }
        }
        Ok(Self { version, skus, models, model_of_sku, names, dealer_prices, categories_of_model })
    }
}
