//! The product center: categories with typed spec definitions, products with SKUs, where to buy,
//! and the delta-sync protocol that carries them to the app.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    Announced,
    PreSale,
    OnSale,
    Discontinued,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MarketingTag {
    New,
    Hot,
    Promotion,
    PreSale,
    Recommended,
}

/// How a category's key spec is typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SpecKind {
    /// A number in `unit` (e.g. inches, litres, dB).
    Number {
        unit: String,
    },
    /// One of a fixed set of values.
    Choice {
        options: Vec<String>,
    },
    Text,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct SpecDef {
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: SpecKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
#[serde(untagged)]
pub enum SpecValue {
    Number(f64),
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct Category {
    /// A stable code, e.g. `tv`, `tv.oled`.
    pub code: String,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    pub name_zh: String,
    pub name_en: String,
    pub sort: i32,
    /// Key specs of products in this category.
    pub specs: Vec<SpecDef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct Promotion {
    /// Fen (1/100 yuan).
    pub price: i64,
    /// Unix seconds.
    pub starts_at: i64,
    /// Unix seconds.
    pub ends_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct Sku {
    pub code: String,
    pub variant_zh: String,
    pub variant_en: String,
    /// EAN-13.
    pub barcode: String,
    /// Fen (1/100 yuan).
    pub list_price: i64,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion: Option<Promotion>,
    /// Fen. Present only for distributors and administrators.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distributor_price: Option<i64>,
}

/// A place to buy online.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct Channel {
    /// `official`, `tmall`, `jd`, `suning`, …
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct Product {
    /// The model number, unique: the product's id.
    pub model: String,
    pub category: String,
    pub series: String,
    pub name_zh: String,
    pub name_en: String,
    pub description_zh: String,
    pub description_en: String,
    pub lifecycle: Lifecycle,
    pub tags: Vec<MarketingTag>,
    pub specs: BTreeMap<String, SpecValue>,
    /// Ids of images (synced as their own items).
    pub images: Vec<String>,
    pub skus: Vec<Sku>,
    pub channels: Vec<Channel>,
    /// Unix seconds of launch, for "newest".
    pub released_at: i64,
}

/// A physical store where products can be seen and bought.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct RetailStore {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub city_zh: String,
    pub city_en: String,
    pub address: String,
    pub latitude: f64,
    pub longitude: f64,
    pub opening_hours: String,
    /// Model numbers on display in this store.
    pub on_display: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct CatalogImage {
    pub id: String,
    pub mime: String,
    /// Base64 of the image bytes.
    pub data: String,
}

/// One change in the catalog's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SyncItem {
    Category {
        version: i64,
        code: String,
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data: Option<Category>,
    },
    Product {
        version: i64,
        code: String,
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data: Option<Product>,
    },
    Store {
        version: i64,
        code: String,
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data: Option<RetailStore>,
    },
    Image {
        version: i64,
        code: String,
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data: Option<CatalogImage>,
    },
}

/// A page of the catalog's change log. An item without `data` is a tombstone: the thing was
/// deleted or withdrawn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct SyncPage {
    /// Pass back as `cursor` to get the next page (or, when `has_more` is false, later changes).
    pub cursor: String,
    pub items: Vec<SyncItem>,
    pub has_more: bool,
    /// True when the cursor was not recognised: the client must drop its catalog and apply these
    /// pages from scratch.
    pub reset: bool,
}

/// The whole catalog, for import and export as JSON.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
pub struct CatalogDocument {
    #[serde(default)]
    pub categories: Vec<Category>,
    #[serde(default)]
    pub products: Vec<Product>,
    #[serde(default)]
    pub stores: Vec<RetailStore>,
}

/// One problem in an import, by row (1-based: the n-th product, or the CSV line) and field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct ImportProblem {
    pub row: usize,
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct ImportReport {
    /// True when everything was applied; false when nothing was.
    pub applied: bool,
    pub categories: usize,
    pub products: usize,
    pub stores: usize,
    pub problems: Vec<ImportProblem>,
}
