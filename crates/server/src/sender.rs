//! Delivery of SMS and e-mail messages through a sender trait. The embedded sender writes each
//! message to the server log; in dev mode the portal also keeps it, sealed, in the database for the
//! dev outbox endpoint (shared by every instance).
use async_trait::async_trait;
use chacha20poly1305::{
    aead::{Aead, AeadCore, KeyInit, OsRng, Payload},
    XChaCha20Poly1305, XNonce,
};
use portal_api::OutboxMessage;

/// Why a message did not go, as the gateway said it.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The provider is throttling this number or this account: try again later.
    #[error("the gateway is throttling: {0}")]
    Throttled(String),
    /// The recipient cannot receive this (not a number that takes texts, say).
    #[error("the recipient cannot receive it: {0}")]
    BadRecipient(String),
    /// The provider refused the request (a template, signature or account problem).
    #[error("the gateway refused it: {0}")]
    Refused(String),
    /// The provider could not be reached or answered nothing it should.
    #[error("the gateway is unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait MessageSender: Send + Sync + 'static {
    async fn send(&self, message: OutboxMessage) -> Result<(), SendError>;
}

/// Logs every message. Outside dev mode the code is masked in the log.
pub struct EmbeddedSender {
    dev_mode: bool,
}

impl EmbeddedSender {
    pub fn new(dev_mode: bool) -> Self {
        Self { dev_mode }
    }
}

#[async_trait]
impl MessageSender for EmbeddedSender {
    async fn send(&self, message: OutboxMessage) -> Result<(), SendError> {
        let channel = message.channel.as_str();
        if self.dev_mode {
            tracing::info!(channel, to = %message.to, body = %message.body, "dev sender delivered a message");
        } else {
            let masked = message.body.replace(&message.code, "******");
            tracing::info!(channel, to = %message.to, body = %masked, "embedded sender: no gateway configured, message logged with its code masked");
        }
        Ok(())
    }
}

/// What a sealed message is bound to besides its key: the purpose and its recipient, so that a
/// sealed row copied to another recipient's no longer opens.
fn associated_data(recipient: &str) -> Vec<u8> {
    let mut aad = b"portal dev outbox v2\0".to_vec();
    aad.extend_from_slice(recipient.as_bytes());
    aad
}

/// Seals a dev message (its body and code) so that the database never holds a readable code:
/// hex of a random 24-byte nonce and the XChaCha20-Poly1305 ciphertext with its tag, under a key
/// of its own and bound to the recipient.
pub fn seal(key: &[u8; 32], message: &OutboxMessage) -> String {
    let plain = serde_json::to_vec(&(&message.body, &message.code)).unwrap_or_default();
    let cipher = XChaCha20Poly1305::new(key.into());
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let sealed = cipher
        .encrypt(&nonce, Payload { msg: &plain, aad: &associated_data(&message.to) })
        .expect("encrypting a message in memory cannot fail");
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    out.iter().map(|b| format!("{b:02x}")).collect()
}

/// Opens what [`seal`] made for `recipient`: (body, code); none if it was not sealed with this
/// key for this recipient, or was changed.
pub fn open(key: &[u8; 32], recipient: &str, sealed: &str) -> Option<(String, String)> {
    let bytes: Vec<u8> = (0..sealed.len())
        .step_by(2)
        .map(|i| sealed.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect::<Option<_>>()?;
    if bytes.len() < NONCE_LEN {
        return None;
    }
    let (nonce, rest) = bytes.split_at(NONCE_LEN);
    let cipher = XChaCha20Poly1305::new(key.into());
    let plain =
        cipher.decrypt(XNonce::from_slice(nonce), Payload { msg: rest, aad: &associated_data(recipient) }).ok()?;
    serde_json::from_slice(&plain).ok()
}

const NONCE_LEN: usize = 24;

#[cfg(test)]
mod tests {
    use portal_api::CodeChannel;

    use super::*;

    #[test]
    fn a_sealed_message_opens_with_its_key_only_and_hides_the_code() {
        let message = OutboxMessage {
            channel: CodeChannel::Sms,
            to: "+8613800000000".into(),
            body: "验证码 123456".into(),
            code: "123456".into(),
            sent_at: 1,
        };
        let sealed = seal(&[1; 32], &message);
        assert!(!sealed.contains("123456"));
        let to = "+8613800000000";
        assert_eq!(open(&[1; 32], to, &sealed), Some(("验证码 123456".into(), "123456".into())));
        assert_eq!(open(&[2; 32], to, &sealed), None);
        assert_eq!(open(&[1; 32], "+8613900000000", &sealed), None, "bound to its recipient");
        for at in [0, 60, sealed.len() - 1] {
            let mut tampered = sealed.clone().into_bytes();
            tampered[at] = if tampered[at] == b'0' { b'1' } else { b'0' };
            assert_eq!(open(&[1; 32], to, &String::from_utf8(tampered).unwrap()), None, "changed at {at}");
        }
        assert_eq!(open(&[1; 32], to, &sealed[..40]), None);
        assert_ne!(seal(&[1; 32], &message), sealed, "a fresh nonce each time");
    }
}
