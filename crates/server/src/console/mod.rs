//! The administrator's console: people found by phone, id or name with their role and lock,
//! accounts locked (every session ended) and unlocked, a person's sessions seen and ended, the
//! audit log of changes, and the system's health. Administrators only.
mod metrics;
pub mod observe;

pub use metrics::Metrics;

use std::sync::Arc;

use portal_api::*;
use uuid::Uuid;

use crate::{
    auth::Caller,
    common::now,
    db::{Console, Database, Org, Sessions, UserSearch},
    error::{AppError, AppResult},
    identity::normalize,
};

/// The audit log's retention.
pub const AUDIT_RETENTION_SECS: i64 = 400 * 86_400;
/// An instance not heard from for this long is not shown.
pub const INSTANCE_SEEN_SECS: i64 = 120;
/// How often each instance says it is alive.
pub const HEARTBEAT_SECS: u64 = 30;
/// The most people one search answers.
const MAX_FOUND: u32 = 100;
/// Stores or dealers in one page.
const DIRECTORY_PAGE: u32 = 200;

/// A store's or dealer's code: 1 to 32 letters, digits, `-` or `_`.
fn code(text: &str) -> AppResult<String> {
    let text = text.trim();
    if text.is_empty() || text.len() > 32 || !text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(AppError::field(ErrorCode::InvalidParameter, "code", "A code of 1 to 32 letters, digits, - or _."));
    }
    Ok(text.to_owned())
}

fn code_conflict(e: crate::db::DbError) -> AppError {
    match e {
        crate::db::DbError::Conflict(_) => {
            AppError::field(ErrorCode::NameTaken, "code", "Another store or dealer has this code.")
        }
        e => e.into(),
    }
}

/// A name, city or region: 1 to 100 characters.
fn name(text: &str) -> AppResult<String> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 100 {
        return Err(AppError::field(ErrorCode::InvalidParameter, "name", "A name of 1 to 100 characters."));
    }
    Ok(text.to_owned())
}

#[derive(Clone)]
pub struct ConsoleService {
    console: Arc<dyn Console>,
    sessions: Arc<dyn Sessions>,
    org: Arc<dyn Org>,
    /// The health's database line.
    db: Arc<dyn Database>,
    pub metrics: Arc<Metrics>,
    /// This instance, as its heartbeats describe it.
    pub instance: InstanceView,
}

impl ConsoleService {
    pub fn new(db: &Arc<dyn Database>) -> Self {
        let now = now();
        Self {
            console: db.clone(),
            sessions: db.clone(),
            org: db.clone(),
            db: db.clone(),
            metrics: Arc::new(Metrics::default()),
            instance: InstanceView {
                id: Uuid::now_v7(),
                started_at: now,
                last_seen: now,
                version: env!("CARGO_PKG_VERSION").to_owned(),
            },
        }
    }

    /// Finds people: a phone number (exactly), an account id, or the start of a name.
    pub async fn search(&self, caller: &Caller, query: UserSearchQuery) -> AppResult<AdminUserList> {
        caller.require(&[Role::Admin])?;
        let role = match query.role.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            Some(text) => Some(
                Role::parse(text)
                    .ok_or_else(|| AppError::field(ErrorCode::InvalidParameter, "role", "No such role."))?,
            ),
            None => None,
        };
        let limit = query.limit.unwrap_or(50).clamp(1, MAX_FOUND);
        let text = query.q.as_deref().map(str::trim).unwrap_or_default();
        if text.chars().count() > 64 {
            return Err(AppError::field(ErrorCode::InvalidParameter, "q", "Search with at most 64 characters."));
        }
        let mut search = UserSearch { role, limit, ..Default::default() };
        if let Ok(id) = text.parse::<Uuid>() {
            search.id = Some(id);
        } else if let Some(phone) =
            text.chars().any(|c| c.is_ascii_digit()).then(|| normalize::phone(text).ok()).flatten()
        {
            search.phone = Some(phone);
        } else {
            search.name_prefix = Some(text.to_owned());
        }
        let found = self.console.search_users(search).await?;
        let ids: Vec<Uuid> = found.iter().map(|(u, _)| u.id).collect();
        let locks: std::collections::HashMap<Uuid, AccountLock> =
            self.console.account_locks(ids).await?.into_iter().collect();
        let users = found
            .into_iter()
            .map(|(u, identities)| AdminUser {
                lock: locks.get(&u.id).cloned(),
                user: crate::org::summary(&u, identities),
            })
            .collect();
        Ok(AdminUserList { users })
    }

    async fn one(&self, user: Uuid) -> AppResult<AdminUser> {
        let search = UserSearch { id: Some(user), limit: 1, ..Default::default() };
        let (record, identities) =
            self.console.search_users(search).await?.pop().ok_or_else(|| AppError::not_found("account"))?;
        let lock = self.console.account_locks(vec![user]).await?.pop().map(|(_, l)| l);
        Ok(AdminUser { user: crate::org::summary(&record, identities), lock })
    }

    /// Locks an account (never one's own): no sign-in, every session ended.
    pub async fn lock(&self, caller: &Caller, user: Uuid, req: LockAccount) -> AppResult<AdminUser> {
        caller.require(&[Role::Admin])?;
        if user == caller.user.id {
            return Err(AppError::field(ErrorCode::InvalidParameter, "id", "You cannot lock your own account."));
        }
        let reason = req.reason.trim();
        if reason.is_empty() || reason.chars().count() > 200 {
            return Err(AppError::field(ErrorCode::ReasonRequired, "reason", "Say why (1 to 200 characters)."));
        }
        if !self.console.lock_account(user, caller.user.id, reason.to_owned(), now()).await? {
            return Err(AppError::not_found("account"));
        }
        self.one(user).await
    }

    pub async fn unlock(&self, caller: &Caller, user: Uuid) -> AppResult<AdminUser> {
        caller.require(&[Role::Admin])?;
        self.console.unlock_account(user).await?;
        self.one(user).await
    }

    pub async fn sessions(&self, caller: &Caller, user: Uuid) -> AppResult<AdminSessions> {
        caller.require(&[Role::Admin])?;
        let sessions = self
            .sessions
            .list_sessions(user)
            .await?
            .into_iter()
            .map(|s| DeviceSession {
                id: s.id,
                device_name: s.device_name,
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
                current: false,
            })
            .collect();
        Ok(AdminSessions { sessions })
    }

    /// Ends one of a person's sessions (signs that device out).
    pub async fn end_session(&self, caller: &Caller, user: Uuid, session: Uuid) -> AppResult<AdminSessions> {
        caller.require(&[Role::Admin])?;
        match self.sessions.get_session(session).await? {
            Some(s) if s.user_id == user => {
                self.sessions.revoke_session(session, "ended_by_admin", now()).await?;
                self.sessions(caller, user).await
            }
            _ => Err(AppError::not_found("session")),
        }
    }

    pub async fn audit(&self, caller: &Caller, query: AuditQuery) -> AppResult<AuditPage> {
        caller.require(&[Role::Admin])?;
        const PAGE: u32 = 100;
        let entries = self.console.audit_page(query.before, query.actor, PAGE).await?;
        let next_before = (entries.len() == PAGE as usize).then(|| entries.last().map(|e| e.id)).flatten();
        Ok(AuditPage { entries, next_before })
    }

    pub async fn health(&self, caller: &Caller) -> AppResult<SystemHealth> {
        caller.require(&[Role::Admin])?;
        let now = now();
        let waiting = self.console.waiting_counts(now - 7 * 86_400).await?;
        let totals = self.metrics.totals();
        Ok(SystemHealth {
            database: self.db.health().await?,
            instances: self.console.instances_seen(now - INSTANCE_SEEN_SECS).await?,
            requests: totals.requests,
            server_errors: totals.server_errors,
            set_aside_7d: waiting.set_aside,
            orders_waiting_review: waiting.orders_waiting_review,
            shipments_on_the_way: waiting.shipments_on_the_way,
        })
    }

    pub async fn stores(&self, caller: &Caller, query: DirectoryQuery) -> AppResult<StoreList> {
        caller.require(&[Role::Admin])?;
        Ok(StoreList { stores: self.console.stores_page(query.after, DIRECTORY_PAGE).await? })
    }

    pub async fn dealers(&self, caller: &Caller, query: DirectoryQuery) -> AppResult<DealerList> {
        caller.require(&[Role::Admin])?;
        Ok(DealerList { dealers: self.console.dealers_page(query.after, DIRECTORY_PAGE).await? })
    }

    /// Creates or edits a store (its id the path's).
    pub async fn put_store(&self, caller: &Caller, id: Uuid, store: Store) -> AppResult<Store> {
        caller.require(&[Role::Admin])?;
        let store = Store { id, code: code(&store.code)?, name: name(&store.name)?, city: name(&store.city)? };
        self.org.upsert_store(store.clone()).await.map_err(code_conflict)?;
        Ok(store)
    }

    /// Creates or edits a dealer (its id the path's).
    pub async fn put_dealer(&self, caller: &Caller, id: Uuid, dealer: Dealer) -> AppResult<Dealer> {
        caller.require(&[Role::Admin])?;
        let dealer = Dealer { id, code: code(&dealer.code)?, name: name(&dealer.name)?, region: name(&dealer.region)? };
        self.org.upsert_dealer(dealer.clone()).await.map_err(code_conflict)?;
        Ok(dealer)
    }

    /// Says this instance is alive (every `HEARTBEAT_SECS`).
    pub async fn heartbeat(&self) -> AppResult<()> {
        Ok(self.console.beat_instance(InstanceView { last_seen: now(), ..self.instance.clone() }).await?)
    }

    /// The Prometheus exposition: this instance's traffic, and what waits across the system.
    pub async fn prometheus(&self) -> AppResult<String> {
        let now = now();
        let waiting = self.console.waiting_counts(now - 7 * 86_400).await?;
        let instances = self.console.instances_seen(now - INSTANCE_SEEN_SECS).await?.len();
        Ok(self.metrics.render(&[
            ("portal_up", "Whether this instance answers.", 1.0),
            (
                "portal_started_at_seconds",
                "When this instance started (unix seconds).",
                self.instance.started_at as f64,
            ),
            ("portal_instances_seen", "Instances heard from in the last two minutes.", instances as f64),
            ("portal_set_aside_ops_7d", "Operations devices set aside in the last 7 days.", waiting.set_aside as f64),
            (
                "portal_orders_waiting_review",
                "Dealers' orders waiting for a review.",
                waiting.orders_waiting_review as f64,
            ),
            ("portal_shipments_on_the_way", "Shipments not yet counted in.", waiting.shipments_on_the_way as f64),
        ]))
    }
}
