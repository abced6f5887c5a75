//! Signing in: one-time codes and their throttle, password attempts and their lockout, the dev
//! outbox, and pruning what expired. Every check-then-write here is applied in one transaction with
//! a pure rule (`throttle`, `code_check`, `lockout`).
use async_trait::async_trait;

use crate::*;

#[derive(Debug, Clone)]
pub struct NewCode {
    pub channel: String,
    pub target: String,
    pub purpose: String,
    pub code_hash: String,
    pub client_ip: String,
    pub created_at: i64,
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CodeRecord {
    pub id: i64,
    pub code_hash: String,
    pub expires_at: i64,
    pub attempts: u32,
}

/// How a verification attempt against the newest live code ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    Accepted,
    Wrong { attempts_left: u32 },
    NoLiveCode,
    Expired,
    AttemptsExhausted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PruneCounts {
    pub codes: usize,
    pub attempts: usize,
    pub sessions: usize,
}

/// A message the embedded sender delivered in dev mode, sealed (see `sender::seal`).
#[derive(Debug, Clone, PartialEq)]
pub struct DevMessage {
    pub recipient: String,
    pub channel: String,
    pub sealed: String,
    pub sent_at: i64,
}

#[async_trait]
pub trait SignIn: Send + Sync {
    /// Inserts the code when [`throttle::check`] allows one more send to its target from its
    /// address, reading the last hour's sends and inserting in one transaction (parallel requests
    /// for one number send one message).
    async fn insert_code_if_allowed(
        &self,
        code: NewCode,
        limits: throttle::Limits,
    ) -> DbResult<Result<(), throttle::Refusal>>;
    /// Checks `code_hash` against the newest unconsumed code for (target, purpose), counting the attempt,
    /// and consumes it when it matches, all in one transaction.
    async fn check_code(
        &self,
        target: &str,
        purpose: &str,
        code_hash: &str,
        max_attempts: u32,
        now: i64,
    ) -> DbResult<CodeCheck>;
    /// Admits one password attempt for every key at once (an account and a client address), each
    /// counted before the password is verified, in one transaction. If one key is locked, none is
    /// counted and the latest lock is returned.
    async fn admit_password_attempt(
        &self,
        keys: Vec<(String, lockout::Policy)>,
        now: i64,
    ) -> DbResult<lockout::Admission>;
    /// Settles an admitted attempt: a failure keeps it counted on every key (locking a key whose
    /// attempts are used up); a success clears `account` and gives `shared` its attempt back.
    async fn settle_password_attempt(
        &self,
        account: (String, lockout::Policy),
        shared: (String, lockout::Policy),
        outcome: lockout::Settle,
        now: i64,
    ) -> DbResult<lockout::Attempts>;
    async fn keep_dev_message(&self, message: DevMessage) -> DbResult<()>;
    /// The newest `limit` messages to a recipient, oldest first.
    async fn dev_messages(&self, recipient: &str, limit: u32) -> DbResult<Vec<DevMessage>>;
    /// Deletes what is no longer needed: codes expired before `codes_before`, password attempts
    /// last made before `attempts_before`, sessions that ended before `sessions_before`.
    async fn prune(&self, codes_before: i64, attempts_before: i64, sessions_before: i64) -> DbResult<PruneCounts>;
}
