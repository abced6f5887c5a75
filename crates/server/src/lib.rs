//! The portal server: the unified user center and the role homes, over HTTP.
pub mod catalog;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod http;
pub mod identity;
pub mod org;
pub mod portal;
pub mod sender;
pub mod store_ops;

use std::sync::Arc;

pub use config::Config;
pub use portal::Portal;

/// Opens the database and key and assembles the server's state.
pub fn open(config: Config) -> anyhow::Result<Arc<Portal>> {
    let db = db::SqliteDatabase::open(&config.database)?;
    let keys = identity::tokens::ServerKeys::load_or_create(&config.key_file)?;
    let sender = sender::EmbeddedSender::new(config.dev_mode);
    Ok(Arc::new(Portal::new(Arc::new(db), Arc::new(sender), keys, config)))
}
