//! The installations of the app a person signed in on, registered for push: the platform, the
//! push service that reaches it (none on a desktop, which the live channel reaches) and its token.
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

/// Who pushes to an installation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PushService {
    /// Firebase Cloud Messaging (Android outside mainland China).
    Fcm,
    /// Apple Push Notification service.
    Apns,
    /// Huawei Push Kit (Android in mainland China).
    Huawei,
    /// None: a desktop, or a phone without a push service.
    None,
}

/// An installation registering itself (`PUT /v1/me/devices/{installation}`), again at each start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct DeviceRegistration {
    /// `android`, `ios`, `linux`, `windows` or `macos`.
    pub platform: String,
    pub push: PushService,
    /// The push service's token for this installation; empty without one.
    #[serde(default)]
    pub token: String,
    /// `zh-CN` or `en`: the language its notifications are written in.
    pub language: String,
    pub app_version: String,
}

/// What the SMS service wants back from a push it made: `code` 0 taken (anything else: it sends
/// the batch again later).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ProviderAck {
    pub code: i32,
    pub msg: String,
}

/// One of the caller's installations that is pushed to now (its session is live).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct DeviceInfo {
    pub installation: Uuid,
    pub platform: String,
    pub push: PushService,
    pub language: String,
    pub app_version: String,
    pub last_seen: i64,
    /// Registered in the session making this request.
    pub this_session: bool,
}

/// The caller's installations pushed to now, the most recently seen first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct DeviceList {
    pub devices: Vec<DeviceInfo>,
}
