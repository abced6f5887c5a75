//! People's accounts and the identities they sign in with (phone, e-mail, legacy logins).
use async_trait::async_trait;
use uuid::Uuid;

use crate::*;

#[derive(Debug, Clone, PartialEq)]
pub struct IdentityRecord {
    pub kind: IdentityKind,
    pub value: String,
    pub user_id: Uuid,
    pub verified: bool,
    pub linked_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UserRecord {
    pub id: Uuid,
    pub display_name: String,
    pub role: Role,
    pub store_id: Option<Uuid>,
    pub dealer_id: Option<Uuid>,
    pub password_hash: Option<String>,
    pub created_at: i64,
    /// Set for this person by their store manager; none means their role's default.
    pub discount_limit_percent: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct NewIdentity {
    pub kind: IdentityKind,
    pub value: String,
    pub verified: bool,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: Uuid,
    pub display_name: String,
    pub role: Role,
    pub store_id: Option<Uuid>,
    pub dealer_id: Option<Uuid>,
    pub password_hash: Option<String>,
    pub created_at: i64,
    pub identities: Vec<NewIdentity>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AudienceCounts {
    pub total_users: u32,
    pub consumers: u32,
    pub with_phone: u32,
    pub with_email: u32,
}

#[async_trait]
pub trait Accounts: Send + Sync {
    async fn find_identity(&self, kind: IdentityKind, value: &str) -> DbResult<Option<IdentityRecord>>;
    async fn create_user(&self, user: NewUser) -> DbResult<()>;
    async fn get_user(&self, id: Uuid) -> DbResult<Option<UserRecord>>;
    async fn list_identities(&self, user_id: Uuid) -> DbResult<Vec<IdentityRecord>>;
    async fn add_identity(&self, user_id: Uuid, identity: NewIdentity, now: i64) -> DbResult<()>;
    async fn set_display_name(&self, user_id: Uuid, name: &str) -> DbResult<()>;
    /// Sets the password and revokes every other session of the account, in one transaction.
    async fn set_password_hash(&self, user_id: Uuid, hash: &str, keep_session: Option<Uuid>, now: i64) -> DbResult<()>;
    async fn list_users(&self, limit: u32, offset: u32) -> DbResult<(Vec<(UserRecord, u32)>, u32)>;
    async fn audience_counts(&self) -> DbResult<AudienceCounts>;
}
