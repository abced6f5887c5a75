//! Delivery of SMS and e-mail messages through a sender trait. The embedded sender writes each
//! message to the server log; in dev mode the portal also keeps it, sealed, in the database for the
//! dev outbox endpoint (shared by every instance).
use async_trait::async_trait;
use hmac::{Hmac, Mac};
use portal_api::OutboxMessage;
use sha2::Sha256;

#[derive(Debug, thiserror::Error)]
#[error("message delivery failed: {0}")]
pub struct SendError(pub String);

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

/// A keystream block: HMAC-SHA256 of the nonce and the block's number under `key`.
fn keystream(key: &[u8; 32], nonce: &[u8; 16], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut block = 0u64;
    while out.len() < len {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length works for HMAC");
        mac.update(b"dev-outbox\0");
        mac.update(nonce);
        mac.update(&block.to_be_bytes());
        out.extend_from_slice(&mac.finalize().into_bytes());
        block += 1;
    }
    out.truncate(len);
    out
}

fn tag(key: &[u8; 32], nonce: &[u8; 16], sealed: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length works for HMAC");
    mac.update(b"dev-outbox-tag\0");
    mac.update(nonce);
    mac.update(sealed);
    mac.finalize().into_bytes().into()
}

/// Seals a dev message (its body and code) so that the database never holds a readable code:
/// hex of nonce, ciphertext and tag (encrypt-then-MAC with HMAC-SHA256 under a key of its own).
pub fn seal(key: &[u8; 32], message: &OutboxMessage) -> String {
    let plain = serde_json::to_vec(&(&message.body, &message.code)).unwrap_or_default();
    let nonce: [u8; 16] = rand::random();
    let cipher: Vec<u8> = plain.iter().zip(keystream(key, &nonce, plain.len())).map(|(p, k)| p ^ k).collect();
    let mut out = nonce.to_vec();
    out.extend_from_slice(&cipher);
    out.extend_from_slice(&tag(key, &nonce, &cipher));
    out.iter().map(|b| format!("{b:02x}")).collect()
}

/// Opens what [`seal`] made: (body, code); none if it was not sealed with this key.
pub fn open(key: &[u8; 32], sealed: &str) -> Option<(String, String)> {
    let bytes: Vec<u8> = (0..sealed.len())
        .step_by(2)
        .map(|i| sealed.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect::<Option<_>>()?;
    if bytes.len() < 48 {
        return None;
    }
    let (nonce, rest) = bytes.split_at(16);
    let (cipher, given_tag) = rest.split_at(rest.len() - 32);
    let nonce: [u8; 16] = nonce.try_into().ok()?;
    if !crate::identity::codes::constant_time_eq(&tag(key, &nonce, cipher), given_tag) {
        return None;
    }
    let plain: Vec<u8> = cipher.iter().zip(keystream(key, &nonce, cipher.len())).map(|(c, k)| c ^ k).collect();
    serde_json::from_slice(&plain).ok()
}

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
        assert_eq!(open(&[1; 32], &sealed), Some(("验证码 123456".into(), "123456".into())));
        assert_eq!(open(&[2; 32], &sealed), None);
        let mut tampered = sealed.clone().into_bytes();
        tampered[40] = if tampered[40] == b'0' { b'1' } else { b'0' };
        assert_eq!(open(&[1; 32], &String::from_utf8(tampered).unwrap()), None);
    }
}
