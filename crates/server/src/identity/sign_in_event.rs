//! A sign-in is a fact the server saw itself: it is kept among the person's behaviour events (the
//! sign-in kind needs no tracking consent), on the server's clock.
use portal_api::{EventKind, TrackedEvent};
use portal_marketing::events::{self as rules, class};
use uuid::Uuid;

use crate::{
    common::now,
    db::{EventToKeep, Events, IngestRequest},
    error::{AppError, AppResult},
};

pub async fn record_sign_in(events: &dyn Events, user: Uuid, session: Uuid) -> AppResult<()> {
    let now = now();
    let event = TrackedEvent {
        id: Uuid::now_v7(),
        kind: EventKind::SignIn,
        at: now,
        model: None,
        models: vec![],
        query: None,
        results: None,
        recommendation: None,
        detail: None,
    };
    let body = serde_json::to_string(&event).map_err(|_| AppError::internal())?;
    let request = IngestRequest {
        // The session stands for the installation: a sign-in joins no anonymous events.
        install_id: session,
        user_id: Some(user),
        events: vec![EventToKeep {
            id: event.id,
            kind: event.kind,
            class: class(event.kind).as_str(),
            at: now,
            model: None,
            body_hash: crate::common::body_hash(&event),
            body,
            clock_adjusted: false,
            recommendation: None,
        }],
        limits: vec![],
        needed_kinds: rules::kinds_needed_without_consent(),
        now,
        prepared_at: std::time::Instant::now(),
    };
    events.ingest_events(request).await?;
    Ok(())
}
