//! The live channel from the app's side: while someone who has an inbox is signed in and the
//! server answers, one connection to `/v1/me/live` stays open; each `inbox` event makes the
//! background read the inbox at its next round (so a message is announced within a second or two,
//! and the inbox needs no regular look while the channel is open). A dropped connection is opened
//! again after a pause that grows to 30 s, telling the server the last event heard, so what came
//! meanwhile is caught up at once.
use std::{sync::atomic::Ordering, time::Duration};

use super::*;

/// Reads server-sent events from `text` as it comes: complete events (`event`, `id`) are taken
/// out, what is left waits for more.
pub(crate) fn take_events(text: &mut String) -> Vec<(String, Option<String>)> {
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
        let mut last_event: Option<String> = None;
        let mut pause = 2;
        loop {
            let Some(user) = self.wants_live() else {
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            };
            let opened = self.listen(user, &mut last_event).await;
            self.live.store(false, Ordering::Relaxed);
            match opened {
                // Heard from, then closed: open again at once.
                Ok(true) => pause = 2,
                Ok(false) => {}
                Err(e) => {
                    tracing::info!(error = %e, "the live channel is closed; opening it again later");
                    tokio::time::sleep(Duration::from_secs(pause)).await;
                    pause = (pause * 2).min(30);
                }
            }
        }
    }

    /// One connection, until it closes or someone else signs in; whether it was opened.
    async fn listen(&self, user: Uuid, last_event: &mut Option<String>) -> ClientResult<bool> {
        let last = last_event.clone();
        let mut response = self
            .authed(|api, token| {
                let last = last.clone();
                async move { api.open_live(&token, last).await }
            })
            .await?;
        self.live.store(true, Ordering::Relaxed);
        // Opened (again): what came while it was closed is read now.
        self.inbox_due.store(true, Ordering::Relaxed);
        let mut text = String::new();
        loop {
            let chunk = tokio::select! {
                chunk = response.chunk() => chunk,
                _ = tokio::time::sleep(Duration::from_secs(1)) => {
                    if self.wants_live() != Some(user) {
                        return Ok(true);
                    }
                    continue;
                }
            };
            let Some(chunk) = chunk.map_err(|e| ClientError::Unreachable {
                url: self.api().base().to_string(),
                reason: e.without_url().to_string(),
            })?
            else {
                return Ok(true);
            };
            text.push_str(&String::from_utf8_lossy(&chunk));
            if text.len() > 64 * 1024 {
                return Err(ClientError::Protocol("the live channel sent an event too long".into()));
            }
            for (event, id) in take_events(&mut text) {
                if event == "inbox" {
                    *last_event = id.or(last_event.take());
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
        text.push_str("9a\ndata: {}\n\nevent: inbox\ndata: {}\n\n");
        assert_eq!(take_events(&mut text), vec![("inbox".into(), Some("019a".into())), ("inbox".into(), None)]);
        assert!(text.is_empty());
    }
}
