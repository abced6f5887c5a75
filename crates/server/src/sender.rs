//! Delivery of SMS and e-mail messages through a sender trait. The embedded sender writes each
//! message to the server log and, in dev mode only, keeps it for the dev outbox endpoint.
use std::{collections::VecDeque, sync::Mutex};

use async_trait::async_trait;
use portal_api::{CodeChannel, OutboxMessage};

#[derive(Debug, thiserror::Error)]
#[error("message delivery failed: {0}")]
pub struct SendError(pub String);

#[async_trait]
pub trait MessageSender: Send + Sync + 'static {
    async fn send(&self, message: OutboxMessage) -> Result<(), SendError>;
    /// Messages sent to `to`, newest last. Only the embedded sender in dev mode has any.
    fn outbox(&self, to: &str) -> Vec<OutboxMessage>;
}

/// Logs every message. Outside dev mode the code is masked in the log and nothing is kept.
pub struct EmbeddedSender {
    dev_mode: bool,
    kept: Mutex<VecDeque<OutboxMessage>>,
}

const KEPT_MESSAGES: usize = 1000;

impl EmbeddedSender {
    pub fn new(dev_mode: bool) -> Self {
        Self { dev_mode, kept: Mutex::new(VecDeque::new()) }
    }
}

#[async_trait]
impl MessageSender for EmbeddedSender {
    async fn send(&self, message: OutboxMessage) -> Result<(), SendError> {
        let channel = match message.channel {
            CodeChannel::Sms => "sms",
            CodeChannel::Email => "email",
        };
        if self.dev_mode {
            tracing::info!(channel, to = %message.to, body = %message.body, "dev sender delivered a message");
            let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
            if kept.len() == KEPT_MESSAGES {
                kept.pop_front();
            }
            kept.push_back(message);
        } else {
            let masked = message.body.replace(&message.code, "******");
            tracing::info!(channel, to = %message.to, body = %masked, "embedded sender: no gateway configured, message logged with its code masked");
        }
        Ok(())
    }

    fn outbox(&self, to: &str) -> Vec<OutboxMessage> {
        let kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.iter().filter(|m| m.to == to).cloned().collect()
    }
}
