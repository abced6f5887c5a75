//! Roles and the organisation a user is bound to (a store or a dealer).
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

/// What a user is to the brand. A promoter is bound to one store, a store manager runs one or more
/// stores, a distributor is bound to one dealer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Consumer,
    Promoter,
    StoreManager,
    Distributor,
    /// The brand's sales manager for a set of dealers (业务经理): their orders, prices and credit.
    BusinessManager,
    Operator,
    Admin,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Consumer,
        Role::Promoter,
        Role::StoreManager,
        Role::Distributor,
        Role::BusinessManager,
        Role::Operator,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Consumer => "consumer",
            Role::Promoter => "promoter",
            Role::StoreManager => "store_manager",
            Role::Distributor => "distributor",
            Role::BusinessManager => "business_manager",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct Store {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub city: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct Dealer {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub region: String,
}

/// What a promoter's home shows about their store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct StoreOverview {
    pub store: Store,
    /// Promoters bound to this store.
    pub promoter_count: u32,
}

/// What a distributor's home shows about their dealer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct DealerOverview {
    pub dealer: Dealer,
    /// Distributor accounts bound to this dealer.
    pub member_count: u32,
}

/// What a marketing operator's home shows: the size of the audience.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct AudienceOverview {
    pub total_users: u32,
    pub consumers: u32,
    pub with_phone: u32,
    pub with_email: u32,
}

/// One row of the administrator's user list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct UserSummary {
    pub id: Uuid,
    pub display_name: String,
    pub role: Role,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<Uuid>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dealer_id: Option<Uuid>,
    pub identity_count: u32,
    /// Unix seconds.
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct UserList {
    pub users: Vec<UserSummary>,
    pub total: u32,
}

/// An administrator assigns a role; promoter needs `store_id`, store manager `store_ids` (their
/// first store is their home store), distributor `dealer_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct SetRoleRequest {
    pub role: Role,
    #[ts(optional)]
    #[serde(default)]
    pub store_id: Option<Uuid>,
    #[serde(default)]
    pub store_ids: Vec<Uuid>,
    #[ts(optional)]
    #[serde(default)]
    pub dealer_id: Option<Uuid>,
}

/// What a store manager's home shows: each of their stores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct ManagerOverview {
    pub stores: Vec<StoreOverview>,
}

/// Someone who sells at a store, with the discount they may give.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct StaffMember {
    pub user_id: Uuid,
    pub display_name: String,
    pub role: Role,
    /// Percent of a line or of a sale they may take off.
    pub discount_limit_percent: u32,
    /// Whether that is their role's default (no limit set for them).
    pub default_limit: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct StaffList {
    pub store_id: Uuid,
    pub members: Vec<StaffMember>,
}

/// A store manager (or an administrator) sets a promoter's discount limit; none restores the
/// role's default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct SetDiscountLimit {
    #[ts(optional)]
    #[serde(default)]
    pub discount_limit_percent: Option<u32>,
}
