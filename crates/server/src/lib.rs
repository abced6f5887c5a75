//! The portal server: the unified user center and the role homes, over HTTP.
pub mod auth;
pub mod campaigns;
pub mod catalog;
pub mod common;
pub mod config;
pub mod console;
pub mod db;
pub mod demo;
pub mod distribution;
pub mod error;
pub mod favourites;
pub mod gateways;
pub mod http;
pub mod identity;
pub mod live;
pub mod marketing;
pub mod org;
pub mod portal;
pub mod sender;
pub mod store_ops;

use std::sync::Arc;

pub use config::Config;
pub use portal::Portal;

/// Opens the database and key and assembles the server's state.
pub fn open(config: Config) -> anyhow::Result<Arc<Portal>> {
    let db = open_database(&config)?;
    let keys = identity::tokens::ServerKeys::load_or_create(&config.key_file)?;
    let gateways = Arc::new(gateways::Gateways::from_config(&config)?);
    Ok(Arc::new(Portal::new(db, gateways, keys, config)))
}

/// The database the configuration names: PostgreSQL for a `postgres://` address, else SQLite.
pub fn open_database(config: &Config) -> anyhow::Result<Arc<dyn db::Database>> {
    let target = config.database.trim();
    if target.starts_with("postgres://") || target.starts_with("postgresql://") {
        return Ok(Arc::new(db::PostgresDatabase::open_with_ca(
            target,
            config.database_pool_size,
            config.database_ca_file.clone(),
        )?));
    }
    let path = target.strip_prefix("sqlite://").unwrap_or(target);
    Ok(Arc::new(db::SqliteDatabase::open(std::path::Path::new(path))?))
}
