//! Wire types shared by the portal server, the client core and the app.
//!
//! Everything that crosses the network is defined here once. The server derives its
//! OpenAPI document from these types (utoipa) and the app's TypeScript types are
//! generated from them (ts-rs), so no shape is ever written twice.

pub mod auth;
pub mod catalog;
pub mod error;
pub mod identity;
pub mod org;
pub mod store_ops;

pub use auth::*;
pub use catalog::*;
pub use error::*;
pub use identity::*;
pub use org::*;
pub use store_ops::*;
