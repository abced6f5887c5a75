//! The live channel from the app's side: while someone who has an inbox is signed in and the
//! server answers, one connection to `/v1/me/live` stays open; each `inbox` event makes the
//! background read the inbox at its next round (so a message is announced within a second or two,
//! and the inbox needs no regular look while the channel is open). A connection silent for a
//! minute is taken for dead. A dropped connection is opened again (after a pause that grows to
//! 30 s when it did not last), telling the server the last event heard, so what came meanwhile is
//! caught up at once.
use std::{sync::atomic::Ordering, time::Duration};

use super::*;

/// Reads server-sent events from `text` as it comes: complete events (`event`, `id`) are taken
/// out, what is left waits for more.
pub(crate) fn take_events(text: &mut String) -> Vec<(String, Option<String>)> {
    if text.contains('\r') {
        *text = text.replace("\r\n", "\n");
    }
    let mut out = Vec::new();
    while let Some(end) = text.find("\n\n") {
        let block: String = text.drain(..end + 2).collect();
        let (mut event, mut id) = (String::from("message"), None);
        for line in block.lines() {
            if let Some(v) = line.strip_prefix("event:") {
                event = v.trim().to_owned();
            } else if let Some(v) = line.strip_prefix("id:") {
                id = Some(v.trim().to_owned());
            }
        }
        // A block of comments only (the keep-alive) is no event.
        if block.lines().any(|l| l.starts_with("event:") || l.starts_with("data:")) {
            out.push((event, id));
        }
    }
    out
}

/// Silence this long (the server sends a comment every 20 s) means the connection is dead: a
/// network change or a sleeping laptop leaves one open that nothing will ever come through.
const SILENCE: Duration = Duration::from_secs(60);
/// Connected at least this long, the connection counts as a good one: the next is opened at once.
const GOOD_FOR: Duration = Duration::from_secs(60);

impl PortalApp {
    /// Whether the signed-in account has an inbox the live channel tells of.
    fn wants_live(&self) -> Option<Uuid> {
        let (situation, user) = self.situation();
        let has_inbox = matches!(situation.role, Some(Role::Consumer | Role::Distributor));
        (situation.started && situation.online && situation.signed_in && has_inbox).then_some(user).flatten()
    }

    /// Keeps the live channel open for as long as the app lives (run by the shell beside the
    /// background chores).
    pub async fn run_live(&self) {
        let mut last_event: Option<(Uuid, String)> = None;
        let mut pause = 2;
        loop {
            let Some(user) = self.wants_live() else {
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            };
            // The last event heard is the account's own: another account starts afresh.
            if last_event.as_ref().is_some_and(|(of, _)| *of != user) {
                last_event = None;
            }
            let opened = tokio::time::Instant::now();
            let result = self.listen(user, &mut last_event).await;
            self.live.store(false, Ordering::Relaxed);
            if let Err(e) = &result {
                tracing::info!(error = %e, "the live channel is closed; opening it again later");
            }
            // A connection that lasted is opened again at once; one that closed or failed soon
            // waits, longer each time (with a little jitter, so a restarted server is not met by
            // every app in the same second).
            if result.is_ok() && opened.elapsed() >= GOOD_FOR {
                pause = 2;
                continue;
            }
            let jitter = u64::from(Uuid::now_v7().as_bytes()[15]) * 4;
            tokio::time::sleep(Duration::from_secs(pause) + Duration::from_millis(jitter)).await;
            pause = (pause * 2).min(30);
        }
    }

    /// One connection, until it closes, goes silent, or someone else signs in.
    async fn listen(&self, user: Uuid, last_event: &mut Option<(Uuid, String)>) -> ClientResult<()> {
        let last = last_event.as_ref().map(|(_, id)| id.clone());
        let mut response = self
            .authed(|api, token| {
                let last = last.clone();
                async move { api.open_live(&token, last).await }
            })
            .await?;
        let is_stream = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        if !is_stream {
            return Err(ClientError::Protocol("the live channel did not answer with events".into()));
        }
        self.live.store(true, Ordering::Relaxed);
        let mut text = String::new();
        let mut heard = tokio::time::Instant::now();
        loop {
            if self.wants_live() != Some(user) {
                return Ok(());
            }
            let chunk = tokio::select! {
                chunk = response.chunk() => chunk,
                _ = tokio::time::sleep(Duration::from_secs(1)) => {
                    if heard.elapsed() >= SILENCE {
                        return Err(ClientError::Protocol("the live channel went silent".into()));
                    }
                    continue;
                }
            };
            let Some(chunk) = chunk.map_err(|e| ClientError::Unreachable {
                url: self.api().base().to_string(),
                reason: e.without_url().to_string(),
            })?
            else {
                return Ok(());
            };
            heard = tokio::time::Instant::now();
            text.push_str(&String::from_utf8_lossy(&chunk));
            if text.len() > 64 * 1024 {
                return Err(ClientError::Protocol("the live channel sent an event too long".into()));
            }
            for (event, id) in take_events(&mut text) {
                if event == "inbox" {
                    if let Some(id) = id {
                        *last_event = Some((user, id));
                    }
                    self.inbox_due.store(true, Ordering::Relaxed);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_read_whole_as_they_come_and_keep_alives_are_not_events() {
        let mut text = String::from(": keep-alive\n\nevent: inbox\nid: 01");
        assert!(take_events(&mut text).is_empty(), "the comment is no event, the rest waits");
        text.push_str("9a\ndata: {}\n\nevent: inbox\r\ndata: {}\r\n\r\n");
        assert_eq!(take_events(&mut text), vec![("inbox".into(), Some("019a".into())), ("inbox".into(), None)]);
        assert!(text.is_empty());
    }
}
