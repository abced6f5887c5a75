//! Dealer price lists: the order center's prices by dealer, tier, region and list, each valid
//! for a span of days. Entries of one scope and SKU never overlap in time: a change that would
//! make them is refused whole (`engines::price_lists`).
use async_trait::async_trait;
use portal_distribution::{
    prices::{PriceEntry, PriceScope},
    Day,
};
use uuid::Uuid;

use crate::*;

/// Entries set together, by whom and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceListChange {
    pub entries: Vec<PriceEntry>,
    pub by: Uuid,
    pub at: i64,
}

/// An entry of a change that overlaps an entry already kept or another of the same change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceConflict {
    /// Its place in the change.
    pub index: usize,
    pub with: ConflictsWith,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConflictsWith {
    /// An entry already kept, as it is.
    Kept(PriceEntry),
    /// Another entry of the same change, by its place.
    Sent(usize),
}

#[async_trait]
pub trait PriceLists: Send + Sync {
    /// Keeps every entry of the change, or none when one overlaps (its conflicts returned).
    /// Changes that touch the same scope and SKU wait for each other.
    async fn put_price_entries(&self, change: PriceListChange) -> DbResult<Result<u32, Vec<PriceConflict>>>;
    /// The entries for `skus` of the given scopes that are valid on `day`.
    async fn price_entries(&self, scopes: Vec<PriceScope>, skus: Vec<String>, day: Day) -> DbResult<Vec<PriceEntry>>;
    /// One scope's entries valid on `day`, by SKU, at most `limit`.
    async fn scope_entries(&self, scope: PriceScope, day: Day, limit: u32) -> DbResult<Vec<PriceEntry>>;
}

/// How a scope is stored: a kind and a key (empty for the list price).
pub fn scope_columns(scope: &PriceScope) -> (&'static str, String) {
    match scope {
        PriceScope::Dealer(id) => ("dealer", id.to_string()),
        PriceScope::Tier(tier) => ("tier", tier.clone()),
        PriceScope::Region(region) => ("region", region.clone()),
        PriceScope::List => ("list", String::new()),
    }
}

/// A scope from its stored kind and key.
pub fn scope_of(kind: &str, key: &str) -> DbResult<PriceScope> {
    Ok(match kind {
        "dealer" => PriceScope::Dealer(
            Uuid::parse_str(key)
                .map_err(|_| DbError::Database(format!("a stored price scope is not a dealer id: {key:?}")))?,
        ),
        "tier" => PriceScope::Tier(key.to_owned()),
        "region" => PriceScope::Region(key.to_owned()),
        "list" => PriceScope::List,
        other => return Err(DbError::Database(format!("unknown stored price scope {other:?}"))),
    })
}
