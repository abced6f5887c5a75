//! Behaviour events from the apps: checked by the rules, kept once, and a person's own view of
//! them (history, deletion, consent).
use portal_api::{
    ErrorCode, EventBatch, EventHistory, EventKind, EventReceipt, EventsDeleted, RecordedEvent, RefusedEvent,
    SetTrackingConsent, TrackedEvent, TrackingConsent,
};
use portal_marketing::events::{self as rules, class};
use uuid::Uuid;

use super::MarketingService;
use crate::{
    auth::Caller,
    common::now,
    db::{account_limit_key, address_limit_key, install_limit_key, EventKept, EventToKeep, Ingest, IngestRequest},
    error::{AppError, AppResult},
};

/// Most events one page of history shows.
pub const HISTORY_PAGE_MAX: u32 = 200;

impl MarketingService {
    /// A batch of events from one installation: each is checked (what its kind needs, known
    /// products, the clock, the person's consent), and those that pass are kept once by id. Every
    /// id comes back acknowledged or refused, so the device knows what to drop.
    pub async fn ingest_events(
        &self,
        caller: Option<&Caller>,
        address: &str,
        batch: EventBatch,
    ) -> AppResult<EventReceipt> {
        if batch.events.len() > rules::MAX_BATCH {
            return Err(AppError::field(
                ErrorCode::InvalidJson,
                "events",
                format!("Send at most {} events at a time.", rules::MAX_BATCH),
            ));
        }
        // The wall clock and the monotonic one read together: the events' arrival is stamped as
        // this plus however long the batch then waited (checks, reads, locks).
        let (now, prepared_at) = (now(), std::time::Instant::now());
        let tracking = match caller {
            Some(c) => self.events.tracking_consent(c.user.id).await?.is_none_or(|(tracking, _)| tracking),
            // Before sign-in the app applies the person's choice itself; nothing here says otherwise.
            None => true,
        };
        let book = self.catalog.price_book().await?;
        // An impression or a click belongs to a list served to this person (or, served anonymously,
        // to anyone), and a click to one of its products: nobody inflates another's figures.
        let list_ids: Vec<Uuid> = batch
            .events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::RecommendationShown | EventKind::RecommendationClicked))
            .filter_map(|e| e.recommendation)
            .collect();
        let lists: std::collections::HashMap<Uuid, (Option<Uuid>, Vec<String>)> = if list_ids.is_empty() {
            Default::default()
        } else {
            self.experiments
                .served_lists(list_ids)
                .await?
                .into_iter()
                .map(|(id, user, models)| (id, (user, models)))
                .collect()
        };
        let caller_id = caller.map(|c| c.user.id);
        // A click needs its list shown to the same sender first (earlier in this batch, or before).
        let clicked: Vec<Uuid> = batch
            .events
            .iter()
            .filter(|e| e.kind == EventKind::RecommendationClicked)
            .filter_map(|e| e.recommendation)
            .collect();
        let mut shown: std::collections::HashSet<Uuid> = if clicked.is_empty() {
            Default::default()
        } else {
            self.events.shown_lists(clicked, caller_id, batch.install_id).await?.into_iter().collect()
        };
        let mut refused = Vec::new();
        let mut keep = Vec::with_capacity(batch.events.len());
        for event in &batch.events {
            if rules::recorded_by_server(event.kind) {
                refused.push(RefusedEvent {
                    id: event.id,
                    code: ErrorCode::InvalidEvent,
                    reason: format!(
                        "{} is recorded by the store where it happens, not sent by an app",
                        event.kind.as_str()
                    ),
                });
                continue;
            }
            if let (EventKind::RecommendationShown | EventKind::RecommendationClicked, Some(list)) =
                (event.kind, event.recommendation)
            {
                let problem = match lists.get(&list) {
                    None => Some("no such recommendation list was served"),
                    Some((Some(owner), _)) if Some(*owner) != caller_id => Some("this list was served to someone else"),
                    Some((_, models))
                        if event.kind == EventKind::RecommendationClicked
                            && !event.model.as_ref().is_some_and(|m| models.contains(m)) =>
                    {
                        Some("the clicked product is not in the list")
                    }
                    _ if event.kind == EventKind::RecommendationClicked && !shown.contains(&list) => {
                        Some("a click needs its list to have been shown first")
                    }
                    _ => None,
                };
                if let Some(reason) = problem {
                    refused.push(RefusedEvent { id: event.id, code: ErrorCode::InvalidEvent, reason: reason.into() });
                    continue;
                }
            }
            match rules::check(event, now, tracking, |m| book.models.contains(m)) {
                Ok(accepted) => {
                    if let (EventKind::RecommendationShown, Some(list)) = (event.kind, event.recommendation) {
                        shown.insert(list);
                    }
                    let body = serde_json::to_string(event).map_err(|_| AppError::internal())?;
                    keep.push(EventToKeep {
                        id: event.id,
                        kind: event.kind,
                        class: class(event.kind).as_str(),
                        at: accepted.at,
                        model: event.model.clone(),
                        body_hash: crate::common::body_hash(event),
                        body,
                        clock_adjusted: accepted.clock_adjusted,
                        recommendation: event.recommendation,
                    });
                }
                Err(refusal) => refused.push(RefusedEvent { id: event.id, code: refusal.code, reason: refusal.reason }),
            }
        }
        let user = caller.map(|c| c.user.id);
        let ids: Vec<Uuid> = keep.iter().map(|e| e.id).collect();
        let mut limits = vec![
            (install_limit_key(batch.install_id), rules::EVENTS_PER_INSTALL_PER_MINUTE),
            (address_limit_key(address), rules::EVENTS_PER_ADDRESS_PER_MINUTE),
        ];
        // One person, one budget, however many installations they send from.
        if let Some(user) = user {
            limits.push((account_limit_key(user), rules::EVENTS_PER_ACCOUNT_PER_MINUTE));
        }
        let request = IngestRequest {
            install_id: batch.install_id,
            user_id: user,
            events: keep,
            limits,
            needed_kinds: rules::kinds_needed_without_consent(),
            now,
            prepared_at,
        };
        let kept = match self.events.ingest_events(request).await? {
            Ingest::Kept(kept) => kept,
            Ingest::Throttled { retry_after_secs } => return Err(AppError::retry_after(
                ErrorCode::RateLimited,
                retry_after_secs.into(),
                "Too many events this minute from this device or network; they are kept on the device and sent later.",
            )),
        };
        let mut acknowledged = Vec::with_capacity(ids.len());
        let mut duplicates = 0;
        for (id, outcome) in ids.into_iter().zip(kept) {
            match outcome {
                EventKept::New => acknowledged.push(id),
                EventKept::Duplicate => {
                    duplicates += 1;
                    acknowledged.push(id);
                }
                EventKept::Conflict => refused.push(RefusedEvent {
                    id,
                    code: ErrorCode::IdempotencyConflict,
                    reason: "this event id was already used for another event".into(),
                }),
            }
        }
        Ok(EventReceipt { acknowledged, refused, duplicates })
    }

    /// Records a sign-in as it happens, on the server: an app cannot send one (nor invent one).
    pub async fn tracking_consent(&self, caller: &Caller) -> AppResult<TrackingConsent> {
        Ok(match self.events.tracking_consent(caller.user.id).await? {
            Some((tracking, changed_at)) => TrackingConsent { tracking, changed_at: Some(changed_at) },
            None => TrackingConsent { tracking: true, changed_at: None },
        })
    }

    pub async fn set_tracking_consent(&self, caller: &Caller, req: SetTrackingConsent) -> AppResult<TrackingConsent> {
        self.events.set_tracking_consent(caller.user.id, req.tracking, now()).await?;
        self.tracking_consent(caller).await
    }

    /// The caller's own events, newest first; `before` is the last page's last (`at`, `id`).
    pub async fn event_history(
        &self,
        caller: &Caller,
        before: Option<(i64, Uuid)>,
        limit: Option<u32>,
    ) -> AppResult<EventHistory> {
        let limit = limit.unwrap_or(50).clamp(1, HISTORY_PAGE_MAX);
        let (stored, total) = self.events.event_history(caller.user.id, before, limit).await?;
        let events = stored
            .into_iter()
            .filter_map(|s| {
                let mut event: TrackedEvent = serde_json::from_str(&s.body).ok()?;
                event.at = s.at;
                Some(RecordedEvent { event, received_at: s.received_at, clock_adjusted: s.clock_adjusted })
            })
            .collect();
        Ok(EventHistory { events, total })
    }

    pub async fn delete_events(&self, caller: &Caller) -> AppResult<EventsDeleted> {
        Ok(EventsDeleted { deleted: self.events.delete_events(caller.user.id).await? })
    }
}
