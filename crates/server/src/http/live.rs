//! `GET /v1/me/live`: the live channel, as server-sent events. Each `inbox` event says the
//! person's inbox changed (its id is the newest message's id); a reconnect sending `Last-Event-ID`
//! gets an event at once when something newer is there. A comment keeps the connection alive every
//! 15 s; the instance ends every connection when it shuts down.
use std::{convert::Infallible, sync::Arc, time::Duration};

use axum::{
    extract::State,
    http::HeaderMap,
    response::sse::{Event, KeepAlive, Sse},
};
use futures_util::stream::{self, Stream, StreamExt};
use portal_api::{
    endpoints::{self, Endpoint},
    ApiError, ErrorCode,
};
use tokio::sync::broadcast::error::RecvError;

use crate::{
    auth::Caller,
    db::Triggers,
    error::{AppError, AppResult},
    portal::Portal,
};

fn inbox_event(id: Option<uuid::Uuid>) -> Event {
    let event = Event::default().event("inbox").data("{}");
    match id {
        Some(id) => event.id(id.to_string()),
        None => event,
    }
}

#[utoipa::path(get, path = endpoints::LiveChannel::PATH, tag = "me", security(("bearer" = [])),
    responses((status = 200, description = "text/event-stream of `inbox` events"), (status = 401, body = ApiError),
        (status = 429, body = ApiError)))]
pub async fn live(
    State(portal): State<Arc<Portal>>,
    caller: Caller,
    headers: HeaderMap,
) -> AppResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let user = caller.user.id;
    let connection = portal.live.connect(user).ok_or_else(|| {
        AppError::retry_after(
            ErrorCode::RateLimited,
            30,
            "This account has as many live connections open as it may: close one on another device.",
        )
    })?;
    let receiver = portal.live.subscribe();
    let closing = portal.live.closing();
    // Catching up: the newest message, if it is not the one the app last heard of.
    let last = headers.get("last-event-id").and_then(|v| v.to_str().ok()).map(str::trim).unwrap_or("");
    let newest = Triggers::inbox(portal.db.as_ref(), user, 1).await?.messages.first().map(|m| m.id);
    let catch_up = newest.filter(|id| id.to_string() != last).map(|id| Ok(inbox_event(Some(id))));
    let live = stream::unfold((receiver, connection), move |(mut receiver, connection)| {
        let mut closing = closing.clone();
        async move {
            loop {
                let next = tokio::select! {
                    next = receiver.recv() => next,
                    _ = closing.wait_for(|c| *c) => return None,
                };
                match next {
                    Ok(written) if written.user == user => {
                        return Some((Ok(inbox_event(Some(written.mark.id))), (receiver, connection)));
                    }
                    Ok(_) => continue,
                    // Too far behind to know whose: read it all.
                    Err(RecvError::Lagged(_)) => return Some((Ok(inbox_event(None)), (receiver, connection))),
                    Err(RecvError::Closed) => return None,
                }
            }
        }
    });
    Ok(Sse::new(stream::iter(catch_up).chain(live)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
