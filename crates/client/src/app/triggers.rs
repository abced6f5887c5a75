//! Triggered offers: operators' triggers (online), and the person's inbox (kept for offline).
use super::*;

impl PortalApp {
    pub async fn triggers(&self) -> ClientResult<TriggerList> {
        self.authed(|api, token| async move { api.call(Some(&token), &ep::ListTriggers {}).await }).await
    }

    pub async fn create_trigger(&self, req: NewTrigger) -> ClientResult<Trigger> {
        self.authed(|api, token| {
            let req = req.clone();
            async move { api.call(Some(&token), &ep::CreateTrigger { body: req.clone() }).await }
        })
        .await
    }

    pub async fn set_trigger_active(&self, id: Uuid, active: bool) -> ClientResult<TriggerList> {
        let req = SetTriggerActive { active };
        self.authed(|api, token| {
            let req = req.clone();
            async move { api.call(Some(&token), &ep::SetTriggerActiveNow { id: id, body: req.clone() }).await }
        })
        .await
    }

    /// The person's inbox: the server's (kept for offline), else as last read.
    pub async fn inbox(&self) -> ClientResult<crate::inbox::InboxView> {
        let user = self.signed_in_user()?;
        match self.authed(|api, token| async move { api.call(Some(&token), &ep::GetInbox {}).await }).await {
            Ok(inbox) => {
                let cache = self.cache();
                // What this device changed and the server has not had yet stays changed.
                let inbox = crate::inbox::with_changes(inbox, &crate::inbox::unsent(&cache, user)?);
                crate::inbox::keep(&cache, user, &inbox)?;
                crate::inbox::view(&cache, user, inbox, false, Some(now()))
            }
            Err(ClientError::Unreachable { .. }) => {
                let cache = self.cache();
                let inbox = crate::inbox::kept(&cache, user)?.unwrap_or(Inbox { messages: vec![], unread: 0 });
                crate::inbox::view(&cache, user, inbox, true, Some(now()))
            }
            Err(e) => Err(e),
        }
    }

    /// Marks a message read, or deletes it: here at once (offline too), then on the server
    /// through the outbox (on every device of the person's).
    pub async fn change_inbox(&self, id: Uuid, change: InboxChangeKind) -> ClientResult<crate::inbox::InboxView> {
        let user = self.signed_in_user()?;
        let inbox = crate::inbox::change(&mut self.cache(), user, InboxChange { message: id, change }, now())?;
        if let Err(e) = self.flush_outbox().await {
            tracing::info!(error = %e, "the inbox change waits in the outbox");
        }
        let cache = self.cache();
        let inbox = crate::inbox::kept(&cache, user)?.unwrap_or(inbox);
        // Announcing stays with `inbox()`: what this hands back is not announced.
        crate::inbox::view(&cache, user, inbox, false, None)
    }
}
