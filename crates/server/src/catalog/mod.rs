//! The product center: one product truth for every channel, as versioned documents.
pub mod csv_format;
pub mod demo;
pub mod edit;
pub mod price_book;
pub mod sync;
pub mod validate;

use std::sync::Arc;

use self::price_book::PriceBook;
use crate::db::{Catalog, Database, StoreOps};

/// The product center as a service: it sees the catalog's documents and the stores' stock (what
/// can be bought where), nothing else of the storage. Handlers take it from the server's state
/// (`State<CatalogService>`); a clone shares the same storage.
#[derive(Clone)]
pub struct CatalogService {
    documents: Arc<dyn Catalog>,
    stock: Arc<dyn StoreOps>,
    /// The catalog's prices by SKU, rebuilt when the catalog's version moves (shared by clones).
    price_book: Arc<tokio::sync::Mutex<Arc<PriceBook>>>,
}

impl CatalogService {
    pub fn new(db: &Arc<dyn Database>) -> Self {
        Self { documents: db.clone(), stock: db.clone(), price_book: Default::default() }
    }

    /// The catalog's version: (epoch, last version); it moves whenever a product changes.
    pub async fn version(&self) -> crate::error::AppResult<(String, i64)> {
        let changes = self.documents.catalog_changes(i64::MAX, 0).await?;
        Ok((changes.epoch, changes.last_version))
    }

    /// The catalog's prices as of its current version (rebuilt only when the catalog changed).
    pub async fn price_book(&self) -> crate::error::AppResult<Arc<PriceBook>> {
        let version = self.version().await?;
        let mut book = self.price_book.lock().await;
        if book.version != version {
            *book = Arc::new(PriceBook::build(self.documents.as_ref(), version).await?);
        }
        Ok(book.clone())
    }
}
