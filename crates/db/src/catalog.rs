//! The product center: a log of versioned documents that devices sync from.
use async_trait::async_trait;

use crate::*;

/// What a catalog document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CatalogKind {
    Category,
    Product,
    Store,
    Image,
}

impl CatalogKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CatalogKind::Category => "category",
            CatalogKind::Product => "product",
            CatalogKind::Store => "store",
            CatalogKind::Image => "image",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Category, Self::Product, Self::Store, Self::Image].into_iter().find(|k| k.as_str() == s)
    }
}

/// A new body for a catalog document; `None` writes a tombstone.
#[derive(Debug, Clone)]
pub struct CatalogWrite {
    pub kind: CatalogKind,
    pub code: String,
    pub body: Option<String>,
}

#[derive(Debug, Clone)]
pub struct CatalogRow {
    pub kind: CatalogKind,
    pub code: String,
    pub version: i64,
    pub body: Option<String>,
}

#[derive(Debug, Clone)]
pub struct CatalogChanges {
    pub epoch: String,
    pub last_version: i64,
    pub rows: Vec<CatalogRow>,
}

#[async_trait]
pub trait Catalog: Send + Sync {
    /// Applies all writes in one transaction, each changed document taking the next version.
    /// Writes that change nothing take no version. Returns how many changed.
    async fn catalog_write(&self, writes: Vec<CatalogWrite>) -> DbResult<usize>;
    /// Up to `limit` documents changed after version `after`, in version order.
    async fn catalog_changes(&self, after: i64, limit: u32) -> DbResult<CatalogChanges>;
    /// The live body of one document (None when absent or a tombstone).
    async fn catalog_get(&self, kind: CatalogKind, code: &str) -> DbResult<Option<String>>;
    /// Every live body of one kind, by code.
    async fn catalog_all(&self, kind: CatalogKind) -> DbResult<Vec<String>>;
    /// Writes one document only while its live body is still `expected` (None: absent or a
    /// tombstone), checked in the write's own transaction: an editor's save never overwrites a
    /// change made since it read. False, and nothing written, when the body moved on.
    async fn catalog_replace(&self, write: CatalogWrite, expected: Option<String>) -> DbResult<bool>;
}
