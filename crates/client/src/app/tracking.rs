//! Behaviour events and the person's choice about them: recorded here at once, sent in batches
//! on the outbox's timer, anonymous until someone is signed in.
use super::*;

/// Events per request (the server's limit).
const EVENT_BATCH: usize = portal_marketing::events::MAX_BATCH;
/// How long events wait after an error that is not theirs (a 5xx, a locked keyring).
const TRANSIENT_RETRY_SECS: i64 = 60;

impl PortalApp {
    /// Records what the person did (when their choice allows); sent with the next flush. Who is
    /// signed in and the installation are read under one hold of the cache, so a sign-out cannot
    /// slip in between and tag one person's event with the next installation.
    pub fn track(&self, input: events::EventInput) -> ClientResult<()> {
        let signed_in = self.session.has_refresh_token()?;
        let cache = self.cache();
        let user = if signed_in { cache.setting(USER_ID)?.and_then(|s| Uuid::parse_str(&s).ok()) } else { None };
        events::record(&cache, user, input, now())?;
        Ok(())
    }

    pub fn tracking_state(&self) -> ClientResult<events::TrackingState> {
        let cache = self.cache();
        Ok(events::TrackingState { tracking: events::tracking(&cache)?, waiting: events::waiting(&cache)? })
    }

    /// Turns tracking on or off on this device at once (dropping what was declined and not sent);
    /// the account hears of it now, or with the next flush.
    pub async fn set_tracking(&self, on: bool) -> ClientResult<events::TrackingState> {
        let user = self.signed_in_user().ok();
        events::set_tracking(&mut self.cache(), user, on)?;
        if let Err(e) = self.send_tracking_choice().await {
            tracing::info!(error = %e, "the tracking choice waits for the network");
        }
        self.tracking_state()
    }

    async fn send_tracking_choice(&self) -> ClientResult<()> {
        let Ok(user) = self.signed_in_user() else { return Ok(()) };
        let Some(on) = events::unsent_tracking(&self.cache(), Some(user))? else { return Ok(()) };
        self.authed(|api, token| async move {
            api.call(Some(&token), &ep::SetTracking { body: SetTrackingConsent { tracking: on } }).await
        })
        .await?;
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
        let _one_at_a_time = self.events_sending.lock().await;
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
                    async move { api.call(Some(&token), &ep::IngestEvents { body: batch.clone() }).await }
                })
                .await
            } else {
                self.observe(self.api().call(None, &ep::IngestEvents { body: batch.clone() }).await)
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
                    // The whole installation waits (its next batch would meet the same limit).
                    let wait = e.retry_after_secs.unwrap_or(60) as i64;
                    events::postpone_installation(&self.cache(), due.install_id, now() + wait)?;
                }
                Err(e @ ClientError::Unreachable { .. }) => return if sent > 0 { Ok(sent) } else { Err(e) },
                Err(e) if e.ends_session() => return Err(e),
                Err(e) if is_permanent(&e) => {
                    // Refused whole for good by the error contract (an event this server cannot
                    // read, from a newer app): held back longer each time so that it neither
                    // loops nor blocks the others, and given up after a few tries.
                    let dropped = events::refused_whole(&mut self.cache(), &due, now())?;
                    tracing::warn!(error = %e, count = due.events.len(), dropped, "a batch of events was refused whole");
                }
                Err(e) => {
                    // Not the events' fault (the server is busy or failing, the keyring locked):
                    // they wait and are tried again, however long it lasts; nothing is dropped.
                    events::postpone(&self.cache(), &due, now() + TRANSIENT_RETRY_SECS)?;
                    tracing::info!(error = %e, count = due.events.len(), "events wait: the server could not take them now");
                    return if sent > 0 { Ok(sent) } else { Err(e) };
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
        self.authed(|api, token| async move {
            api.call(Some(&token), &ep::EventHistoryPage { query: crate::api::history_query(before) }).await
        })
        .await
    }

    /// Deletes the person's behaviour history on the server, and what waits on this device (theirs
    /// and this installation's anonymous events, which would join them). No sending of events runs
    /// meanwhile, so nothing arrives after the deletion.
    pub async fn delete_event_history(&self) -> ClientResult<EventsDeleted> {
        let _no_sending = self.events_sending.lock().await;
        let user = self.signed_in_user()?;
        {
            let cache = self.cache();
            let install = events::install_id(&cache)?;
            cache.conn.execute(
                "DELETE FROM event_queue WHERE user_id = ?1 OR (user_id IS NULL AND install_id = ?2)",
                [user.to_string(), install.to_string()],
            )?;
        }
        self.authed(|api, token| async move { api.call(Some(&token), &ep::DeleteEvents {}).await }).await
    }
}
