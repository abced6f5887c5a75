//! The outside services messages leave through, each behind one trait: SMS through a mainland
//! provider's HTTP API (Alibaba Cloud SMS), e-mail over SMTP, mobile push through FCM HTTP v1,
//! APNs and Huawei Push Kit. Sign-in codes and campaigns go out through them; without a gateway configured, the
//! embedded sender logs each code instead (the default for `./scripts/run`) and campaigns reach
//! people in the app only.
use std::{collections::HashMap, sync::Arc};

use async_trait::async_trait;
use portal_api::{CodeChannel, MessageChannel, OutboxMessage};

pub use crate::sender::SendError as SendFailure;
use crate::{
    config::Config,
    db::{DeviceRow, PushProvider},
    sender::{EmbeddedSender, MessageSender},
};

pub mod aliyun_sms;
pub mod apns;
pub mod fcm;
pub mod huawei;
pub mod oauth;
pub mod rate;
pub mod smtp;

/// A text-message service.
#[async_trait]
pub trait SmsGateway: Send + Sync + 'static {
    /// Sends a sign-in code to `to` (E.164); the provider's id of the message. `out_id` is ours,
    /// echoed back on the provider's delivery receipt.
    async fn send_code(&self, to: &str, code: &str, out_id: &str) -> Result<String, SendFailure>;
    /// Sends a marketing text as the provider's approved `template` (which carries the opt-out
    /// instruction), with no parameters; the provider's id of the message.
    async fn send_marketing(&self, to: &str, template: &str, out_id: &str) -> Result<String, SendFailure>;
}

/// A notification for one device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushNote {
    pub title: String,
    pub body: String,
    /// Ours: the outbound message's id, also the collapse key (a resend replaces, not repeats).
    pub id: String,
    /// The deep link's path in the app (`product/TV-55`, `wallet`…), if any.
    pub link: Option<String>,
}

impl PushNote {
    /// What the app reads from a push besides its words: the message's id and, if any, its link.
    pub fn data(&self) -> serde_json::Value {
        let mut data = serde_json::json!({ "id": self.id });
        if let Some(link) = &self.link {
            data["link"] = link.clone().into();
        }
        data
    }
}

/// Why a push did not go.
#[derive(Debug, thiserror::Error)]
pub enum PushFailure {
    /// The provider says this token is no longer valid: drop it.
    #[error("the device's token is no longer valid: {0}")]
    TokenGone(String),
    /// Try again later (throttled, the service away).
    #[error("the push service cannot take it now: {0}")]
    Later(String),
    /// The provider refused the request (credentials, payload).
    #[error("the push service refused it: {0}")]
    Refused(String),
}

/// A mobile push service.
#[async_trait]
pub trait PushGateway: Send + Sync + 'static {
    /// Sends `note` to one device's token; the provider's id for it.
    async fn push(&self, token: &str, note: &PushNote) -> Result<String, PushFailure>;
}

/// Each channel's gateway, where one is configured; the embedded sender for the rest.
pub struct Gateways {
    pub sms: Option<Arc<dyn SmsGateway>>,
    /// The approved marketing template texts go as when a campaign names none.
    pub sms_marketing_template: String,
    pub push: HashMap<PushProvider, Arc<dyn PushGateway>>,
    pub email: Option<Arc<dyn smtp::EmailGateway>>,
    /// Where people reach this server, for links in e-mail.
    pub public_url: String,
    pub fallback: EmbeddedSender,
}

impl Gateways {
    /// The gateways the configuration names, each checked whole.
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let sms = config.sms().map_err(|e| anyhow::anyhow!(e))?;
        let mut push: HashMap<PushProvider, Arc<dyn PushGateway>> = HashMap::new();
        if let Some(fcm) = fcm::Fcm::from_config(config)? {
            push.insert(PushProvider::Fcm, Arc::new(fcm));
        }
        if let Some(apns) = apns::Apns::from_config(config)? {
            push.insert(PushProvider::Apns, Arc::new(apns));
        }
        if let Some(huawei) = huawei::Huawei::from_config(config)? {
            push.insert(PushProvider::Huawei, Arc::new(huawei));
        }
        if !config.smtp_host.trim().is_empty() && config.public_url.trim().is_empty() {
            anyhow::bail!("e-mail needs PORTAL_PUBLIC_URL (the address in its one-click unsubscribe link)");
        }
        Ok(Self {
            sms: sms.map(|c| Arc::new(aliyun_sms::AliyunSms::new(c)) as Arc<dyn SmsGateway>),
            sms_marketing_template: config.sms_marketing_template.trim().to_owned(),
            push,
            email: smtp::Smtp::from_config(config)?.map(|s| Arc::new(s) as Arc<dyn smtp::EmailGateway>),
            public_url: if config.smtp_host.trim().is_empty() {
                String::new()
            } else {
                // One-click unsubscribe (RFC 8058) is an https:// link.
                check_endpoint("PORTAL_PUBLIC_URL", &config.public_url)?
            },
            fallback: EmbeddedSender::new(config.dev_mode),
        })
    }

    /// The channels an outside gateway takes campaigns' messages on.
    pub fn channels(&self) -> Vec<MessageChannel> {
        let mut channels = Vec::new();
        if self.sms.is_some() {
            channels.push(MessageChannel::Sms);
        }
        if !self.push.is_empty() {
            channels.push(MessageChannel::Push);
        }
        if self.email.is_some() {
            channels.push(MessageChannel::Email);
        }
        channels
    }

    /// The gateway of a device's provider, if one is configured.
    pub fn push_for(&self, device: &DeviceRow) -> Option<&Arc<dyn PushGateway>> {
        if device.token.is_empty() {
            return None;
        }
        self.push.get(&device.provider)
    }
}

#[async_trait]
impl MessageSender for Gateways {
    async fn send(&self, message: OutboxMessage) -> Result<(), SendFailure> {
        match (&message.channel, &self.sms) {
            (CodeChannel::Sms, Some(sms)) => {
                let out_id = uuid::Uuid::now_v7().simple().to_string();
                let id = sms.send_code(&message.to, &message.code, &out_id).await?;
                tracing::info!(channel = "sms", provider_id = %id, out_id, "sign-in code handed to the SMS service");
                Ok(())
            }
            (CodeChannel::Email, _) if self.email.is_some() => {
                let email = self.email.as_ref().expect("checked");
                let id = uuid::Uuid::now_v7().simple().to_string();
                let mail = smtp::Mail {
                    to: message.to.clone(),
                    subject: "【品牌门户】验证码 / Your sign-in code".into(),
                    text: message.body.clone(),
                    unsubscribe: None,
                    id,
                };
                let queued = email.send(&mail).await?;
                tracing::info!(channel = "email", queued, "sign-in code handed to the SMTP server");
                Ok(())
            }
            _ => self.fallback.send(message).await,
        }
    }
}

/// An HTTP client for a provider: timeouts on connecting and on the whole request.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .connect_timeout(std::time::Duration::from_secs(5))
        .build()
        .expect("an HTTP client with timeouts")
}

/// Whether an endpoint may be used: HTTPS, or plain HTTP on loopback (a local stand-in).
pub fn check_endpoint(name: &str, endpoint: &str) -> anyhow::Result<String> {
    let endpoint = endpoint.trim().trim_end_matches('/');
    if endpoint.starts_with("https://") || endpoint.starts_with("http://127.0.0.1") {
        Ok(endpoint.to_owned())
    } else {
        anyhow::bail!("{name} is an https:// address")
    }
}
