//! The one-click unsubscribe of marketing e-mail (RFC 8058): the link in each message carries a
//! token signed for its person; a `POST` (what a mail client's button sends) turns their e-mail
//! off, and opening the link shows a page with the same button, since a `GET` alone must change
//! nothing (mail scanners open links).
use portal_api::*;

use super::CampaignService;
use crate::{
    common::now,
    db::PreferencesRow,
    error::{AppError, AppResult},
};

impl CampaignService {
    /// Whether the token is one this server signed (the page is shown only for one).
    pub fn unsubscribe_person(&self, token: &str) -> AppResult<uuid::Uuid> {
        self.keys
            .verify_unsubscribe(token)
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "This unsubscribe link is not valid."))
    }

    /// Turns marketing e-mail off for the token's person (again: no change).
    pub async fn unsubscribe_email(&self, token: &str) -> AppResult<()> {
        let user = self.unsubscribe_person(token)?;
        let mut row =
            self.delivery.message_preferences(user).await?.unwrap_or_else(|| PreferencesRow::default_for(user));
        if !row.channels_off.contains(&MessageChannel::Email) {
            row.channels_off.push(MessageChannel::Email);
            row.updated_at = now();
            self.delivery.set_message_preferences(row).await?;
        }
        Ok(())
    }
}
