//! The portal app's core, with no Tauri dependency: the local SQLite cache, the device session
//! (refresh token in the OS keyring), and the API client. The Tauri crate only adapts commands.
pub mod api;
pub mod app;
pub mod background;
pub mod cache;
pub mod catalog;
pub mod commands;
pub mod consumer_day;
pub mod counter_offer;
pub mod coupons;
pub mod dealer_orders;
pub mod error;
pub mod events;
pub mod favourites;
pub mod inbox;
pub mod outbox;
pub mod recommendations;
pub mod session;
pub mod state;
pub mod store_ops;
pub mod store_stock;
pub mod vault;

#[cfg(test)]
mod ipc_types;

// The commands' declarations name types by full path (`portal_client::…`), here as in the shell.
extern crate self as portal_client;

pub use app::PortalApp;
pub use error::{ClientError, ClientResult};
pub use state::*;
