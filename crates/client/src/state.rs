//! What crosses the app's IPC boundary: the app state and the inputs of its commands.
//! TypeScript types for all of these are generated (see `ipc_types.rs`).
use portal_api::*;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Everything a screen needs to draw itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AppState {
    pub server_url: String,
    /// `zh-CN` or `en`.
    pub locale: String,
    pub signed_in: bool,
    /// False when the last call to the server could not reach it.
    pub online: bool,
    #[ts(optional)]
    pub profile: Option<Profile>,
    /// Unix seconds the profile was cached at.
    #[ts(optional)]
    pub profile_cached_at: Option<i64>,
    #[ts(optional)]
    pub home: Option<RoleHome>,
    #[ts(optional)]
    pub home_cached_at: Option<i64>,
    /// Why this device was signed out by the server, shown once.
    #[ts(optional)]
    pub signed_out_reason: Option<ApiError>,
}

/// The role home's data, by role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "role", content = "data", rename_all = "snake_case")]
pub enum RoleHome {
    Consumer(ConsumerHome),
    Promoter(StoreOverview),
    StoreManager(ManagerOverview),
    Distributor(DealerOverview),
    BusinessManager(BusinessDesk),
    Operator(AudienceOverview),
    Admin(UserList),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ConsumerHome {
    /// Unix seconds.
    pub member_since: i64,
    pub linked_identities: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SignUpInput {
    pub phone: String,
    pub code: String,
    #[ts(optional)]
    pub password: Option<String>,
    #[ts(optional)]
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CodeSignInInput {
    pub phone: String,
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PasswordSignInInput {
    pub login: String,
    pub password: String,
}
