//! The portal server: the unified user center and the role homes, over HTTP.
pub mod catalog;
pub mod config;
pub mod demo;
pub mod error;
pub mod http;
pub mod identity;
pub mod org;
pub mod portal;
pub mod sender;
pub mod store;
pub mod store_ops;

use std::sync::Arc;

pub use config::Config;
pub use portal::Portal;

/// Opens the store and key and assembles the server's state.
pub fn open(config: Config) -> anyhow::Result<Arc<Portal>> {
    let store = store::SqliteStore::open(&config.database)?;
    let keys = identity::tokens::ServerKeys::load_or_create(&config.key_file)?;
    let sender = sender::EmbeddedSender::new(config.dev_mode);
    Ok(Arc::new(Portal::new(Arc::new(store), Arc::new(sender), keys, config)))
}
