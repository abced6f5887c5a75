//! The administrator's console on the wire: people found by phone, name or id with their role,
//! lock and sessions; accounts locked and unlocked with a reason; the audit log of every change an
//! administrator or business manager made; and the system's health.
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{Dealer, DeviceSession, Store, UserSummary};

/// Whom to find: a phone number (exactly), an account id, or the start of a display name; and,
/// optionally, only one role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS, IntoParams)]
pub struct UserSearchQuery {
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// An account locked by an administrator: no sign-in, every session ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct AccountLock {
    pub reason: String,
    pub by: Uuid,
    pub at: i64,
}

/// A person as the console lists them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct AdminUser {
    pub user: UserSummary,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock: Option<AccountLock>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct AdminUserList {
    pub users: Vec<AdminUser>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct LockAccount {
    pub reason: String,
}

/// A person's sessions, for the console (the current flag is always false).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct AdminSessions {
    pub sessions: Vec<DeviceSession>,
}

/// A change an administrator or business manager made: who, when, what (the request's method
/// and route) and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor_id: Uuid,
    pub actor_name: String,
    pub role: String,
    pub method: String,
    pub path: String,
    pub status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct AuditPage {
    /// Newest first.
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next page.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_before: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS, IntoParams)]
pub struct AuditQuery {
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<i64>,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<Uuid>,
}

/// A server instance as its heartbeats tell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct InstanceView {
    pub id: Uuid,
    pub started_at: i64,
    pub last_seen: i64,
    pub version: String,
}

/// The system at a glance: the database, the instances seen lately, this instance's traffic and
/// errors, and what waits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct SystemHealth {
    pub database: String,
    pub instances: Vec<InstanceView>,
    /// Requests this instance answered since it started, and those that failed on its side (5xx).
    pub requests: u64,
    pub server_errors: u64,
    /// Operations devices reported set aside (refused for good) in the last 7 days.
    pub set_aside_7d: u64,
    /// Dealers' orders waiting for a price or credit review.
    pub orders_waiting_review: u64,
    /// Shipments on their way to stores, not yet counted in.
    pub shipments_on_the_way: u64,
}

/// A page of stores or dealers, by code after `after`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS, IntoParams)]
pub struct DirectoryQuery {
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct StoreList {
    /// By code, at most 200.
    pub stores: Vec<Store>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct DealerList {
    /// By code, at most 200.
    pub dealers: Vec<Dealer>,
}
