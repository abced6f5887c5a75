//! Messages that leave through an outside gateway (SMS, e-mail, mobile push), and the devices
//! people's apps registered for push.
//!
//! A delivery batch that decides to text, mail or push someone writes one outbound message per
//! (campaign, person, channel) in its own transaction, so a message is never lost between the
//! decision and the gateway. The dispatcher claims due messages under a lease (another instance
//! skips them until it lapses), hands each to its gateway outside any transaction, and settles it
//! by the gateway's answer; a receipt from the provider later marks it delivered or not. A message
//! whose dispatcher died after the gateway took it, before it was settled, is sent again when its
//! lease lapses: at least once, never silently dropped.
use async_trait::async_trait;
use portal_api::MessageChannel;
use uuid::Uuid;

use crate::DbResult;

/// Attempts a message gets before it is given up as failed.
pub const MAX_OUTBOUND_ATTEMPTS: u32 = 8;
/// A person's devices kept for push: registering another drops the one least recently seen.
pub const MAX_DEVICES_PER_PERSON: u32 = 10;
/// A device not seen this long is dropped (its push token is stale by the providers' own rules).
pub const DEVICES_KEPT_SECS: i64 = 270 * 86_400;
/// Outbound messages are kept as long as their campaign's deliveries (the funnel reads them).
pub const OUTBOUND_KEPT_SECS: i64 = crate::DELIVERIES_KEPT_SECS;

/// A message to hand to a gateway, as claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundMessage {
    /// Ours; also the id the provider echoes on its receipt.
    pub id: Uuid,
    pub campaign: Uuid,
    pub user: Uuid,
    pub channel: MessageChannel,
    /// This attempt's number, from 1; the settlement names it.
    pub attempt: u32,
    /// The person's verified phone (SMS) or e-mail (e-mail) now; none when they have none (push
    /// reads the person's devices).
    pub address: Option<String>,
    /// The account is locked now: nothing goes to it.
    pub locked: bool,
}

/// What came of handing a message to its gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboundOutcome {
    /// The gateway took it; the provider's id for it.
    Sent { provider_id: String },
    /// Try again at this time (the gateway was away or failed): the attempt counts.
    Retry { at: i64, error: String },
    /// Not yet, through no fault of the message (quiet hours, a throttled gateway): sent at this
    /// time, and the attempt does not count.
    Wait { at: i64, why: String },
    /// Never going (no address, a refused recipient, a refused request).
    Failed { error: String },
}

/// How a campaign's outbound messages stand, by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboundCounts {
    pub pending: u64,
    pub sent: u64,
    /// Confirmed delivered by the provider's receipt.
    pub delivered: u64,
    /// Failed at the gateway, or reported undelivered.
    pub failed: u64,
    /// Still waiting when the campaign was stopped.
    pub cancelled: u64,
}

/// Who pushes to a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PushProvider {
    /// Firebase Cloud Messaging (Android outside mainland China).
    Fcm,
    /// Apple Push Notification service.
    Apns,
    /// Huawei Push Kit (Android in mainland China).
    Huawei,
    /// No push service: a desktop or a phone without one; the live channel reaches it.
    None,
}

impl PushProvider {
    pub fn as_str(self) -> &'static str {
        match self {
            PushProvider::Fcm => "fcm",
            PushProvider::Apns => "apns",
            PushProvider::Huawei => "huawei",
            PushProvider::None => "none",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "fcm" => PushProvider::Fcm,
            "apns" => PushProvider::Apns,
            "huawei" => PushProvider::Huawei,
            "none" => PushProvider::None,
            _ => return None,
        })
    }
}

/// One installation of the app a person signed in on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRow {
    pub user: Uuid,
    /// The app's own id for its installation.
    pub installation: Uuid,
    /// The session it registered in: once that ends, nothing is pushed to it.
    pub session: Uuid,
    /// `android`, `ios`, `linux`, `windows`, `macos`.
    pub platform: String,
    pub provider: PushProvider,
    /// The provider's token for this installation; empty without a provider.
    pub token: String,
    /// `zh-CN` or `en`: the language its notifications are written in.
    pub language: String,
    pub app_version: String,
    pub registered_at: i64,
    pub last_seen: i64,
}

#[async_trait]
pub trait Outbound: Send + Sync {
    /// Claims up to `limit` pending messages due by `now` of campaigns running or finished (a
    /// paused campaign's wait), oldest first, each for one attempt until `lease_until` (rows
    /// another dispatcher holds are skipped), committed before it returns. A message out of
    /// attempts is settled as failed instead of claimed.
    async fn claim_outbound(&self, now: i64, lease_until: i64, limit: u32) -> DbResult<Vec<OutboundMessage>>;
    /// Settles one attempt; false (nothing written) when the message was claimed again since, or
    /// already settled.
    async fn settle_outbound(&self, id: Uuid, attempt: u32, outcome: OutboundOutcome, at: i64) -> DbResult<bool>;
    /// The provider's receipt for a message on `channel` it took: delivered or not (with its
    /// error). False when no such message is waiting for one (a receipt sent twice changes
    /// nothing).
    async fn outbound_receipt(
        &self,
        id: Uuid,
        channel: MessageChannel,
        delivered: bool,
        error: Option<String>,
        at: i64,
    ) -> DbResult<bool>;
    async fn outbound_counts(&self, campaign: Uuid) -> DbResult<OutboundCounts>;
    /// Registers (or refreshes) an installation for its person. A token another installation held
    /// moves here; past `MAX_DEVICES_PER_PERSON` the device least recently seen is dropped.
    async fn register_device(&self, row: DeviceRow) -> DbResult<()>;
    /// The person's devices whose session is live, the most recently seen first (at most
    /// `MAX_DEVICES_PER_PERSON`).
    async fn devices_of(&self, user: Uuid) -> DbResult<Vec<DeviceRow>>;
    /// Forgets an installation of this person (signed out there); whether it was registered.
    async fn remove_device(&self, user: Uuid, installation: Uuid) -> DbResult<bool>;
    /// Drops a token its provider said is no longer valid; how many devices held it.
    async fn drop_push_token(&self, provider: PushProvider, token: String) -> DbResult<u64>;
}
