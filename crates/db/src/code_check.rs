//! Verifying a one-time code against the newest live one, decided without I/O: a backend reads
//! the code, applies [`verify`] and writes what it says in one transaction.

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What verifying a presented code does to the newest live code, decided without I/O: the check's
/// answer, and whether the attempt is counted and the code consumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub check: crate::CodeCheck,
    /// Count the attempt on the code.
    pub count_attempt: bool,
    /// The code is used up (it matched).
    pub consume: bool,
}

pub fn verify(newest: Option<&crate::CodeRecord>, presented_hash: &str, max_attempts: u32, now: i64) -> Verdict {
    use crate::CodeCheck;
    let untouched = |check| Verdict { check, count_attempt: false, consume: false };
    let Some(code) = newest else { return untouched(CodeCheck::NoLiveCode) };
    if code.expires_at <= now {
        return untouched(CodeCheck::Expired);
    }
    if code.attempts >= max_attempts {
        return untouched(CodeCheck::AttemptsExhausted);
    }
    if constant_time_eq(code.code_hash.as_bytes(), presented_hash.as_bytes()) {
        return Verdict { check: CodeCheck::Accepted, count_attempt: true, consume: true };
    }
    let used = code.attempts + 1;
    let check = if used >= max_attempts {
        CodeCheck::AttemptsExhausted
    } else {
        CodeCheck::Wrong { attempts_left: max_attempts - used }
    };
    Verdict { check, count_attempt: true, consume: false }
}
