//! The server's shared state: storage, message sender, keys and configuration.
use std::sync::Arc;

use crate::{common::now, config::Config, db::Database, identity::tokens::ServerKeys, sender::MessageSender};

pub struct Portal {
    pub db: Arc<dyn Database>,
    pub sender: Arc<dyn MessageSender>,
    pub keys: ServerKeys,
    pub config: Config,
    /// Password hashes computed at once (argon2id is CPU- and memory-heavy by design).
    pub password_slots: Arc<tokio::sync::Semaphore>,
    /// Stores, dealers and who works where.
    pub org: crate::org::OrgService,
    /// The product center.
    pub catalog: crate::catalog::CatalogService,
    /// Marketing's caches and passes in this instance.
    pub marketing: crate::marketing::state::MarketingState,
    /// When this instance last recorded a use of each (session, access-token generation).
    pub session_touches: std::sync::Mutex<std::collections::HashMap<(uuid::Uuid, i64), i64>>,
}

impl Portal {
    pub fn new(db: Arc<dyn Database>, sender: Arc<dyn MessageSender>, keys: ServerKeys, config: Config) -> Self {
        let password_slots = Arc::new(tokio::sync::Semaphore::new(config.password_hash_concurrency.max(1)));
        Self {
            catalog: crate::catalog::CatalogService::new(&db),
            org: crate::org::OrgService::new(&db),
            db,
            sender,
            keys,
            config,
            password_slots,
            marketing: Default::default(),
            session_touches: Default::default(),
        }
    }

    /// Waits for a free password-hashing slot, at most the configured time; a busy server answers
    /// `rate_limited` with a retry time instead of queuing without end.
    pub async fn password_slot(&self) -> Result<crate::identity::password::Slot, crate::error::AppError> {
        let wait = std::time::Duration::from_millis(self.config.password_queue_wait_ms);
        match tokio::time::timeout(wait, self.password_slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(Some(permit)),
            _ => Err(crate::error::AppError::retry_after(
                portal_api::ErrorCode::RateLimited,
                2,
                "The server is busy checking passwords. Try again in a moment.",
            )),
        }
    }

    /// Sends a message; in dev mode also keeps it, sealed, for the dev outbox of every instance.
    pub async fn deliver(&self, message: portal_api::OutboxMessage) -> Result<(), crate::error::AppError> {
        if self.config.dev_mode {
            let dev = crate::db::DevMessage {
                recipient: message.to.clone(),
                channel: message.channel.as_str().into(),
                sealed: crate::sender::seal(&self.keys.dev_outbox_key(), &message),
                sent_at: message.sent_at,
            };
            self.db.keep_dev_message(dev).await?;
        }
        self.sender.send(message).await.map_err(|e| {
            tracing::error!(error = %e, "code delivery failed");
            crate::error::AppError::internal()
        })
    }

    /// Deletes expired codes, old password attempts and ended sessions, and what the retention
    /// policy says has expired, now and then on a timer.
    pub async fn prune(&self) -> Result<crate::db::PruneCounts, crate::db::DbError> {
        let now = now();
        let codes_before = now - 24 * 3600;
        let attempts_before = now - 2 * self.config.password_lockout_secs as i64;
        let sessions_before = now - self.config.session_idle_ttl_secs as i64;
        let counts = self.db.prune(codes_before, attempts_before, sessions_before).await?;
        let kept = self.db.prune_marketing(self.config.retention(), now).await?;
        tracing::info!(
            events = kept.events,
            anonymous_events = kept.anonymous_events,
            interest = kept.interest,
            lists = kept.lists,
            inbox = kept.inbox,
            counter_grants = kept.counter_grants,
            "retention applied"
        );
        Ok(counts)
    }
}
