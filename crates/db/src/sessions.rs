//! Device sessions and the rotation of their refresh tokens (`rotation::decide`).
use async_trait::async_trait;
use uuid::Uuid;

use crate::*;

#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    pub id: Uuid,
    pub user_id: Uuid,
    pub device_name: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub generation: i64,
    pub rotated_at: i64,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// The presented generation was current; the session moved to the next one.
    Advanced {
        generation: i64,
    },
    /// The presented generation was the previous one, whose successor is unused (an answer
    /// lost on the network) or was issued within the grace window (concurrent refreshes).
    WithinGrace {
        generation: i64,
    },
    /// An older generation, or the previous one after its successor was used: the session is now revoked.
    Reused,
    Revoked,
    Unknown,
}

#[async_trait]
pub trait Sessions: Send + Sync {
    async fn create_session(&self, session: SessionRecord) -> DbResult<()>;
    async fn get_session(&self, id: Uuid) -> DbResult<Option<SessionRecord>>;
    /// The account of `user`, if session `session` is theirs and not revoked: what every
    /// authenticated request checks, in one read (none for an account an administrator locked).
    async fn live_session_user(&self, session: Uuid, user: Uuid) -> DbResult<Option<UserRecord>>;
    /// Applies [`rotation::decide`] to the session in one transaction.
    async fn rotate_session(&self, id: Uuid, presented: i64, grace_secs: i64, now: i64) -> DbResult<Rotation>;
    /// Records that the session was used now with an access token of `generation` (which marks
    /// that generation used when it is the current one).
    async fn touch_session(&self, id: Uuid, generation: i64, now: i64) -> DbResult<()>;
    async fn revoke_session(&self, id: Uuid, reason: &str, now: i64) -> DbResult<bool>;
    async fn list_sessions(&self, user_id: Uuid) -> DbResult<Vec<SessionRecord>>;
}
