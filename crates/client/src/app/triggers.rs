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

    /// Marks a message read (online).
    pub async fn read_inbox(&self, id: Uuid) -> ClientResult<crate::inbox::InboxView> {
        let user = self.signed_in_user()?;
        let inbox =
            self.authed(|api, token| async move { api.call(Some(&token), &ep::ReadInbox { id: id }).await }).await?;
        let cache = self.cache();
        crate::inbox::keep(&cache, user, &inbox)?;
        // Announcing stays with `inbox()`: what this hands back is not announced.
        crate::inbox::view(&cache, user, inbox, false, None)
    }
}
