//! Wire types shared by the portal server, the client core and the app.
//!
//! Everything that crosses the network is defined here once. The server derives its
//! OpenAPI document from these types (utoipa) and the app's TypeScript types are
//! generated from them (ts-rs), so no shape is ever written twice.

pub mod admin;
pub mod allocation;
pub mod approvals;
pub mod audiences;
pub mod auth;
pub mod campaigns;
pub mod catalog;
pub mod devices;
pub mod endpoints;
pub mod error;
pub mod identity;
pub mod marketing;
pub mod orders;
pub mod org;
pub mod queries;
pub mod rebates;
pub mod store_ops;

pub use admin::*;
pub use allocation::*;
pub use approvals::*;
pub use audiences::*;
pub use auth::*;
pub use campaigns::*;
pub use catalog::*;
pub use devices::*;
pub use error::*;
pub use identity::*;
pub use marketing::*;
pub use orders::*;
pub use org::*;
pub use queries::*;
pub use rebates::*;
pub use store_ops::*;

/// The name a unit enum variant has on the wire (`pre_sale`, `qr_wallet`), for storing it as text.
pub fn wire_name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// The variant a wire name stands for, if any.
pub fn from_wire_name<T: serde::de::DeserializeOwned>(name: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
}
