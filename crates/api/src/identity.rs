//! The unified user: one id, many linked identities.
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKind {
    Phone,
    Email,
    Username,
    /// An account in one of the old user centers; `value` is `system:legacy_id`.
    Legacy,
}

impl IdentityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityKind::Phone => "phone",
            IdentityKind::Email => "email",
            IdentityKind::Username => "username",
            IdentityKind::Legacy => "legacy",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Phone, Self::Email, Self::Username, Self::Legacy].into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct Identity {
    pub kind: IdentityKind,
    /// Normalised: E.164 phone, lower-case e-mail, lower-case username, `system:id` for legacy.
    pub value: String,
    pub verified: bool,
    /// Unix seconds.
    pub linked_at: i64,
}

/// The signed-in user's own view of their account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct Profile {
    pub user_id: Uuid,
    pub display_name: String,
    pub role: Role,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<Uuid>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dealer_id: Option<Uuid>,
    pub identities: Vec<Identity>,
    pub has_password: bool,
    /// Unix seconds.
    pub created_at: i64,
    /// The stores this account works at (a promoter's one, a store manager's several).
    #[serde(default)]
    pub stores: Vec<crate::Store>,
    /// The most a sale made by this account may take off, in percent (a line or the whole sale).
    #[serde(default)]
    pub discount_limit_percent: u32,
    /// The person's birthday, MM-DD, if they gave it (for birthday offers).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthday: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct UpdateProfileRequest {
    pub display_name: String,
    /// MM-DD sets the birthday, "" forgets it; absent leaves it as it is.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthday: Option<String>,
}

/// Link another phone or e-mail, proven by a code sent to it with purpose `link`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct LinkIdentityRequest {
    pub kind: IdentityKind,
    pub value: String,
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct SetPasswordRequest {
    pub new_password: String,
    /// Required when the account already has a password.
    #[ts(optional)]
    #[serde(default)]
    pub current_password: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FavouriteKind {
    /// Kept for later.
    Favourite,
    /// A pre-sale or announced product the user wants news of.
    Follow,
}

impl FavouriteKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FavouriteKind::Favourite => "favourite",
            FavouriteKind::Follow => "follow",
        }
    }
}

/// One change made on a device, possibly offline, sent through the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct FavouriteOp {
    /// Client-generated (UUID v7); the server applies each id once.
    pub id: Uuid,
    pub model: String,
    pub kind: FavouriteKind,
    pub active: bool,
    /// Unix seconds on the device when the change was made.
    pub changed_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct FavouriteOps {
    pub ops: Vec<FavouriteOp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct Favourite {
    pub model: String,
    pub kind: FavouriteKind,
    pub changed_at: i64,
}

/// The account's favourites and follows, and which operations were acknowledged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct FavouriteList {
    pub favourites: Vec<Favourite>,
    /// The ids of the operations just received (applied now or before, or refused below).
    pub acked: Vec<Uuid>,
    /// Received but refused: ids already used by another account or for another operation
    /// (`idempotency_conflict`). They changed nothing; the device drops them.
    #[serde(default)]
    pub rejected: Vec<Uuid>,
}
