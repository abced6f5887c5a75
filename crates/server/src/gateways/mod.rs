//! The outside services messages leave through, each behind one trait: SMS through a mainland
//! provider's HTTP API (Alibaba Cloud SMS). Sign-in codes go out through them; without a gateway
//! configured, the embedded sender logs each message instead (the default for `./scripts/run`).
use std::sync::Arc;

use async_trait::async_trait;
use portal_api::{CodeChannel, OutboxMessage};

pub use crate::sender::SendError as SendFailure;
use crate::sender::{EmbeddedSender, MessageSender};

pub mod aliyun_sms;
pub mod rate;

/// A text-message service.
#[async_trait]
pub trait SmsGateway: Send + Sync + 'static {
    /// Sends a sign-in code to `to` (E.164); the provider's id of the message. `out_id` is ours,
    /// echoed back on the provider's delivery receipt.
    async fn send_code(&self, to: &str, code: &str, out_id: &str) -> Result<String, SendFailure>;
}

/// Each channel's gateway, where one is configured; the embedded sender for the rest.
pub struct Gateways {
    pub sms: Option<Arc<dyn SmsGateway>>,
    pub fallback: EmbeddedSender,
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
            _ => self.fallback.send(message).await,
        }
    }
}
