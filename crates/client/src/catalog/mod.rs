//! The app's offline copy of the product center: delta sync into SQLite, search, product pages,
//! comparison and the store finder, all working with no network after the first sync.
pub mod facts;
pub mod rows;
pub mod search;
pub mod sync;
pub mod tokens;
pub mod view;

#[cfg(test)]
pub(crate) mod tests;

use portal_api::{Category, Lifecycle, MarketingTag, Product, RetailStore};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    #[default]
    Relevance,
    PriceAsc,
    PriceDesc,
    Newest,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SpecRange {
    pub key: String,
    #[ts(optional)]
    #[serde(default)]
    pub min: Option<f64>,
    #[ts(optional)]
    #[serde(default)]
    pub max: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, Default)]
pub struct SearchQuery {
    #[serde(default)]
    pub text: String,
    /// A category code; its sub-categories are included.
    #[ts(optional)]
    #[serde(default)]
    pub category: Option<String>,
    /// Fen.
    #[ts(optional)]
    #[serde(default)]
    pub price_min: Option<i64>,
    #[ts(optional)]
    #[serde(default)]
    pub price_max: Option<i64>,
    #[serde(default)]
    pub specs: Vec<SpecRange>,
    #[serde(default)]
    pub tags: Vec<MarketingTag>,
    #[serde(default)]
    pub lifecycles: Vec<Lifecycle>,
    /// Only products on display at this store.
    #[ts(optional)]
    #[serde(default)]
    pub store: Option<String>,
    #[serde(default)]
    pub sort: SortOrder,
    #[serde(default)]
    pub limit: u32,
    #[serde(default)]
    pub offset: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ProductSummary {
    pub model: String,
    pub name_zh: String,
    pub name_en: String,
    pub category: String,
    pub lifecycle: Lifecycle,
    /// The lowest current price of its SKUs, in fen.
    pub price: i64,
    pub tags: Vec<MarketingTag>,
    /// A data: URL.
    #[ts(optional)]
    pub image: Option<String>,
    pub withdrawn: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct FacetCount {
    pub value: String,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SearchResult {
    pub total: u32,
    pub items: Vec<ProductSummary>,
    /// Counts by top-level category, lifecycle and tag over all matches.
    pub categories: Vec<FacetCount>,
    pub lifecycles: Vec<FacetCount>,
    pub tags: Vec<FacetCount>,
    /// True when nothing matched exactly and these are the closest model numbers.
    pub fuzzy: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct StoreDistance {
    pub store: RetailStore,
    pub km: f64,
    pub on_display: bool,
    /// Whether the store has it in stock; none when the store does not keep its stock in the portal.
    #[ts(optional)]
    pub in_stock: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ProductView {
    pub product: Product,
    pub withdrawn: bool,
    /// data: URLs.
    pub images: Vec<String>,
    #[ts(optional)]
    pub category: Option<Category>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CompareRow {
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    /// One per product; None where a product lacks the spec.
    pub values: Vec<Option<String>>,
    pub differs: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Comparison {
    pub products: Vec<ProductSummary>,
    pub rows: Vec<CompareRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CatalogStatus {
    pub products: u32,
    /// Unix seconds of the last completed sync.
    #[ts(optional)]
    pub synced_at: Option<i64>,
}

/// The most products a comparison holds.
pub const MAX_COMPARE: usize = 4;
