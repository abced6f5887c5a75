//! The unified user center: accounts, identities, codes, passwords, tokens and device sessions.
//! `lockout`, `throttle` and `rotation` are the rules, with no I/O, in `portal-db`; its engines
//! apply them inside the backends' transactions.
pub mod accounts;
pub mod authenticate;
pub mod codes;
pub mod legacy_import;
pub mod normalize;
pub mod one_time_codes;
pub mod password;
pub mod profile;
pub mod sign_in_event;
pub mod tokens;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

pub use portal_db::{lockout, rotation, throttle};
use uuid::Uuid;

use crate::{
    config::Config,
    db::{Accounts, Database, DevMessage, Events, Org, Sessions, SignIn, Triggers},
    error::{AppError, AppResult},
    sender::MessageSender,
};

/// The user center as a service: accounts and their identities, codes, password checks, tokens
/// and device sessions. Handlers take it with `State<IdentityService>`; a clone shares the same
/// storage, keys and limits.
#[derive(Clone)]
pub struct IdentityService {
    accounts: Arc<dyn Accounts>,
    sign_in: Arc<dyn SignIn>,
    sessions: Arc<dyn Sessions>,
    /// Accounts an administrator locked: no sign-in.
    locks: Arc<dyn crate::db::Console>,
    /// A person's birthday is kept where the birthday greetings read it.
    birthdays: Arc<dyn Triggers>,
    /// A promoter's or manager's stores, shown in their profile.
    placements: Arc<dyn Org>,
    /// Where a sign-in is kept as a behaviour event.
    events: Arc<dyn Events>,
    sender: Arc<dyn MessageSender>,
    keys: Arc<tokens::ServerKeys>,
    config: Arc<Config>,
    /// Password hashes computed at once (argon2id is CPU- and memory-heavy by design).
    password_slots: Arc<tokio::sync::Semaphore>,
    /// When this instance last recorded a use of each session's access-token generation.
    session_touches: Arc<Mutex<HashMap<SessionGeneration, i64>>>,
}

/// One access-token generation of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct SessionGeneration {
    session: Uuid,
    generation: i64,
}

impl IdentityService {
    pub fn new(
        db: &Arc<dyn Database>,
        sender: Arc<dyn MessageSender>,
        keys: Arc<tokens::ServerKeys>,
        config: Arc<Config>,
    ) -> Self {
        let password_slots = Arc::new(tokio::sync::Semaphore::new(config.password_hash_concurrency.max(1)));
        Self {
            accounts: db.clone(),
            sign_in: db.clone(),
            sessions: db.clone(),
            locks: db.clone(),
            birthdays: db.clone(),
            placements: db.clone(),
            events: db.clone(),
            sender,
            keys,
            config,
            password_slots,
            session_touches: Default::default(),
        }
    }

    /// Waits for a free password-hashing slot, at most the configured time; a busy server answers
    /// `rate_limited` with a retry time instead of queuing without end.
    pub async fn password_slot(&self) -> AppResult<password::Slot> {
        let wait = std::time::Duration::from_millis(self.config.password_queue_wait_ms);
        match tokio::time::timeout(wait, self.password_slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(Some(permit)),
            _ => Err(AppError::retry_after(
                portal_api::ErrorCode::RateLimited,
                2,
                "The server is busy checking passwords. Try again in a moment.",
            )),
        }
    }

    /// Sends a message; in dev mode also keeps it, sealed, for the dev outbox of every instance.
    pub async fn deliver(&self, message: portal_api::OutboxMessage) -> AppResult<()> {
        if self.config.dev_mode {
            let dev = DevMessage {
                recipient: message.to.clone(),
                channel: message.channel.as_str().into(),
                sealed: crate::sender::seal(&self.keys.dev_outbox_key(), &message),
                sent_at: message.sent_at,
            };
            self.sign_in.keep_dev_message(dev).await?;
        }
        use crate::sender::SendError;
        self.sender.send(message).await.map_err(|e| {
            tracing::warn!(error = %e, "code delivery failed");
            match e {
                SendError::Throttled(_) => AppError::retry_after(
                    portal_api::ErrorCode::RateLimited,
                    60,
                    "The text-message service is holding messages to this number for now. Try again in a minute.",
                ),
                SendError::BadRecipient(_) => AppError::new(
                    portal_api::ErrorCode::InvalidPhone,
                    "This number cannot receive text messages. Check it, or sign in with e-mail or a password.",
                ),
                SendError::Refused(_) | SendError::Unavailable(_) => AppError::new(
                    portal_api::ErrorCode::Unavailable,
                    "Codes cannot be sent right now. Try again shortly, or sign in with a password.",
                ),
            }
        })
    }
}
