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

impl Lifecycle {
    /// Every stage, in declaration order (the app's cache stores a stage as its position here).
    pub const ALL: [Lifecycle; 4] =
        [Lifecycle::Announced, Lifecycle::PreSale, Lifecycle::OnSale, Lifecycle::Discontinued];
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

impl MarketingTag {
    /// Every tag, in declaration order (the app's cache stores tags as bits by position here).
    pub const ALL: [MarketingTag; 5] = [
        MarketingTag::New,
        MarketingTag::Hot,
        MarketingTag::Promotion,
        MarketingTag::PreSale,
        MarketingTag::Recommended,
    ];
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
    /// Units carry serial numbers (TVs, fridges, ACs): each is sold on a line of its own with its
    /// serial. A subcategory inherits it from its parent.
    #[serde(default)]
    pub serialised: bool,
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

// Deserialized by hand, below: serde's derive for an internally tagged enum buffers every item into
// an intermediate tree first, which was the largest cost of a 100,000-SKU first sync on the client.
/// One change in the catalog's log.
#[derive(Debug, Clone, PartialEq, Serialize, TS, ToSchema)]
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

impl<'de> Deserialize<'de> for SyncItem {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(SyncItemVisitor)
    }
}

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum SyncKind {
    Category,
    Product,
    Store,
    Image,
}

/// The item's data, typed when `kind` came first (as this server writes it), or kept as a JSON value
/// to be typed once `kind` is known.
enum SyncData {
    Category(Option<Category>),
    Product(Option<Product>),
    Store(Option<RetailStore>),
    Image(Option<CatalogImage>),
    Untyped(serde_json::Value),
}

struct SyncItemVisitor;

impl<'de> serde::de::Visitor<'de> for SyncItemVisitor {
    type Value = SyncItem;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a catalog change with kind, version, code and optional data")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<SyncItem, A::Error> {
        use serde::de::Error;
        let (mut kind, mut version, mut code, mut data) = (None, None, None, None);
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "kind" => kind = Some(map.next_value::<SyncKind>()?),
                "version" => version = Some(map.next_value::<i64>()?),
                "code" => code = Some(map.next_value::<String>()?),
                "data" => {
                    data = Some(match kind {
                        Some(SyncKind::Category) => SyncData::Category(map.next_value()?),
                        Some(SyncKind::Product) => SyncData::Product(map.next_value()?),
                        Some(SyncKind::Store) => SyncData::Store(map.next_value()?),
                        Some(SyncKind::Image) => SyncData::Image(map.next_value()?),
                        None => SyncData::Untyped(map.next_value()?),
                    })
                }
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        let kind = kind.ok_or_else(|| A::Error::missing_field("kind"))?;
        let version = version.ok_or_else(|| A::Error::missing_field("version"))?;
        let code = code.ok_or_else(|| A::Error::missing_field("code"))?;
        fn typed<T: serde::de::DeserializeOwned, E: Error>(value: serde_json::Value) -> Result<Option<T>, E> {
            serde_json::from_value(value).map_err(E::custom)
        }
        let data = data.unwrap_or(SyncData::Untyped(serde_json::Value::Null));
        Ok(match (kind, data) {
            (SyncKind::Category, SyncData::Category(data)) => SyncItem::Category { version, code, data },
            (SyncKind::Product, SyncData::Product(data)) => SyncItem::Product { version, code, data },
            (SyncKind::Store, SyncData::Store(data)) => SyncItem::Store { version, code, data },
            (SyncKind::Image, SyncData::Image(data)) => SyncItem::Image { version, code, data },
            (SyncKind::Category, SyncData::Untyped(v)) => SyncItem::Category { version, code, data: typed(v)? },
            (SyncKind::Product, SyncData::Untyped(v)) => SyncItem::Product { version, code, data: typed(v)? },
            (SyncKind::Store, SyncData::Untyped(v)) => SyncItem::Store { version, code, data: typed(v)? },
            (SyncKind::Image, SyncData::Untyped(v)) => SyncItem::Image { version, code, data: typed(v)? },
            _ => return Err(A::Error::custom("data does not match kind")),
        })
    }
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
    /// On the last page: what each store that keeps its stock in the portal has in stock now (a
    /// snapshot, replaced at every completed sync; stock moves too often for the versioned log).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_stock: Option<Vec<StoreStock>>,
}

/// The SKUs a store has at least one of (no quantities: that is the store's business).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct StoreStock {
    /// The store's code, as in the catalog's stores.
    pub store: String,
    pub skus: Vec<String>,
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

/// What an import answers when it is refused: the report of the problems it found in the
/// catalog, or a coded error when the request itself could not be read (not JSON, not UTF-8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ImportRefusal {
    Report(ImportReport),
    Error(crate::ApiError),
}

/// A product as the console edits it: the document and its revision. A save sends the revision
/// back, and lands only if nobody changed the product since (else 409 `stale_state`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct ProductRevision {
    pub product: Product,
    /// Names the stored document's exact content; changes whenever the product does.
    pub revision: String,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_items_read_whatever_the_key_order() {
        let image = CatalogImage { id: "i1".into(), mime: "image/svg+xml".into(), data: "PHN2Zy8+".into() };
        let item = SyncItem::Image { version: 7, code: "i1".into(), data: Some(image) };
        let json = serde_json::to_string(&item).unwrap();
        assert!(json.starts_with(r#"{"kind":"image""#), "{json}");
        assert_eq!(serde_json::from_str::<SyncItem>(&json).unwrap(), item);

        let data_first =
            r#"{"data":{"id":"i1","mime":"image/svg+xml","data":"PHN2Zy8+"},"code":"i1","version":7,"kind":"image"}"#;
        assert_eq!(serde_json::from_str::<SyncItem>(data_first).unwrap(), item);

        let tombstone = r#"{"kind":"product","version":9,"code":"65E8K","extra":[1,2]}"#;
        assert_eq!(
            serde_json::from_str::<SyncItem>(tombstone).unwrap(),
            SyncItem::Product { version: 9, code: "65E8K".into(), data: None }
        );
        assert!(serde_json::from_str::<SyncItem>(r#"{"kind":"planet","version":1,"code":"x"}"#).is_err());
        assert!(serde_json::from_str::<SyncItem>(r#"{"kind":"image","code":"x"}"#).is_err(), "version is required");
        assert!(serde_json::from_str::<SyncItem>(r#"{"kind":"image","version":1,"code":"x","data":{"id":1}}"#).is_err());
    }
}
