//! What the SMS service pushes back (Alibaba Cloud's HTTP batch push, each a JSON array): delivery
//! receipts (`SmsReport`), which settle a campaign's text as delivered or not by the `out_id` it
//! went with; and replies (`SmsUp`), where 退订 or TD opts the number's person out of marketing
//! texts. Both come to an address holding a configured secret, compared in constant time; a
//! receipt for no campaign text (a sign-in code's) is passed over.
use portal_api::*;
use serde::Deserialize;
use uuid::Uuid;

use super::CampaignService;
use crate::{
    common::now,
    db::PreferencesRow,
    error::{AppError, AppResult},
};

/// Reports one push may carry, at most (the service sends batches of up to 100).
pub const MAX_BATCH: usize = 500;

/// One delivery receipt, as the service sends it.
#[derive(Debug, Deserialize)]
pub struct SmsReport {
    #[serde(default)]
    pub success: bool,
    #[serde(default)]
    pub err_code: String,
    #[serde(default)]
    pub out_id: String,
    #[serde(default)]
    pub report_time: String,
}

/// One reply to a text, as the service sends it.
#[derive(Debug, Deserialize)]
pub struct SmsReply {
    pub phone_number: String,
    #[serde(default)]
    pub content: String,
}

/// Whether `given` is the configured token (none configured: never), in time that does not
/// depend on where they differ.
pub fn token_matches(configured: &str, given: &str) -> bool {
    !configured.is_empty() && crate::identity::codes::constant_time_eq(configured.as_bytes(), given.as_bytes())
}

/// A reply's number as accounts keep phones: E.164, mainland numbers given without `+86`.
pub fn e164(number: &str) -> Option<String> {
    let digits = number.trim().trim_start_matches('+');
    if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if digits.len() == 11 && digits.starts_with('1') {
        return Some(format!("+86{digits}"));
    }
    Some(format!("+{digits}"))
}

fn refused() -> AppError {
    AppError::new(ErrorCode::NotFound, "No such address.")
}

impl CampaignService {
    /// Whether a push from the SMS service came to the address holding the configured secret
    /// (checked before its body is read).
    pub fn check_sms_callback(&self, token: &str) -> AppResult<()> {
        if token_matches(&self.sms_callback_token, token) {
            Ok(())
        } else {
            Err(refused())
        }
    }

    /// Applies a batch of delivery receipts; how many settled a campaign's text.
    pub async fn sms_receipts(&self, token: &str, reports: Vec<SmsReport>) -> AppResult<u32> {
        self.check_sms_callback(token)?;
        if reports.len() > MAX_BATCH {
            return Err(AppError::new(ErrorCode::BodyTooLarge, format!("At most {MAX_BATCH} reports at once.")));
        }
        let mut settled = 0;
        for r in reports {
            // Our texts go with the outbound message's id (simple form) as their out_id.
            let Ok(id) = Uuid::try_parse(&r.out_id) else { continue };
            let error = (!r.success).then(|| format!("{} at {}", r.err_code, r.report_time));
            if self.outbound.outbound_receipt(id, MessageChannel::Sms, r.success, error, now()).await? {
                settled += 1;
            }
        }
        Ok(settled)
    }

    /// Applies a batch of replies: each 退订/TD opts its person out of marketing texts; how many.
    pub async fn sms_replies(&self, token: &str, replies: Vec<SmsReply>) -> AppResult<u32> {
        self.check_sms_callback(token)?;
        if replies.len() > MAX_BATCH {
            return Err(AppError::new(ErrorCode::BodyTooLarge, format!("At most {MAX_BATCH} replies at once.")));
        }
        let mut opted_out = 0;
        for reply in replies {
            if !portal_campaigns::sms::is_opt_out_reply(&reply.content) {
                continue;
            }
            let Some(phone) = e164(&reply.phone_number) else { continue };
            let Some(identity) = self.accounts.find_identity(IdentityKind::Phone, &phone).await? else { continue };
            let user = identity.user_id;
            let mut row =
                self.delivery.message_preferences(user).await?.unwrap_or_else(|| PreferencesRow::default_for(user));
            if !row.channels_off.contains(&MessageChannel::Sms) {
                row.channels_off.push(MessageChannel::Sms);
                row.updated_at = now();
                self.delivery.set_message_preferences(row).await?;
            }
            tracing::info!(user = %user, "a reply opted a number out of marketing texts");
            opted_out += 1;
        }
        Ok(opted_out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_callback_token_must_match_whole_and_be_configured() {
        assert!(token_matches("s3cret-token", "s3cret-token"));
        assert!(!token_matches("s3cret-token", "s3cret-tokeN"));
        assert!(!token_matches("s3cret-token", "s3cret"));
        assert!(!token_matches("", ""));
    }

    #[test]
    fn reply_numbers_read_as_accounts_keep_them() {
        assert_eq!(e164("13900000003").as_deref(), Some("+8613900000003"));
        assert_eq!(e164("+8613900000003").as_deref(), Some("+8613900000003"));
        assert_eq!(e164("85291234567").as_deref(), Some("+85291234567"));
        assert_eq!(e164("1390000000x"), None);
        assert_eq!(e164(""), None);
    }
}
