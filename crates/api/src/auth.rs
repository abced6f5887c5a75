//! Codes, sign-up, sign-in, tokens and device sessions.
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::Profile;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CodeChannel {
    Sms,
    Email,
}

impl CodeChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            CodeChannel::Sms => "sms",
            CodeChannel::Email => "email",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CodePurpose {
    SignUp,
    SignIn,
    Link,
    /// A customer lets the promoter serving them see their customer view.
    CounterConsent,
}

impl CodePurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            CodePurpose::SignUp => "sign_up",
            CodePurpose::SignIn => "sign_in",
            CodePurpose::Link => "link",
            CodePurpose::CounterConsent => "counter_consent",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct SendCodeRequest {
    pub channel: CodeChannel,
    /// A phone number (E.164, or a mainland number without +86) or an e-mail address.
    pub target: String,
    pub purpose: CodePurpose,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct SendCodeResponse {
    /// The normalised target the code went to.
    pub target: String,
    /// Seconds until the code expires.
    pub expires_in_secs: u64,
    /// Seconds before another code may be requested for this target.
    pub resend_after_secs: u64,
}

/// Sign up with a phone number proven by an SMS code; a password is optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct SignUpRequest {
    pub phone: String,
    pub code: String,
    #[ts(optional)]
    #[serde(default)]
    pub password: Option<String>,
    #[ts(optional)]
    #[serde(default)]
    pub display_name: Option<String>,
    pub device_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct CodeSignInRequest {
    pub phone: String,
    pub code: String,
    pub device_name: String,
}

/// `login` is a phone number, an e-mail address or a username.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct PasswordSignInRequest {
    pub login: String,
    pub password: String,
    pub device_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    /// Seconds until the access token expires.
    pub access_expires_in_secs: u64,
    pub refresh_token: String,
    pub session_id: Uuid,
}

/// What a successful sign-up or sign-in returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuthResponse {
    pub tokens: TokenPair,
    pub profile: Profile,
    /// True when this request created the account.
    pub created: bool,
}

/// One signed-in device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct DeviceSession {
    pub id: Uuid,
    pub device_name: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds of the last refresh or request.
    pub last_seen_at: i64,
    /// True for the session making the request.
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct DeviceSessionList {
    pub sessions: Vec<DeviceSession>,
}

/// A message the embedded sender delivered (dev mode only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct OutboxMessage {
    pub channel: CodeChannel,
    pub to: String,
    pub body: String,
    /// The one-time code inside the message.
    pub code: String,
    /// Unix seconds.
    pub sent_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct Health {
    pub status: String,
    pub version: String,
    /// The database this instance uses, its version and schema.
    pub database: String,
    /// Which server instance answered (`PORTAL_INSTANCE`, else host and process id).
    pub instance: String,
}
