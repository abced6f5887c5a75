//! The server's database, behind one trait so that SQLite (the embedded default) and a
//! PostgreSQL implementation can both serve. Every method is one atomic operation: it behaves as if
//! it ran alone, whatever else runs at the same moment (on SQLite one writer at a time; on
//! PostgreSQL by row locks), so a check it makes holds when it writes.
pub mod apply;
pub mod code_check;
#[cfg(feature = "test-support")]
pub mod contract;
pub mod driver_errors;
pub mod ledger;
pub mod lockout;
pub mod people;
pub use people::{InterestPage, PageEnds, PersonHistory};
pub mod reports;
pub mod rotation;
pub mod throttle;

pub use apply::{CounterCustomer, OpContext};

use async_trait::async_trait;
use portal_api::{IdentityKind, Role};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A hash of an operation or event as the server read it: its id is bound to it.
pub fn body_hash(value: &impl serde::Serialize) -> String {
    let json = serde_json::to_vec(value).unwrap_or_default();
    Sha256::digest(&json).iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A unique key is taken; the string names it for the person reading the error.
    #[error("{0} is already taken")]
    Conflict(String),
    #[error("database error: {0}")]
    Database(String),
    /// The database could not order this transaction with another running at the same moment
    /// (PostgreSQL's serialization failure or deadlock): running it again will do.
    #[error("the transaction met another one and must be run again: {0}")]
    Retry(String),
    #[error("database at {path} is version {found}; this server knows up to {known}. Upgrade the server.")]
    TooNew { path: String, found: i64, known: i64 },
}

pub type DbResult<T> = Result<T, DbError>;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AudienceCounts {
    pub total_users: u32,
    pub consumers: u32,
    pub with_phone: u32,
    pub with_email: u32,
}

/// What a catalog document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CatalogKind {
    Category,
    Product,
    Store,
    Image,
}

impl CatalogKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CatalogKind::Category => "category",
            CatalogKind::Product => "product",
            CatalogKind::Store => "store",
            CatalogKind::Image => "image",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Category, Self::Product, Self::Store, Self::Image].into_iter().find(|k| k.as_str() == s)
    }
}

/// A new body for a catalog document; `None` writes a tombstone.
#[derive(Debug, Clone)]
pub struct CatalogWrite {
    pub kind: CatalogKind,
    pub code: String,
    pub body: Option<String>,
}

#[derive(Debug, Clone)]
pub struct CatalogRow {
    pub kind: CatalogKind,
    pub code: String,
    pub version: i64,
    pub body: Option<String>,
}

#[derive(Debug, Clone)]
pub struct CatalogChanges {
    pub epoch: String,
    pub last_version: i64,
    pub rows: Vec<CatalogRow>,
}

/// A message the embedded sender delivered in dev mode, sealed (see `sender::seal`).
#[derive(Debug, Clone, PartialEq)]
pub struct DevMessage {
    pub recipient: String,
    pub channel: String,
    pub sealed: String,
    pub sent_at: i64,
}

/// The body hash a set-aside operation is logged with: no operation's body has it, so sending
/// the id for real later is a conflict, never a duplicate of the refusal.
pub const SET_ASIDE_BODY_HASH: &str = "set_aside_on_device";

/// An operation a device set aside, as recorded in the store's log of operations.
#[derive(Debug, Clone)]
pub struct SetAsideRecord {
    pub outcome: portal_api::OpOutcome,
    pub store_id: Uuid,
    pub user_id: Uuid,
    pub kind: String,
    pub day: String,
    pub device_at: i64,
    pub now: i64,
}

/// A behaviour event to keep, as the rules accepted it (`portal_marketing::events::check`).
#[derive(Debug, Clone, PartialEq)]
pub struct EventToKeep {
    pub id: Uuid,
    pub kind: portal_api::EventKind,
    /// `read` or `positive` (`portal_marketing::events::class`).
    pub class: &'static str,
    /// The time kept: the device's, moved into range when its clock was far off.
    pub at: i64,
    pub model: Option<String>,
    /// The event as sent (JSON), and its hash: the id is bound to both.
    pub body: String,
    pub body_hash: String,
    pub clock_adjusted: bool,
    pub recommendation: Option<Uuid>,
}

/// What became of one event of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKept {
    New,
    /// Kept before, from the same installation with the same body.
    Duplicate,
    /// The id was kept before for another installation or another body: refused.
    Conflict,
}

/// A batch of events to keep, with what it is counted against.
#[derive(Debug, Clone, PartialEq)]
pub struct IngestRequest {
    pub install_id: Uuid,
    pub user_id: Option<Uuid>,
    pub events: Vec<EventToKeep>,
    /// Counters the batch counts against this minute, each with its limit (e.g. the installation,
    /// the client's address): over any, nothing is kept or counted.
    pub limits: Vec<(String, u32)>,
    /// Kinds kept whatever the person chose. When the signed-in account declined tracking, the
    /// installation's anonymous events of other kinds are deleted instead of joining it.
    pub needed_kinds: Vec<&'static str>,
    pub now: i64,
    /// When `now` was read: the events' `received_at` is `now` plus the time the batch waited for
    /// its locks, stamped inside the transaction, so that a pass reading what arrived after a
    /// time never misses a batch that waited.
    pub prepared_at: std::time::Instant,
}

impl IngestRequest {
    /// The time to stamp as the events' arrival, read inside the transaction.
    pub fn received_at(&self) -> i64 {
        self.now.saturating_add(self.prepared_at.elapsed().as_secs() as i64)
    }
}

/// How long each table that grows with traffic keeps its rows, in seconds (configurable; the
/// defaults are in `config.rs` and the README). Pruned in bounded batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Behaviour events of known people (their history page and the tags' windows).
    pub events_secs: i64,
    /// Anonymous events nobody signed in to claim.
    pub anonymous_events_secs: i64,
    /// Each person's aggregated interest in a product, by its latest event (the training window).
    pub interest_secs: i64,
    /// Recommendation lists served (the report reads at most 90 days, plus the attribution window).
    pub lists_secs: i64,
    /// Inbox messages.
    pub inbox_secs: i64,
    /// The report's days rolled up (a row per day and group: small, kept for years).
    pub report_secs: i64,
}

/// Rows each table lost to retention in one pass.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetentionCounts {
    pub events: usize,
    pub anonymous_events: usize,
    pub interest: usize,
    pub lists: usize,
    pub inbox: usize,
    pub counter_grants: usize,
    pub report_days: usize,
    /// Months of behaviour events dropped whole (PostgreSQL keeps them by month).
    pub event_months: usize,
}

/// A retention pass over `steps` (table, condition, the time it names), each deleted by
/// `delete_batch` at most `RETENTION_BATCH` rows at a time until fewer come back: the one loop
/// both backends run, the backends only supplying the batch's statement. The steps are in the
/// order of `RetentionCounts`' fields.
pub async fn prune_in_batches<F, Fut>(
    steps: [(&'static str, &'static str, i64); 7],
    mut delete_batch: F,
) -> DbResult<RetentionCounts>
where
    F: FnMut(&'static str, &'static str, i64) -> Fut,
    Fut: std::future::Future<Output = DbResult<usize>>,
{
    let mut counts = [0usize; 7];
    for (step, (table, condition, before)) in steps.into_iter().enumerate() {
        loop {
            let n = delete_batch(table, condition, before).await?;
            counts[step] += n;
            if (n as i64) < RETENTION_BATCH {
                break;
            }
        }
    }
    let [events, anonymous_events, interest, lists, inbox, counter_grants, report_days] = counts;
    Ok(RetentionCounts {
        events,
        anonymous_events,
        interest,
        lists,
        inbox,
        counter_grants,
        report_days,
        event_months: 0,
    })
}

/// Most rows one statement of a retention pass deletes: a pass never holds a table (or, on
/// SQLite, the one connection) for long, however much has expired.
pub const RETENTION_BATCH: i64 = 5_000;

/// Messages a trigger pass writes in one transaction (each takes an advisory lock on PostgreSQL,
/// from a lock table of about 64 per connection allowed: a few instances at once stay well inside).
pub const INBOX_BATCH: usize = 200;

/// The answer to a batch of events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ingest {
    /// One answer per event, in order.
    Kept(Vec<EventKept>),
    /// The installation sent more than its limit this minute: nothing was kept.
    Throttled { retry_after_secs: u32 },
}

/// A kept event, for its person's history.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub body: String,
    pub at: i64,
    pub received_at: i64,
    pub clock_adjusted: bool,
}

/// What people did with products, for training the recommenders.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Interactions {
    /// (person, model, kind, when) from behaviour events of known people.
    pub events: Vec<(Uuid, String, portal_api::EventKind, i64)>,
    /// (customer, SKU, when) from sales at the stores linked to a customer.
    pub purchases: Vec<(Uuid, String, i64)>,
    /// (customer, the city of the store of their latest purchase in the window).
    pub regions: Vec<(Uuid, String)>,
    /// (customer, customer tag) for every tag member: the segments.
    pub segments: Vec<(Uuid, Uuid)>,
}

/// What may set triggered offers off, since a time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TriggerFacts {
    /// (consumer, session, when) of sessions begun.
    pub sign_ins: Vec<(Uuid, Uuid, i64)>,
    /// (customer, sale, when, SKU of its dearest line, store name) of sales linked to a customer.
    pub purchases: Vec<(Uuid, Uuid, i64, String, String)>,
    /// (store id, store name, SKU, when, the operation) of stock that came in where the store had
    /// none before.
    pub restocks: Vec<(Uuid, String, String, i64, String)>,
    /// Consumers whose birthday is one of those asked for.
    pub birthdays: Vec<Uuid>,
}

/// A message for a customer's inbox, with the list of products it carries.
#[derive(Debug, Clone, PartialEq)]
pub struct InboxRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub trigger_id: Uuid,
    pub fact_key: String,
    pub kind: portal_api::TriggerKind,
    pub title_zh: String,
    pub title_en: String,
    pub body_zh: String,
    pub body_en: String,
    pub recommendation: Uuid,
    pub models: Vec<String>,
    pub created_at: i64,
    /// When what set it off happened.
    pub fact_at: i64,
    /// The trigger's name, the list's arm in the report.
    pub trigger_name: String,
}

impl InboxRow {
    /// The message's products as a list at the `inbox` placement, served to its customer (each
    /// trigger a row of its own in the report: its name is the list's arm).
    pub fn served_list(&self) -> ServedList {
        ServedList {
            id: self.recommendation,
            user_id: Some(self.user_id),
            placement: portal_api::Placement::Inbox.as_str().into(),
            algorithm: format!("trigger:{}", self.kind.as_str()),
            arm: Some(self.trigger_name.clone()),
            experiment: None,
            models: self.models.clone(),
            served_at: self.created_at,
            store_id: None,
        }
    }
}

pub use portal_marketing::trail::TrailFacts;

/// A customer tag as kept: its rule, and its size when last worked out.
#[derive(Debug, Clone, PartialEq)]
pub struct TagRow {
    pub id: Uuid,
    pub name: String,
    pub rule: String,
    pub created_by: Uuid,
    pub created_at: i64,
    pub size: u32,
    pub computed_at: Option<i64>,
}

/// What a customer did, for their profile: purchases and behaviour with a product.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerActivity {
    pub user_id: Uuid,
    /// (SKU, when, units kept, fen kept, the store's city).
    pub purchases: Vec<(String, i64, i64, i64, String)>,
    /// (kind, model, when) of what says something about the customer (not impressions, searches,
    /// filters or store-finder uses), in time order.
    pub events: Vec<(portal_api::EventKind, Option<String>, i64)>,
}

/// Which customers to read the activity of.
#[derive(Debug, Clone, PartialEq)]
pub enum Customers {
    /// Consumers in id order after this one (none: from the first), at most `limit`.
    Page { after: Option<Uuid>, limit: u32 },
    /// These people.
    Only(Vec<Uuid>),
}

/// One line of a customer's purchases, for their view.
#[derive(Debug, Clone, PartialEq)]
pub struct PurchaseLine {
    pub sale_id: Uuid,
    pub store_name: String,
    pub city: String,
    pub at: i64,
    pub sku: String,
    pub quantity: i64,
    pub returned: i64,
    /// Fen, for the line as sold.
    pub net: i64,
}

/// What a customer's view is made of, besides their account and favourites.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerRecord {
    /// Newest first, at most the asked number of lines.
    pub purchases: Vec<PurchaseLine>,
    /// What every purchase kept cost (less what came back), in fen.
    pub spend: i64,
    pub tags: Vec<String>,
    /// (list, served at, placement, algorithm, models), newest first.
    pub lists: Vec<(Uuid, i64, String, String, Vec<String>)>,
    /// (list, model) clicked from those lists.
    pub clicks: Vec<(Uuid, String)>,
}

/// A recommendation list as served, for joining impressions, clicks and purchases to it.
#[derive(Debug, Clone, PartialEq)]
pub struct ServedList {
    pub id: Uuid,
    pub user_id: Option<Uuid>,
    pub placement: String,
    pub algorithm: String,
    pub arm: Option<String>,
    /// The experiment whose arm served it.
    pub experiment: Option<Uuid>,
    pub models: Vec<String>,
    pub served_at: i64,
    /// The store a counter offer was chosen for.
    pub store_id: Option<Uuid>,
}

/// The counter of an account's events: however many installations it signs in on, one person
/// has one budget.
pub fn account_limit_key(user_id: Uuid) -> String {
    format!("account:{user_id}")
}

/// The counter of an installation's events, and of a client address's.
pub fn install_limit_key(install_id: Uuid) -> String {
    format!("install:{install_id}")
}

pub fn address_limit_key(address: &str) -> String {
    format!("address:{address}")
}

/// The minute an event rate is counted in.
pub fn rate_window(now: i64) -> i64 {
    now.div_euclid(60) * 60
}

#[async_trait]
pub trait Database: Send + Sync + 'static {
    /// A one-line description for /healthz.
    async fn health(&self) -> DbResult<String>;

    // Accounts and identities.
    async fn find_identity(&self, kind: IdentityKind, value: &str) -> DbResult<Option<IdentityRecord>>;
    async fn create_user(&self, user: NewUser) -> DbResult<()>;
    async fn get_user(&self, id: Uuid) -> DbResult<Option<UserRecord>>;
    async fn list_identities(&self, user_id: Uuid) -> DbResult<Vec<IdentityRecord>>;
    async fn add_identity(&self, user_id: Uuid, identity: NewIdentity, now: i64) -> DbResult<()>;
    async fn set_display_name(&self, user_id: Uuid, name: &str) -> DbResult<()>;
    /// Sets the password and revokes every other session of the account, in one transaction.
    async fn set_password_hash(&self, user_id: Uuid, hash: &str, keep_session: Option<Uuid>, now: i64) -> DbResult<()>;
    /// Deletes what is no longer needed: codes expired before `codes_before`, password attempts
    /// last made before `attempts_before`, sessions that ended before `sessions_before`.
    async fn prune(&self, codes_before: i64, attempts_before: i64, sessions_before: i64) -> DbResult<PruneCounts>;
    /// Sets the role with its stores (a promoter's one, a manager's several; the first is the home
    /// store) or dealer, and clears any discount limit set for the old role.
    /// Ends the account's current store assignments and starts the new ones at `now`.
    async fn set_role(
        &self,
        user_id: Uuid,
        role: Role,
        store_ids: Vec<Uuid>,
        dealer_id: Option<Uuid>,
        now: i64,
    ) -> DbResult<bool>;
    /// Whether the account worked at the store (as a promoter or its manager) at time `at`.
    async fn assigned_at(&self, user_id: Uuid, store_id: Uuid, at: i64) -> DbResult<bool>;
    /// The stores an account works at: a promoter's own, a store manager's (home store first).
    async fn user_stores(&self, user_id: Uuid) -> DbResult<Vec<portal_api::Store>>;
    async fn manages(&self, user_id: Uuid, store_id: Uuid) -> DbResult<bool>;
    /// The promoters and managers of a store.
    async fn store_staff(&self, store_id: Uuid) -> DbResult<Vec<UserRecord>>;
    async fn set_discount_limit(&self, user_id: Uuid, percent: Option<u32>) -> DbResult<bool>;
    async fn list_users(&self, limit: u32, offset: u32) -> DbResult<(Vec<(UserRecord, u32)>, u32)>;
    async fn audience_counts(&self) -> DbResult<AudienceCounts>;

    // One-time codes.
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

    // Password attempts (see identity::lockout).
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

    // Device sessions.
    async fn create_session(&self, session: SessionRecord) -> DbResult<()>;
    async fn get_session(&self, id: Uuid) -> DbResult<Option<SessionRecord>>;
    /// The account of `user`, if session `session` is theirs and not revoked: what every
    /// authenticated request checks, in one read.
    async fn live_session_user(&self, session: Uuid, user: Uuid) -> DbResult<Option<UserRecord>>;
    /// Applies [`rotation::decide`] to the session in one transaction.
    async fn rotate_session(&self, id: Uuid, presented: i64, grace_secs: i64, now: i64) -> DbResult<Rotation>;
    /// Records that the session was used now with an access token of `generation` (which marks
    /// that generation used when it is the current one).
    async fn touch_session(&self, id: Uuid, generation: i64, now: i64) -> DbResult<()>;
    async fn revoke_session(&self, id: Uuid, reason: &str, now: i64) -> DbResult<bool>;
    async fn list_sessions(&self, user_id: Uuid) -> DbResult<Vec<SessionRecord>>;

    // Organisation.
    async fn upsert_store(&self, store: portal_api::Store) -> DbResult<()>;
    async fn upsert_dealer(&self, dealer: portal_api::Dealer) -> DbResult<()>;
    async fn get_store(&self, id: Uuid) -> DbResult<Option<portal_api::Store>>;
    async fn get_dealer(&self, id: Uuid) -> DbResult<Option<portal_api::Dealer>>;
    async fn count_members(&self, role: Role, org_id: Uuid) -> DbResult<u32>;

    // The dev outbox (dev mode only), shared by every instance.
    async fn keep_dev_message(&self, message: DevMessage) -> DbResult<()>;
    /// The newest `limit` messages to a recipient, oldest first.
    async fn dev_messages(&self, recipient: &str, limit: u32) -> DbResult<Vec<DevMessage>>;

    // Product center: a log of versioned documents.
    /// Applies all writes in one transaction, each changed document taking the next version.
    /// Writes that change nothing take no version. Returns how many changed.
    async fn catalog_write(&self, writes: Vec<CatalogWrite>) -> DbResult<usize>;
    /// Up to `limit` documents changed after version `after`, in version order.
    async fn catalog_changes(&self, after: i64, limit: u32) -> DbResult<CatalogChanges>;
    /// The live body of one document (None when absent or a tombstone).
    async fn catalog_get(&self, kind: CatalogKind, code: &str) -> DbResult<Option<String>>;
    /// Every live body of one kind, by code.
    async fn catalog_all(&self, kind: CatalogKind) -> DbResult<Vec<String>>;

    // Favourites, written through the app's outbox.
    /// Applies each operation once (by its id, bound to the account and the body's hash), each in
    /// its own transaction with the record of its id. Returns the ids refused as conflicts (used
    /// by another account or for another body).
    async fn apply_favourite_ops(
        &self,
        user_id: Uuid,
        ops: Vec<(portal_api::FavouriteOp, String)>,
        now: i64,
    ) -> DbResult<Vec<Uuid>>;
    async fn favourites(&self, user_id: Uuid) -> DbResult<Vec<portal_api::Favourite>>;

    // Behaviour events (precision marketing).
    /// In one transaction: counts the batch against each of its limits this minute (all of them,
    /// or none and `Throttled`); joins the installation's anonymous events to the account when
    /// signed in (those the account declined are deleted instead); keeps each event once by its
    /// id (bound to the installation and the body's hash: the same again is a duplicate, anything
    /// else a conflict). Events an account has are never moved to another.
    async fn ingest_events(&self, request: IngestRequest) -> DbResult<Ingest>;
    /// The person's choice and when it was made; none while they have not chosen.
    async fn tracking_consent(&self, user_id: Uuid) -> DbResult<Option<(bool, i64)>>;
    async fn set_tracking_consent(&self, user_id: Uuid, tracking: bool, now: i64) -> DbResult<()>;
    /// The account's events, newest first, before (`at`, `id`) when given; and how many it has.
    async fn event_history(
        &self,
        user_id: Uuid,
        before: Option<(i64, Uuid)>,
        limit: u32,
    ) -> DbResult<(Vec<StoredEvent>, u32)>;
    /// Deletes every event of the account, and the anonymous ones of the installations it used
    /// (they would join it again), and the account's tags (made in part from them; the sizes are
    /// lowered); returns how many events.
    /// Deletes the person's events and what was derived from them, in one transaction: their
    /// aggregated interests, tag memberships, inbox messages and counter grants; the lists served
    /// to them are detached from them (the report keeps counting them, nobody can tell whose).
    async fn delete_events(&self, user_id: Uuid) -> DbResult<u32>;
    /// Of `lists`, those with an impression recorded from this sender (the installation, or the
    /// account on any of its installations): a click needs its list to have been shown.
    async fn shown_lists(&self, lists: Vec<Uuid>, user_id: Option<Uuid>, install_id: Uuid) -> DbResult<Vec<Uuid>>;
    /// Deletes what `retention` says has expired, a bounded batch per statement.
    async fn prune_marketing(&self, retention: Retention, now: i64) -> DbResult<RetentionCounts>;
    /// People's behaviour since `since` for training, a page at a time in the order of their ids:
    /// the people after `after`, about `rows` rows of each kind's worth (a page ends after a whole
    /// person), one row per (person, product, kind) from the aggregated interests, with store
    /// purchases, regions and segments; nothing of people who declined tracking.
    async fn interest_page(&self, since: i64, after: Option<Uuid>, rows: u32) -> DbResult<InterestPage> {
        let through = self.interest_bounds(after, rows, 1).await?.ends.pop();
        Ok(InterestPage { people: self.interest_range(since, after, through).await?, next: through })
    }
    /// Where the next `pages` pages after `after` end, each about `rows` rows of each kind's
    /// worth, and whether one more page from the last end holds the rest.
    async fn interest_bounds(&self, after: Option<Uuid>, rows: u32, pages: u32) -> DbResult<PageEnds>;
    /// The behaviour of the people after `after` up to and including `through` (to the last
    /// when None), in one snapshot, in the order of their ids.
    async fn interest_range(
        &self,
        since: i64,
        after: Option<Uuid>,
        through: Option<Uuid>,
    ) -> DbResult<Vec<PersonHistory>>;
    /// One person's behaviour since `since`, as a page holds it (to serve them their own lists).
    async fn person_history(&self, user: Uuid, since: i64) -> DbResult<PersonHistory>;
    /// The same with every event as it came, for the offline evaluation's split by time (a
    /// command run by hand, never a server pass: it reads the whole window).
    async fn every_interaction(&self, since: i64) -> DbResult<Interactions>;
    async fn record_served_list(&self, list: ServedList) -> DbResult<()>;
    /// The lists with these ids that were served: (id, to whom, models).
    async fn served_lists(&self, ids: Vec<Uuid>) -> DbResult<Vec<(Uuid, Option<Uuid>, Vec<String>)>>;
    /// What the report's trail is made of in `[from, until)`: lists served, impressions, clicks and
    /// counter offers, with the clicks and purchases of the attribution window before it.
    async fn trail_facts(&self, from: i64, until: i64) -> DbResult<TrailFacts>;
    /// The report's sealed days in `[from, until)`: a row per day and group.
    async fn trail_days(&self, from: i64, until: i64) -> DbResult<Vec<portal_marketing::trail::TrailRow>>;
    /// The start of the first day not sealed (`None` before any was).
    async fn trail_sealed_until(&self) -> DbResult<Option<i64>>;
    /// Seals the day `[day, next)` with its rows, atomically, if it is the next to seal (or none
    /// was); false when another instance sealed it first.
    async fn seal_trail_day(&self, day: i64, next: i64, rows: Vec<portal_marketing::trail::TrailRow>)
        -> DbResult<bool>;
    /// The people an experiment assigned, holdout included: (arm, person, first served).
    async fn experiment_people(&self, experiment: Uuid) -> DbResult<Vec<(String, Uuid, i64)>>;
    /// (customer, SKU, when, fen) of the stores' sales linked to a customer since a time.
    async fn customer_purchases(&self, since: i64) -> DbResult<Vec<(Uuid, String, i64, i64)>>;

    // Customer tags and the customer view.
    /// Creates a tag unless one has its name (then false).
    /// A new trigger (by `Trigger::id`, `created_by`), unless its name is taken (then false).
    async fn create_trigger(&self, trigger: portal_api::Trigger, created_by: Uuid) -> DbResult<bool>;
    /// Every trigger with how many messages it sent, newest first.
    async fn triggers(&self) -> DbResult<Vec<portal_api::Trigger>>;
    /// Pauses or resumes a trigger; resuming makes `now` its `active_since`.
    async fn set_trigger_active(&self, id: Uuid, active: bool, now: i64) -> DbResult<bool>;
    /// What happened since `since`, and who has one of `birthdays` (MM-DD; one or two).
    async fn trigger_facts(&self, since: i64, birthdays: Vec<String>) -> DbResult<TriggerFacts>;
    /// (consumer, model) of those who saved or follow one of `models` (the products restocked):
    /// a pass reads the followers of what came back, never every follower.
    async fn followers_of(&self, models: Vec<String>) -> DbResult<Vec<(Uuid, String)>>;
    async fn set_birthday(&self, user: Uuid, birthday: Option<String>) -> DbResult<()>;
    async fn birthday(&self, user: Uuid) -> DbResult<Option<String>>;
    /// Writes each message (and its list at the `inbox` placement) unless its trigger is paused,
    /// its customer declined, or the trigger already sent them this fact or one less than
    /// `cooldown_secs` from it, stored or earlier in the batch (`triggers::admit`); one
    /// transaction, atomic against every other send of a trigger to a customer. Whether each was
    /// written, in order. A pass sends at most `INBOX_BATCH` at once.
    async fn send_inbox(&self, messages: Vec<InboxRow>, cooldown_secs: i64) -> DbResult<Vec<bool>>;
    /// The customer's newest messages (at most `limit`) and how many are unread.
    async fn inbox(&self, user: Uuid, limit: u32) -> DbResult<portal_api::Inbox>;
    /// Marks the customer's message read; false when they have no such message.
    async fn mark_inbox_read(&self, user: Uuid, id: Uuid, at: i64) -> DbResult<bool>;
    async fn create_tag(&self, tag: TagRow) -> DbResult<bool>;
    /// By name.
    async fn tags(&self) -> DbResult<Vec<TagRow>>;
    /// Deletes a tag and its members; false when there was none.
    async fn delete_tag(&self, id: Uuid) -> DbResult<bool>;
    /// People whose behaviour arrived, or whose choice about tracking changed, in
    /// (`after`, `until`], or with a store purchase made after `purchases_after` (a device's clock).
    async fn changed_customers(&self, after: i64, until: i64, purchases_after: i64) -> DbResult<Vec<Uuid>>;
    /// What each of these customers (consumers only) did since `since` (purchases whenever made;
    /// behaviour only of those who did not decline tracking).
    async fn customer_activity(&self, customers: Customers, since: i64) -> DbResult<Vec<CustomerActivity>>;
    /// In one transaction: of the people `checked`, those in `members` are the tag's and the others
    /// are not; when `recount`, the tag's size is counted again (and `computed_at` set when given).
    /// Returns the size as kept.
    async fn set_tag_members(
        &self,
        tag: Uuid,
        checked: Vec<Uuid>,
        members: Vec<Uuid>,
        recount: bool,
        computed_at: Option<i64>,
    ) -> DbResult<u32>;
    /// (events read through, last full pass), starting at (0, 0).
    async fn tag_progress(&self) -> DbResult<(i64, i64)>;
    async fn set_tag_progress(&self, events_through: i64, full_at: i64) -> DbResult<()>;
    /// A customer's purchases (newest `limit` lines), tags, and recent lists with their clicks.
    async fn customer_record(&self, user_id: Uuid, limit: u32) -> DbResult<CustomerRecord>;
    /// Lets `promoter` see `customer`'s view until `expires_at`.
    async fn grant_counter_view(
        &self,
        promoter: Uuid,
        customer: Uuid,
        store: Option<Uuid>,
        expires_at: i64,
    ) -> DbResult<()>;
    /// Until when `promoter` may see `customer`'s view, if they may at `now`.
    /// Until when the promoter may see the customer's view, if the grant was given at `store`
    /// (the store they work at now: a grant does not follow them to another).
    async fn counter_view_until(
        &self,
        promoter: Uuid,
        customer: Uuid,
        store: Option<Uuid>,
        now: i64,
    ) -> DbResult<Option<i64>>;

    // A/B experiments.
    /// Starts an experiment unless one runs at its placement already (then false).
    async fn create_experiment(&self, experiment: portal_api::Experiment) -> DbResult<bool>;
    /// Newest first.
    async fn experiments(&self) -> DbResult<Vec<portal_api::Experiment>>;
    async fn running_experiment(&self, placement: portal_api::Placement) -> DbResult<Option<portal_api::Experiment>>;
    /// Stops a running experiment, making `winner`'s algorithm its placement's default when given,
    /// in one transaction; none when it was not running (stopped meanwhile, or unknown).
    async fn stop_experiment(
        &self,
        id: Uuid,
        winner: Option<(String, String)>,
        now: i64,
    ) -> DbResult<Option<portal_api::Experiment>>;
    async fn placement_default(&self, placement: portal_api::Placement) -> DbResult<Option<String>>;

    // Store operations, written through the promoters' outboxes.
    /// Applies each operation exactly once (by its id), in one transaction with the record of its
    /// id and outcome; a retry gets the recorded outcome marked as a duplicate. In order; all or none
    /// of the batch lands (a storage failure leaves the device to send it again).
    async fn apply_store_ops(&self, ops: Vec<(portal_api::StoreOp, OpContext)>)
        -> DbResult<Vec<portal_api::OpOutcome>>;
    /// Records operations devices set aside in the log of operations, each unless its id is
    /// recorded already (then it is left as it is), all in one transaction.
    async fn record_set_aside(&self, records: Vec<SetAsideRecord>) -> DbResult<()>;
    async fn stock(&self, store_id: Uuid) -> DbResult<portal_api::StockReport>;
    /// The SKUs the store has on hand (more than zero units), from its running balances.
    async fn store_on_hand(&self, store_id: Uuid) -> DbResult<Vec<(String, i64)>>;
    /// A store's day; `starts_at` is the day's first second (unix), for the stock ledger.
    async fn day_report(&self, store_id: Uuid, day: String, starts_at: i64) -> DbResult<portal_api::DayReport>;
    async fn purchases(&self, customer: Uuid) -> DbResult<portal_api::PurchaseList>;
    async fn samples(&self, store_id: Uuid) -> DbResult<portal_api::SampleList>;
    /// Per store with a stock ledger (by code): the SKUs with stock on hand.
    async fn skus_in_stock(&self) -> DbResult<Vec<portal_api::StoreStock>>;
    async fn transfers(&self, store_id: Uuid) -> DbResult<portal_api::TransferList>;
    /// Flags raised at the store after a cursor, oldest first (at most `limit`).
    async fn flags_after(&self, store_id: Uuid, after: Option<i64>, limit: u32) -> DbResult<portal_api::StoreFlagList>;
    /// The store's sales with a receipt number, newest first.
    async fn sales_by_receipt(&self, store_id: Uuid, receipt_no: String) -> DbResult<portal_api::StoreSaleList>;
}
