//! Behaviour events (precision marketing): kept once, counted against their limits, honouring
//! consent and deletion, pruned by retention.
use async_trait::async_trait;
use uuid::Uuid;

use crate::*;

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

/// An event id kept before: by which installation, with which body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptBefore {
    pub install_id: String,
    pub body_hash: String,
}

/// What became of each event of a batch from `install_id`, given which of them this batch wrote
/// (`written[i]`: the first of its id, not kept before) and what was kept before under the ids it
/// did not write. The same installation and body again is a duplicate, anything else a conflict;
/// an id repeated within the batch is compared with its first event. The one rule both backends
/// answer with.
pub fn batch_answers(
    events: &[EventToKeep],
    install_id: &str,
    written: &[bool],
    kept_before: &std::collections::HashMap<Uuid, KeptBefore>,
) -> Vec<EventKept> {
    let same = |a: &str, b: &str| if a == b { EventKept::Duplicate } else { EventKept::Conflict };
    events
        .iter()
        .zip(written)
        .map(|(e, written)| {
            if *written {
                return EventKept::New;
            }
            match kept_before.get(&e.id) {
                Some(before) if before.install_id != install_id => EventKept::Conflict,
                Some(before) => same(&before.body_hash, &e.body_hash),
                // Kept in this batch under this id by an earlier event: compare with that one.
                None => match events.iter().find(|other| other.id == e.id) {
                    Some(first) => same(&first.body_hash, &e.body_hash),
                    None => EventKept::Conflict,
                },
            }
        })
        .collect()
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
    /// Deliveries of campaigns finished long enough ago.
    pub deliveries: usize,
    /// People's daily message counts of past days.
    pub message_counts: usize,
    /// Coupons that expired long enough ago, with their redemptions and second uses.
    pub coupons: usize,
    /// Messages for the gateways, kept as long as their campaigns' deliveries.
    pub outbound: usize,
    /// Devices not seen for long.
    pub devices: usize,
    /// Months of behaviour events dropped whole (PostgreSQL keeps them by month).
    pub event_months: usize,
}

/// A retention pass over `steps` (table, condition, the time it names), each deleted by
/// `delete_batch` at most `RETENTION_BATCH` rows at a time until fewer come back: the one loop
/// both backends run, the backends only supplying the batch's statement. The steps are in the
/// order of `RetentionCounts`' fields.
/// The retention steps each backend lists.
pub const RETENTION_STEPS: usize = 14;
/// A finished campaign's deliveries are kept this long (its funnel is read from them).
pub const DELIVERIES_KEPT_SECS: i64 = 180 * 86_400;
/// A coupon is kept this long after it expires (its campaign's report counts it), with its
/// redemption and any second use.
pub const COUPONS_KEPT_SECS: i64 = 180 * 86_400;
/// The longest a coupon is valid (the campaigns' check holds terms to it): a redemption older than
/// this and `COUPONS_KEPT_SECS` is of a coupon expired long enough, so a coupon still valid never
/// loses its redemption (and cannot be redeemed twice).
pub const COUPON_LIFE_SECS: i64 = 2 * 365 * 86_400;

pub async fn prune_in_batches<F, Fut>(
    steps: [(&'static str, &'static str, i64); RETENTION_STEPS],
    mut delete_batch: F,
) -> DbResult<RetentionCounts>
where
    F: FnMut(&'static str, &'static str, i64) -> Fut,
    Fut: std::future::Future<Output = DbResult<usize>>,
{
    let mut counts = [0usize; RETENTION_STEPS];
    for (step, (table, condition, before)) in steps.into_iter().enumerate() {
        loop {
            let n = delete_batch(table, condition, before).await?;
            counts[step] += n;
            if (n as i64) < RETENTION_BATCH {
                break;
            }
        }
    }
    let [events, anonymous_events, interest, lists, inbox, counter_grants, report_days, deliveries, message_counts, redemptions, second_uses, coupons, outbound, devices] =
        counts;
    Ok(RetentionCounts {
        events,
        anonymous_events,
        interest,
        lists,
        inbox,
        counter_grants,
        report_days,
        deliveries,
        message_counts,
        coupons: redemptions + second_uses + coupons,
        outbound,
        devices,
        event_months: 0,
    })
}

/// Most rows one statement of a retention pass deletes: a pass never holds a table (or, on
/// SQLite, the one connection) for long, however much has expired.
pub const RETENTION_BATCH: i64 = 5_000;

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

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: u128, hash: &str) -> EventToKeep {
        EventToKeep {
            id: Uuid::from_u128(id),
            kind: portal_api::EventKind::ProductView,
            class: "read",
            at: 0,
            model: None,
            body: String::new(),
            body_hash: hash.into(),
            clock_adjusted: false,
            recommendation: None,
        }
    }

    #[test]
    fn a_resent_id_is_a_duplicate_only_from_its_installation_with_its_body() {
        let events = [event(1, "a"), event(2, "b"), event(3, "c"), event(4, "d"), event(4, "d"), event(4, "x")];
        let before = std::collections::HashMap::from([
            (Uuid::from_u128(2), KeptBefore { install_id: "mine".into(), body_hash: "b".into() }),
            (Uuid::from_u128(3), KeptBefore { install_id: "theirs".into(), body_hash: "c".into() }),
        ]);
        let written = [true, false, false, true, false, false];
        use EventKept::*;
        assert_eq!(
            batch_answers(&events, "mine", &written, &before),
            [New, Duplicate, Conflict, New, Duplicate, Conflict]
        );
    }
}

#[async_trait]
pub trait Events: Send + Sync {
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
    /// (they would join it again); returns how many events. What was derived from them goes too,
    /// in one transaction: their aggregated interests, tag memberships, inbox messages and counter
    /// grants; the lists served to them are detached from them (the report keeps counting them,
    /// nobody can tell whose).
    async fn delete_events(&self, user_id: Uuid) -> DbResult<u32>;
    /// Of `lists`, those with an impression recorded from this sender (the installation, or the
    /// account on any of its installations): a click needs its list to have been shown.
    async fn shown_lists(&self, lists: Vec<Uuid>, user_id: Option<Uuid>, install_id: Uuid) -> DbResult<Vec<Uuid>>;
    /// Deletes what `retention` says has expired, a bounded batch per statement.
    async fn prune_marketing(&self, retention: Retention, now: i64) -> DbResult<RetentionCounts>;
}
