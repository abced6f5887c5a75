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

pub use portal_db::code_check::{constant_time_eq, verify, Verdict};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_accepted_once_and_wrong_guesses_are_counted_until_exhausted() {
        use crate::db::{CodeCheck, CodeRecord};
        let code = |attempts| CodeRecord { id: 1, code_hash: "h".into(), expires_at: 100, attempts };
        assert_eq!(verify(None, "h", 5, 0).check, CodeCheck::NoLiveCode);
        assert_eq!(
            verify(Some(&code(0)), "h", 5, 100),
            Verdict { check: CodeCheck::Expired, count_attempt: false, consume: false }
        );
        assert_eq!(
            verify(Some(&code(0)), "h", 5, 99),
            Verdict { check: CodeCheck::Accepted, count_attempt: true, consume: true }
        );
        assert_eq!(verify(Some(&code(0)), "x", 5, 99).check, CodeCheck::Wrong { attempts_left: 4 });
        assert_eq!(
            verify(Some(&code(4)), "x", 5, 99),
            Verdict { check: CodeCheck::AttemptsExhausted, count_attempt: true, consume: false }
        );
        assert_eq!(verify(Some(&code(5)), "h", 5, 99).check, CodeCheck::AttemptsExhausted);
    }

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
