//! The product center: one product truth for every channel, as versioned documents.
pub mod csv_format;
pub mod demo;
pub mod edit;
pub mod sync;
pub mod validate;

use std::sync::Arc;

use crate::db::{Catalog, Database, StoreOps};

/// The product center as a service: it sees the catalog's documents and the stores' stock (what
/// can be bought where), nothing else of the storage. Handlers take it from the server's state
/// (`State<CatalogService>`); a clone shares the same storage.
#[derive(Clone)]
pub struct CatalogService {
    documents: Arc<dyn Catalog>,
    stock: Arc<dyn StoreOps>,
}

impl CatalogService {
    pub fn new(db: &Arc<dyn Database>) -> Self {
        Self { documents: db.clone(), stock: db.clone() }
    }
}
