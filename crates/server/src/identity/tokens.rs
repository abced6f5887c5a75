//! Access and refresh tokens, signed with keys derived from the server key.
//!
//! Refresh tokens are never stored: a refresh token is `r1.<session>.<generation>.<mac>`, so the
//! server keeps only each session's current generation. Rotation advances the generation; the
//! previous token stays good for a short grace window (concurrent refreshes from one device all get
//! the same successor), and any older token is reuse, which revokes the session.
use std::{io::Write, path::Path};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

use super::codes::constant_time_eq;

pub struct ServerKeys {
    access: [u8; 32],
    refresh: [u8; 32],
    pub code: [u8; 32],
    /// The seed of the Ed25519 key e-coupon codes are signed with.
    coupon: [u8; 32],
    /// Signs the one-click unsubscribe links marketing e-mail carries.
    unsubscribe: [u8; 32],
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read or create the server key file {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("the server key file {path} must hold exactly 32 bytes")]
    Length { path: String },
}

fn mac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length works for HMAC");
    for part in parts {
        mac.update(part);
        mac.update(b"\0");
    }
    mac.finalize().into_bytes().into()
}

impl ServerKeys {
    /// The key that seals dev-mode messages in the database, derived from the code key.
    pub fn dev_outbox_key(&self) -> [u8; 32] {
        use hmac::{Hmac, Mac};
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&self.code).expect("any key length works for HMAC");
        mac.update(b"dev-outbox-key");
        mac.finalize().into_bytes().into()
    }

    pub fn from_master(master: &[u8; 32]) -> Self {
        Self {
            access: mac(master, &[b"access"]),
            refresh: mac(master, &[b"refresh"]),
            code: mac(master, &[b"code"]),
            coupon: mac(master, &[b"coupon"]),
            unsubscribe: mac(master, &[b"unsubscribe"]),
        }
    }

    /// The token of a person's one-click unsubscribe link: `u1.<person>.<mac>`, good for ever
    /// (an old e-mail's link still works), for that person only.
    pub fn unsubscribe_token(&self, user: Uuid) -> String {
        let tag = mac(&self.unsubscribe, &[b"email", user.as_bytes()]);
        format!("u1.{}.{}", user.simple(), B64.encode(&tag[..16]))
    }

    /// The person an unsubscribe token is for, if it is one this server signed.
    pub fn verify_unsubscribe(&self, token: &str) -> Option<Uuid> {
        let mut parts = token.strip_prefix("u1.")?.splitn(2, '.');
        let user = Uuid::try_parse(parts.next()?).ok()?;
        let given = B64.decode(parts.next()?).ok()?;
        let tag = mac(&self.unsubscribe, &[b"email", user.as_bytes()]);
        constant_time_eq(&given, &tag[..16]).then_some(user)
    }

    /// Signs e-coupon codes; every instance sharing the key file signs alike.
    pub fn coupon_signer(&self) -> portal_campaigns::coupon_code::CodeSigner {
        portal_campaigns::coupon_code::CodeSigner::from_seed(&self.coupon)
    }

    /// Reads the 32-byte key file, creating it (mode 0600) with random bytes when it does not exist.
    pub fn load_or_create(path: &Path) -> Result<Self, KeyError> {
        let io = |source| KeyError::Io { path: path.display().to_string(), source };
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut key);
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut file = options.open(path).map_err(io)?;
                file.write_all(&key).and_then(|_| file.sync_all()).map_err(io)?;
                key.to_vec()
            }
            Err(e) => return Err(io(e)),
        };
        let master: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Length { path: path.display().to_string() })?;
        Ok(Self::from_master(&master))
    }

    pub fn access_token(&self, claims: &AccessClaims) -> String {
        let payload = B64.encode(serde_json::to_vec(claims).expect("claims serialise"));
        let sig = B64.encode(mac(&self.access, &[payload.as_bytes()]));
        format!("a1.{payload}.{sig}")
    }

    pub fn verify_access(&self, token: &str) -> Option<AccessClaims> {
        let mut parts = token.split('.');
        let (Some("a1"), Some(payload), Some(sig), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let expected = mac(&self.access, &[payload.as_bytes()]);
        let given = B64.decode(sig).ok()?;
        if !constant_time_eq(&expected, &given) {
            return None;
        }
        serde_json::from_slice(&B64.decode(payload).ok()?).ok()
    }

    pub fn refresh_token(&self, session: Uuid, generation: i64) -> String {
        let sig = B64.encode(self.refresh_mac(session, generation));
        format!("r1.{}.{generation}.{sig}", session.simple())
    }

    /// The session and generation a refresh token names, when its signature is good.
    pub fn verify_refresh(&self, token: &str) -> Option<(Uuid, i64)> {
        let mut parts = token.trim().split('.');
        let (Some("r1"), Some(sid), Some(generation), Some(sig), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let session = Uuid::parse_str(sid).ok()?;
        let generation: i64 = generation.parse().ok()?;
        let given = B64.decode(sig).ok()?;
        constant_time_eq(&self.refresh_mac(session, generation), &given).then_some((session, generation))
    }

    fn refresh_mac(&self, session: Uuid, generation: i64) -> [u8; 32] {
        mac(&self.refresh, &[session.as_bytes(), generation.to_string().as_bytes()])
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sid: Uuid,
    pub uid: Uuid,
    /// Unix seconds.
    pub exp: i64,
    /// The session generation it was issued with: presenting it shows the device got that
    /// refresh's answer. Tokens from before it existed carry none.
    #[serde(default = "no_generation")]
    pub gen: i64,
}

fn no_generation() -> i64 {
    -1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unsubscribe_token_names_its_person_and_only_with_this_key() {
        let keys = ServerKeys::from_master(&[1u8; 32]);
        let (alice, bob) = (Uuid::from_u128(7), Uuid::from_u128(8));
        let token = keys.unsubscribe_token(alice);
        assert_eq!(keys.verify_unsubscribe(&token), Some(alice));
        assert_eq!(ServerKeys::from_master(&[2u8; 32]).verify_unsubscribe(&token), None);
        let swapped = token.replace(&alice.simple().to_string(), &bob.simple().to_string());
        assert_eq!(keys.verify_unsubscribe(&swapped), None, "another person's id with this tag");
        assert_eq!(keys.verify_unsubscribe("u1.x.y"), None);
    }

    #[test]
    fn tokens_verify_and_tampering_fails() {
        let keys = ServerKeys::from_master(&[1u8; 32]);
        let claims = AccessClaims { sid: Uuid::now_v7(), uid: Uuid::now_v7(), exp: 10, gen: 0 };
        let token = keys.access_token(&claims);
        assert_eq!(keys.verify_access(&token), Some(claims.clone()));
        let other = ServerKeys::from_master(&[2u8; 32]);
        assert_eq!(other.verify_access(&token), None);
        let mut forged = token.clone();
        forged.insert(5, 'x');
        assert_eq!(keys.verify_access(&forged), None);

        let refresh = keys.refresh_token(claims.sid, 3);
        assert_eq!(keys.verify_refresh(&refresh), Some((claims.sid, 3)));
        let bumped = refresh.replacen(".3.", ".4.", 1);
        assert_eq!(keys.verify_refresh(&bumped), None, "a generation cannot be forged");
        assert_eq!(keys.verify_refresh(&token), None);
    }

    #[test]
    fn key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        let a = ServerKeys::load_or_create(&path).unwrap();
        let b = ServerKeys::load_or_create(&path).unwrap();
        assert_eq!(a.code, b.code);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::write(&path, b"short").unwrap();
        assert!(matches!(ServerKeys::load_or_create(&path), Err(KeyError::Length { .. })));
    }
}
