//! The administrator's console in storage: accounts locked by an administrator (with every
//! session ended in the same transaction), people found by phone, id or name, the audit log of
//! changes, the instances' heartbeats, and what waits across the system.
use async_trait::async_trait;
use portal_api::{AccountLock, AuditEntry, Dealer, InstanceView, Role, Store};
use uuid::Uuid;

use crate::*;

/// Whom to find; at most one of `phone`, `id` and `name_prefix` is set (none: everyone, by name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserSearch {
    pub phone: Option<String>,
    pub id: Option<Uuid>,
    pub name_prefix: Option<String>,
    pub role: Option<Role>,
    pub limit: u32,
}

/// A change to keep in the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub actor_id: Uuid,
    pub role: String,
    pub method: String,
    pub path: String,
    pub status: u16,
    pub at: i64,
}

/// What waits across the system, for its health.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WaitingCounts {
    pub set_aside: u64,
    pub orders_waiting_review: u64,
    pub shipments_on_the_way: u64,
}

#[async_trait]
pub trait Console: Send + Sync {
    /// Locks an account and ends its sessions, in one transaction; false when there is no such
    /// account. Locking a locked account keeps the first lock.
    async fn lock_account(&self, user: Uuid, by: Uuid, reason: String, at: i64) -> DbResult<bool>;
    async fn unlock_account(&self, user: Uuid) -> DbResult<()>;
    async fn account_locks(&self, users: Vec<Uuid>) -> DbResult<Vec<(Uuid, AccountLock)>>;
    /// People and how many identities each has, by display name then id (at most `limit`).
    async fn search_users(&self, search: UserSearch) -> DbResult<Vec<(UserRecord, u32)>>;
    async fn record_audit(&self, entry: AuditRecord) -> DbResult<()>;
    /// Entries newest first, with ids below `before` (all when none), optionally of one actor.
    async fn audit_page(&self, before: Option<i64>, actor: Option<Uuid>, limit: u32) -> DbResult<Vec<AuditEntry>>;
    /// Deletes entries older than `before_at` (the retention); how many went.
    async fn prune_audit(&self, before_at: i64) -> DbResult<u64>;
    async fn beat_instance(&self, instance: InstanceView) -> DbResult<()>;
    /// Instances heard from since `since`, newest beat first; older ones are forgotten.
    async fn instances_seen(&self, since: i64) -> DbResult<Vec<InstanceView>>;
    async fn waiting_counts(&self, set_aside_since: i64) -> DbResult<WaitingCounts>;
    /// Stores by code, after `after` (at most `limit`).
    async fn stores_page(&self, after: Option<String>, limit: u32) -> DbResult<Vec<Store>>;
    /// Dealers by code, after `after` (at most `limit`).
    async fn dealers_page(&self, after: Option<String>, limit: u32) -> DbResult<Vec<Dealer>>;
}
