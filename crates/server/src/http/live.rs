//! `GET /v1/me/live`: the live channel, as server-sent events. Each `inbox` event says the
//! person's inbox changed (its id is the newest message's id); a reconnect sending `Last-Event-ID`
//! gets an event at once when something newer is there. A comment keeps the connection alive every
//! 20 s; the token is checked again every minute; an account's fifth connection on an instance
//! ends its oldest; the instance ends every connection when it shuts down.
use std::{convert::Infallible, sync::Arc, time::Duration};

use axum::{
    extract::State,
    http::{header, HeaderMap},
    response::sse::{Event, KeepAlive, Sse},
};
use futures_util::stream::{self, Stream, StreamExt};
use portal_api::{
    endpoints::{self, Endpoint},
    ApiError, ErrorCode,
};
use tokio::time::Instant;

use crate::{
    auth::Caller,
    db::Triggers,
    error::{AppError, AppResult},
    portal::Portal,
};

/// How often the stream's token is checked again.
const RECHECK: Duration = Duration::from_secs(60);
/// A comment this often keeps the connection (and proxies) alive; the app takes a minute of
/// silence for a dead connection.
const KEEP_ALIVE: Duration = Duration::from_secs(20);

fn inbox_event(id: Option<uuid::Uuid>) -> Event {
    let event = Event::default().event("inbox").data("{}");
    match id {
        Some(id) => event.id(id.to_string()),
        None => event,
    }
}

#[utoipa::path(get, path = endpoints::LiveChannel::PATH, tag = "me", security(("bearer" = [])),
    responses((status = 200, description = "text/event-stream of `inbox` events"), (status = 401, body = ApiError)))]
pub async fn live(
    State(portal): State<Arc<Portal>>,
    caller: Caller,
    headers: HeaderMap,
) -> AppResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let user = caller.user.id;
    // The token the stream was opened with is checked again every minute: a session signed out,
    // revoked or locked, or a token expired, ends the stream (the app opens it again with a fresh
    // token, or not at all).
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned())
        .ok_or_else(|| AppError::new(ErrorCode::Unauthorized, "Sign in first: this needs an access token."))?;
    let mut connection = portal.live.connect(user);
    connection.newest.borrow_and_update();
    // Catching up: the newest message, if it is not the one the app last heard of (read after the
    // connection is made, so that nothing written in between is missed).
    let last = headers.get("last-event-id").and_then(|v| v.to_str().ok()).map(str::trim).unwrap_or("");
    let newest = Triggers::inbox(portal.db.as_ref(), user, 1).await?.messages.first().map(|m| m.id);
    let catch_up = newest.filter(|id| id.to_string() != last).map(|id| Ok(inbox_event(Some(id))));
    let identity = portal.identity.clone();
    let state = (connection, portal.live.closing(), token, Instant::now() + RECHECK);
    let live = stream::unfold(state, move |(mut connection, mut closing, token, mut recheck)| {
        let identity = identity.clone();
        async move {
            loop {
                if *closing.borrow() {
                    return None;
                }
                tokio::select! {
                    changed = connection.newest.changed() => {
                        changed.ok()?;
                        let id = *connection.newest.borrow_and_update();
                        return Some((Ok(inbox_event(id)), (connection, closing, token, recheck)));
                    }
                    // A fifth connection of the account ended this one.
                    _ = connection.ended.notified() => return None,
                    _ = closing.changed() => return None,
                    _ = tokio::time::sleep_until(recheck) => {
                        identity.authenticate(&token).await.ok()?;
                        recheck = Instant::now() + RECHECK;
                    }
                }
            }
        }
    });
    Ok(Sse::new(stream::iter(catch_up).chain(live)).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}
