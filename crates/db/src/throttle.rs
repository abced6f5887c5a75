//! How often one-time codes may be sent, as a pure rule (no I/O). A storage backend reads the
//! sends of the last hour, asks [`check`] and inserts the new code in one transaction, so parallel
//! requests for one number send one message.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Seconds between two codes to one target.
    pub resend_interval_secs: i64,
    pub per_target_per_hour: u32,
    pub per_address_per_hour: u32,
    /// Every message the server may send in an hour (what the SMS budget allows).
    pub global_per_hour: u32,
}

/// The sends of the last hour a decision needs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecentSends {
    /// Times of the codes sent to this target, oldest first.
    pub to_target: Vec<i64>,
    pub from_address: u32,
    pub all: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A code was just sent to this target.
    TooSoon {
        wait_secs: i64,
    },
    TargetHourly {
        wait_secs: i64,
    },
    AddressHourly,
    GlobalHourly,
}

pub const HOUR: i64 = 3600;

/// Whether one more code may be sent now.
pub fn check(recent: &RecentSends, limits: Limits, now: i64) -> Result<(), Refusal> {
    if recent.all >= limits.global_per_hour {
        return Err(Refusal::GlobalHourly);
    }
    if let Some(&last) = recent.to_target.last() {
        let next = last + limits.resend_interval_secs;
        if next > now {
            return Err(Refusal::TooSoon { wait_secs: next - now });
        }
    }
    let per_target = limits.per_target_per_hour as usize;
    if recent.to_target.len() >= per_target {
        let oldest_counted = recent.to_target[recent.to_target.len() - per_target.max(1)];
        return Err(Refusal::TargetHourly { wait_secs: (oldest_counted + HOUR - now).max(1) });
    }
    if recent.from_address >= limits.per_address_per_hour {
        return Err(Refusal::AddressHourly);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits =
        Limits { resend_interval_secs: 60, per_target_per_hour: 3, per_address_per_hour: 5, global_per_hour: 100 };

    #[test]
    fn one_code_per_interval_per_target() {
        let recent = RecentSends { to_target: vec![1000], from_address: 1, all: 1 };
        assert_eq!(check(&recent, LIMITS, 1030), Err(Refusal::TooSoon { wait_secs: 30 }));
        assert_eq!(check(&recent, LIMITS, 1060), Ok(()));
    }

    #[test]
    fn hourly_limits_per_target_address_and_in_all() {
        let recent = RecentSends { to_target: vec![0, 100, 200], from_address: 3, all: 3 };
        assert_eq!(check(&recent, LIMITS, 1000), Err(Refusal::TargetHourly { wait_secs: 2600 }));
        let recent = RecentSends { to_target: vec![], from_address: 5, all: 5 };
        assert_eq!(check(&recent, LIMITS, 1000), Err(Refusal::AddressHourly));
        let recent = RecentSends { to_target: vec![], from_address: 0, all: 100 };
        assert_eq!(check(&recent, LIMITS, 1000), Err(Refusal::GlobalHourly));
    }
}
