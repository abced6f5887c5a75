//! One-time codes: six random digits, kept on the server only as a keyed hash.
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;

pub fn generate() -> String {
    format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32))
}

/// Hex HMAC-SHA256 of the code, bound to its target and purpose.
pub fn hash(key: &[u8; 32], target: &str, purpose: &str, code: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length works for HMAC");
    mac.update(b"code\0");
    mac.update(target.as_bytes());
    mac.update(b"\0");
    mac.update(purpose.as_bytes());
    mac.update(b"\0");
    mac.update(code.trim().as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_hashes_bind_target_and_purpose() {
        let code = generate();
        assert_eq!(code.len(), 6);
        assert!(code.chars().all(|c| c.is_ascii_digit()));
        let key = [7u8; 32];
        let h = hash(&key, "+8613800000000", "sign_in", &code);
        assert_ne!(h, hash(&key, "+8613800000001", "sign_in", &code));
        assert_ne!(h, hash(&key, "+8613800000000", "sign_up", &code));
        assert!(!h.contains(&code));
        assert!(constant_time_eq(h.as_bytes(), hash(&key, "+8613800000000", "sign_in", &code).as_bytes()));
    }
}
