//! An e-coupon's code: what its person shows at the counter and a till checks offline. The code
//! names the coupon and its campaign and carries the server's Ed25519 signature over both, so a
//! till holding only the brand's public key tells a real coupon from a made-up or altered one
//! without asking anyone; whether it was redeemed already is the server's to say (once).
//!
//! `CP1.` then base64url (no padding) of the coupon id (16 bytes), the campaign id (16 bytes) and
//! the signature (64 bytes) over the prefix and both ids.
use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};
use ring::signature::{Ed25519KeyPair, KeyPair, UnparsedPublicKey, ED25519};
use uuid::Uuid;

const PREFIX: &str = "CP1.";
/// The longest text a code can be (what a till bounds a scan to).
pub const MAX_CODE_LEN: usize = 200;

/// What a good code names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CouponClaim {
    pub coupon: Uuid,
    pub campaign: Uuid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodeRefusal {
    #[error("this is not a coupon code")]
    Malformed,
    #[error("this coupon was not issued by the brand (or was altered)")]
    NotOurs,
}

fn signed_part(claim: &CouponClaim) -> Vec<u8> {
    let mut message = PREFIX.as_bytes().to_vec();
    message.extend_from_slice(claim.coupon.as_bytes());
    message.extend_from_slice(claim.campaign.as_bytes());
    message
}

/// Signs codes with a key derived by the server from its own secret (32 bytes of seed).
pub struct CodeSigner(Ed25519KeyPair);

impl CodeSigner {
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self(Ed25519KeyPair::from_seed_unchecked(seed).expect("any 32 bytes are an Ed25519 seed"))
    }

    /// The public key tills check codes with, base64url.
    pub fn public_key(&self) -> String {
        B64.encode(self.0.public_key().as_ref())
    }

    pub fn code(&self, claim: &CouponClaim) -> String {
        let signature = self.0.sign(&signed_part(claim));
        let mut bytes = Vec::with_capacity(96);
        bytes.extend_from_slice(claim.coupon.as_bytes());
        bytes.extend_from_slice(claim.campaign.as_bytes());
        bytes.extend_from_slice(signature.as_ref());
        format!("{PREFIX}{}", B64.encode(bytes))
    }
}

/// What `code` names, when it was signed with the key `public_key` (base64url) names.
pub fn read(code: &str, public_key: &str) -> Result<CouponClaim, CodeRefusal> {
    let code = code.trim();
    if code.len() > MAX_CODE_LEN {
        return Err(CodeRefusal::Malformed);
    }
    let body = code.strip_prefix(PREFIX).ok_or(CodeRefusal::Malformed)?;
    let bytes = B64.decode(body).map_err(|_| CodeRefusal::Malformed)?;
    if bytes.len() != 96 {
        return Err(CodeRefusal::Malformed);
    }
    let id = |range: std::ops::Range<usize>| Uuid::from_slice(&bytes[range]).map_err(|_| CodeRefusal::Malformed);
    let claim = CouponClaim { coupon: id(0..16)?, campaign: id(16..32)? };
    let key = B64.decode(public_key).map_err(|_| CodeRefusal::NotOurs)?;
    UnparsedPublicKey::new(&ED25519, key)
        .verify(&signed_part(&claim), &bytes[32..])
        .map_err(|_| CodeRefusal::NotOurs)?;
    Ok(claim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_reads_back_with_its_key_and_never_altered_or_with_another_key() {
        let signer = CodeSigner::from_seed(&[7; 32]);
        let claim = CouponClaim { coupon: Uuid::from_u128(1), campaign: Uuid::from_u128(2) };
        let code = signer.code(&claim);
        assert!(code.starts_with("CP1.") && code.len() < MAX_CODE_LEN, "{code}");
        assert_eq!(read(&code, &signer.public_key()), Ok(claim));
        assert_eq!(read(&format!("  {code}\n"), &signer.public_key()), Ok(claim), "as a scanner types it");
        // Another brand's key, or an altered coupon id, is not ours.
        let other = CodeSigner::from_seed(&[8; 32]);
        assert_eq!(read(&code, &other.public_key()), Err(CodeRefusal::NotOurs));
        let mut bytes = B64.decode(&code[4..]).unwrap();
        bytes[0] ^= 1;
        assert_eq!(read(&format!("CP1.{}", B64.encode(bytes)), &signer.public_key()), Err(CodeRefusal::NotOurs));
        for junk in ["", "CP1.", "CP1.@@@", "CP2.AAAA", "6901234567890", &"CP1.A".repeat(60)] {
            assert_eq!(read(junk, &signer.public_key()), Err(CodeRefusal::Malformed), "{junk}");
        }
    }
}
