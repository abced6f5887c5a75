//! Behaviour events and the person's choice about them: recorded here at once, sent in batches
//! on the outbox's timer, anonymous until someone is signed in.
use super::*;

/// Events per request (the server's limit).
const EVENT_BATCH: usize = portal_marketing::events::MAX_BATCH;

impl PortalApp {
    /// Records what the person did (when their choice allows); sent with the next flush.
    pub fn track(&self, input: events::EventInput) -> ClientResult<()> {
        let user = self.signed_in_user().ok();
        events::record(&self.cache(), user, input, now())?;
        Ok(())
    }

    pub fn tracking_state(&self) -> ClientResult<events::TrackingState> {
        let cache = self.cache();
        Ok(events::TrackingState { tracking: events::tracking(&cache)?, waiting: events::waiting(&cache)? })
    }

    /// Turns tracking on or off on this device at once (dropping what was declined and not sent);
    /// the account hears of it now, or with the next flush.
    pub async fn set_tracking(&self, on: bool) -> ClientResult<events::TrackingState> {
        events::set_tracking(&self.cache(), on)?;
        if let Err(e) = self.send_tracking_choice().await {
            tracing::info!(error = %e, "the tracking choice waits for the network");
        }
        self.tracking_state()
    }

    async fn send_tracking_choice(&self) -> ClientResult<()> {
        let Some(on) = events::unsent_tracking(&self.cache())? else { return Ok(()) };
        if self.signed_in_user().is_err() {
            return Ok(());
        }
        self.authed(|api, token| async move { api.set_tracking(&token, on).await }).await?;
        // Unless it changed again meanwhile.
        if events::tracking(&self.cache())? == on {
            events::tracking_sent(&self.cache())?;
        }
        Ok(())
    }

    /// Sends waiting events, oldest first, until none is due or the server cannot be reached.
    /// Events recorded for the person signed in now go with their session; anonymous ones of this
    /// installation too (the server joins them); any other's go anonymously.
    pub async fn flush_events(&self) -> ClientResult<u32> {
        self.send_tracking_choice().await?;
        let me = self.signed_in_user().ok();
        let mut sent = 0;
        loop {
            let Some(due) = events::due(&self.cache(), now(), EVENT_BATCH)? else { break };
            if !due.unreadable.is_empty() {
                events::answered(&mut self.cache(), due.unreadable.clone())?;
            }
            if due.events.is_empty() {
                continue;
            }
            let current_install = events::install_id(&self.cache())?;
            let as_me = me.is_some() && (due.user == me || (due.user.is_none() && due.install_id == current_install));
            let batch = EventBatch { install_id: due.install_id, events: due.events.clone() };
            let answer = if as_me {
                self.authed(|api, token| {
                    let batch = batch.clone();
                    async move { api.events(Some(&token), &batch).await }
                })
                .await
            } else {
                self.observe(self.api().events(None, &batch).await)
            };
            match answer {
                Ok(receipt) => {
                    let answered: Vec<String> = receipt
                        .acknowledged
                        .iter()
                        .chain(receipt.refused.iter().map(|r| &r.id))
                        .map(Uuid::to_string)
                        .collect();
                    if answered.is_empty() {
                        events::postpone(&self.cache(), &due, now() + 600)?;
                        continue;
                    }
                    sent += receipt.acknowledged.len() as u32;
                    for refused in &receipt.refused {
                        tracing::info!(id = %refused.id, code = ?refused.code, reason = %refused.reason, "an event was refused");
                    }
                    events::answered(&mut self.cache(), answered)?;
                }
                Err(ClientError::Api(e)) if e.code == ErrorCode::RateLimited => {
                    let wait = e.retry_after_secs.unwrap_or(60) as i64;
                    events::postpone(&self.cache(), &due, now() + wait)?;
                }
                Err(e @ ClientError::Unreachable { .. }) => return if sent > 0 { Ok(sent) } else { Err(e) },
                Err(e) => {
                    // Refused whole (this should not happen: the rules are the server's): held back
                    // a while so that it neither loops nor blocks the others.
                    tracing::warn!(error = %e, count = due.events.len(), "a batch of events was refused whole");
                    events::postpone(&self.cache(), &due, now() + 600)?;
                }
            }
        }
        Ok(sent)
    }

    /// The signed-in person's behaviour history from the server, newest first (what waits on this
    /// device is sent first, so that it is there too).
    pub async fn event_history(&self, before: Option<(i64, Uuid)>) -> ClientResult<EventHistory> {
        if before.is_none() {
            if let Err(e) = self.flush_events().await {
                tracing::info!(error = %e, "events wait on the device");
            }
        }
        self.authed(|api, token| async move { api.event_history(&token, before).await }).await
    }

    /// Deletes the person's behaviour history on the server, and what waits on this device.
    pub async fn delete_event_history(&self) -> ClientResult<EventsDeleted> {
        // What waits here goes first, so that nothing arrives after the deletion.
        let user = self.signed_in_user()?;
        self.cache().conn.execute("DELETE FROM event_queue WHERE user_id = ?1", [user.to_string()])?;
        self.authed(|api, token| async move { api.delete_events(&token).await }).await
    }
}
