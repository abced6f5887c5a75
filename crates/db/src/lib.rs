//! The server's storage, by domain: one trait per domain (`accounts`, `sign_in`, `sessions`,
//! `org`, `catalog`, `favourites`, `events`, `interest`, `experiments`, `trail`, `triggers`,
//! `tags`, `customer_view`, `store_ops`), each beside the records it reads and writes, so that
//! SQLite (the embedded default, `portal-db-sqlite`) and PostgreSQL (`portal-db-postgres`) can
//! both serve. Every method is one atomic operation: it behaves as if it ran alone, whatever else
//! runs at the same moment (on SQLite one writer at a time; on PostgreSQL by row locks), so a
//! check it makes holds when it writes.
//!
//! A decision made between a read and a write is made here once, not in each backend: a pure rule
//! (`lockout`, `throttle`, `rotation`, `code_check`, `portal_marketing::triggers::admit`) or an
//! engine over a typed port (`apply` over `ledger::Ledger`). The backends read, write and lock.
//! `contract` (the `test-support` feature) is the suite every backend passes.
pub mod accounts;
pub mod allocations;
pub mod apply;
pub mod approvals;
pub mod audiences;
pub mod campaigns;
pub mod catalog;
pub mod code_check;
pub mod console;
#[cfg(feature = "test-support")]
pub mod contract;
pub mod coupons;
pub mod driver_errors;
pub mod engines;
pub mod ledger;
pub mod lockout;
pub mod people;
pub use people::{InterestPage, PageEnds, PersonHistory};
pub mod customer_view;
pub mod delivery;
pub mod events;
pub mod experiments;
pub mod favourites;
pub mod interest;
pub mod orders;
pub mod org;
pub mod outbound;
pub mod price_lists;
pub mod rebates;
pub mod reports;
pub mod rotation;
pub mod sessions;
pub mod sign_in;
pub mod store_ops;
pub mod tags;
pub mod throttle;
pub mod trail;
pub mod triggers;

pub use accounts::*;
pub use allocations::*;
pub use apply::{CounterCustomer, CouponCheck, OpContext};
pub use approvals::*;
pub use audiences::*;
pub use campaigns::*;
pub use catalog::*;
pub use console::*;
pub use coupons::*;
pub use customer_view::*;
pub use delivery::*;
pub use events::*;
pub use experiments::*;
pub use favourites::*;
pub use interest::*;
pub use orders::*;
pub use org::*;
pub use outbound::*;
pub use price_lists::*;
pub use rebates::*;
pub use sessions::*;
pub use sign_in::*;
pub use store_ops::*;
pub use tags::*;
pub use trail::*;
pub use triggers::*;

use async_trait::async_trait;
use portal_api::{IdentityKind, Role};
use sha2::{Digest, Sha256};

/// A hash of an operation or event as the server read it: its id is bound to it.
pub fn body_hash(value: &impl serde::Serialize) -> String {
    let json = serde_json::to_vec(value).unwrap_or_default();
    Sha256::digest(&json).iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A unique key is taken; the string names it for the person reading the error.
    #[error("{0} is already taken")]
    Conflict(String),
    #[error("database error: {0}")]
    Database(String),
    /// The database could not order this transaction with another running at the same moment
    /// (PostgreSQL's serialization failure or deadlock): running it again will do.
    #[error("the transaction met another one and must be run again: {0}")]
    Retry(String),
    #[error("database at {path} is version {found}; this server knows up to {known}. Upgrade the server.")]
    TooNew { path: String, found: i64, known: i64 },
}

pub type DbResult<T> = Result<T, DbError>;

pub mod prelude {
    //! Every domain trait, for code that calls them through `dyn Database`.
    pub use crate::{
        Accounts, Audiences, Campaigns, Catalog, CustomerView, DealerNetwork, Delivery, Events, Experiments,
        Favourites, Interest, Orders, Org, Outbound, PriceLists, Rebates, Sessions, SignIn, StoreOps, Tags, Trail,
        Triggers,
    };
}

/// The whole storage: every domain's trait, as one object for the server's composition root.
/// A service takes only the traits of its domain.
#[async_trait]
pub trait Database:
    Accounts
    + SignIn
    + Sessions
    + Org
    + Catalog
    + Favourites
    + Events
    + Interest
    + Experiments
    + Trail
    + Triggers
    + Tags
    + CustomerView
    + StoreOps
    + PriceLists
    + Orders
    + DealerNetwork
    + Rebates
    + Allocations
    + Approvals
    + Campaigns
    + Audiences
    + Coupons
    + Delivery
    + Outbound
    + Console
    + Send
    + Sync
    + 'static
{
    /// A one-line description for /healthz.
    async fn health(&self) -> DbResult<String>;
}
