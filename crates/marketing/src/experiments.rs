//! A/B experiments, with no I/O: who is in which arm (a stable hash of the experiment and the
//! person, the same on every instance and every version), what a valid experiment is, and the
//! confidence interval of a rate.
use uuid::Uuid;

/// Where a person falls in an experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignment {
    /// Gets no recommendations: the baseline every arm is measured against.
    Holdout,
    /// The arm at this index.
    Arm(usize),
}

/// FNV-1a over the experiment's id and the person's: stable across instances and releases (the
/// standard library's hasher is not).
fn bucket(experiment: Uuid, subject: Uuid) -> u32 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in experiment.as_bytes().iter().chain(subject.as_bytes()) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (hash % 10_000) as u32
}

/// The arm of `subject`: the first `holdout_percent` of the buckets hold out, the rest are split by
/// the arms' shares (percent of those not held out).
pub fn assign(experiment: Uuid, subject: Uuid, holdout_percent: u32, shares: &[u32]) -> Assignment {
    let b = bucket(experiment, subject);
    let holdout = holdout_percent.min(100) * 100;
    if b < holdout {
        return Assignment::Holdout;
    }
    let rest = 10_000 - holdout;
    let position = u64::from(b - holdout) * 100 / u64::from(rest.max(1));
    let mut edge = 0u64;
    for (i, share) in shares.iter().enumerate() {
        edge += u64::from(*share);
        if position < edge {
            return Assignment::Arm(i);
        }
    }
    Assignment::Arm(shares.len().saturating_sub(1))
}

/// Why an experiment cannot start, if it cannot.
pub fn check(name: &str, arms: &[(String, u32)], holdout_percent: u32) -> Result<(), String> {
    if name.trim().is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
        return Err("an experiment has a name of 1 to 80 characters".into());
    }
    if !(2..=5).contains(&arms.len()) {
        return Err("an experiment has 2 to 5 arms".into());
    }
    if arms.iter().any(|(_, s)| *s == 0 || *s > 100) || arms.iter().map(|(_, s)| u64::from(*s)).sum::<u64>() != 100 {
        return Err("the arms' shares are positive and add up to 100".into());
    }
    let mut names: Vec<&str> = arms.iter().map(|(n, _)| n.trim()).collect();
    names.sort();
    names.dedup();
    let bad = |n: &str| n.is_empty() || n == "holdout" || n.chars().count() > 40 || n.chars().any(char::is_control);
    if names.len() != arms.len() || names.iter().any(|n| bad(n)) {
        return Err("each arm has its own name (not “holdout”)".into());
    }
    if holdout_percent > 50 {
        return Err("at most half of the people are held out".into());
    }
    Ok(())
}

/// The Wilson score interval of `successes` out of `trials` at 95 %: (low, high); (0, 0) for none.
pub fn wilson(successes: u32, trials: u32) -> (f64, f64) {
    if trials == 0 {
        return (0.0, 0.0);
    }
    let z = 1.959_963_984_540_054f64;
    let n = f64::from(trials);
    let p = f64::from(successes.min(trials)) / n;
    let centre = p + z * z / (2.0 * n);
    let margin = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    let denominator = 1.0 + z * z / n;
    (((centre - margin) / denominator).max(0.0), ((centre + margin) / denominator).min(1.0))
}

/// What the people of one arm (or the holdout) did while the experiment ran.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArmTally {
    pub arm: String,
    /// People assigned to it (served at least once, an empty list for the holdout).
    pub people: u32,
    /// Of them, people who bought anything at a store after they were first assigned.
    pub buyers: u32,
    /// What those purchases cost, in fen.
    pub revenue: i64,
}

/// Per arm, from who was assigned when (arm, person, first served) and the stores' purchases
/// linked to customers (person, SKU, when, fen), counting purchases up to `until` (the stop).
/// The holdout, which sees no recommendations, is measured the same way: an arm beats it only
/// if its people buy more.
pub fn arm_tallies(
    people: &[(String, Uuid, i64)],
    purchases: &[(Uuid, String, i64, i64)],
    until: Option<i64>,
) -> Vec<ArmTally> {
    use std::collections::{BTreeMap, HashMap};
    let mut by_person: HashMap<Uuid, Vec<(i64, i64)>> = HashMap::new();
    for (person, _, at, fen) in purchases {
        if until.is_none_or(|u| *at <= u) {
            by_person.entry(*person).or_default().push((*at, *fen));
        }
    }
    let mut tallies: BTreeMap<&str, ArmTally> = BTreeMap::new();
    for (arm, person, since) in people {
        let tally = tallies.entry(arm).or_insert_with(|| ArmTally { arm: arm.clone(), ..Default::default() });
        tally.people += 1;
        let bought: Vec<i64> =
            by_person.get(person).into_iter().flatten().filter(|(at, _)| at >= since).map(|(_, fen)| *fen).collect();
        if !bought.is_empty() {
            tally.buyers += 1;
            tally.revenue = bought.into_iter().fold(tally.revenue, i64::saturating_add);
        }
    }
    tallies.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arms_count_buyers_after_assignment_until_the_stop() {
        let (ann, bob, cat, dan) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3), Uuid::from_u128(4));
        let people = vec![
            ("A".to_owned(), ann, 100),
            ("A".to_owned(), bob, 100),
            ("holdout".to_owned(), cat, 100),
            ("holdout".to_owned(), dan, 500),
        ];
        let purchases = vec![
            (ann, "TV".to_owned(), 200, 3000_00),
            (ann, "CABLE".to_owned(), 300, 50_00),
            (bob, "TV".to_owned(), 50, 3000_00),  // before assignment: not counted
            (cat, "TV".to_owned(), 900, 3000_00), // after the stop: not counted
            (dan, "FRIDGE".to_owned(), 600, 4000_00),
        ];
        let tallies = arm_tallies(&people, &purchases, Some(800));
        assert_eq!(
            tallies,
            [
                ArmTally { arm: "A".into(), people: 2, buyers: 1, revenue: 3050_00 },
                ArmTally { arm: "holdout".into(), people: 2, buyers: 1, revenue: 4000_00 },
            ]
        );
    }

    #[test]
    fn arms_are_stable_and_split_as_asked() {
        let experiment = Uuid::from_u128(42);
        let mut counts = [0u32; 3];
        for i in 0..20_000u128 {
            let person = Uuid::from_u128(i * 7919 + 1);
            let a = assign(experiment, person, 10, &[50, 50]);
            assert_eq!(a, assign(experiment, person, 10, &[50, 50]), "the same person, the same arm");
            match a {
                Assignment::Holdout => counts[2] += 1,
                Assignment::Arm(i) => counts[i] += 1,
            }
        }
        let share = |n: u32| f64::from(n) / 20_000.0;
        assert!((share(counts[2]) - 0.10).abs() < 0.01, "{counts:?}");
        assert!((share(counts[0]) - 0.45).abs() < 0.015 && (share(counts[1]) - 0.45).abs() < 0.015, "{counts:?}");
        // A known answer, so that a change of hash (which would move everyone) fails here.
        // (FNV-1a of 32 zero bytes, mod 10,000, computed independently.)
        assert_eq!(bucket(Uuid::nil(), Uuid::nil()), 2_933);
        // Non-zero bytes tell FNV-1a from FNV-1 (which would move everyone).
        // (3,698 by an independent computation; FNV-1 would give 7,140.)
        assert_eq!(bucket(Uuid::max(), Uuid::from_u128(1)), 3_698);
        assert_eq!(assign(Uuid::nil(), Uuid::nil(), 50, &[1, 99]), Assignment::Holdout, "bucket 2,933 < 5,000");
        // Bucket 2,933 with no holdout is position 29: past an arm of 29 %, inside one of 30 %.
        assert_eq!(assign(Uuid::nil(), Uuid::nil(), 0, &[29, 71]), Assignment::Arm(1));
        assert_eq!(assign(Uuid::nil(), Uuid::nil(), 0, &[30, 70]), Assignment::Arm(0));
        assert_eq!(assign(experiment, Uuid::nil(), 0, &[100]), Assignment::Arm(0));
    }

    #[test]
    fn experiments_are_checked() {
        let arms = |v: &[(&str, u32)]| v.iter().map(|(n, s)| (n.to_string(), *s)).collect::<Vec<_>>();
        assert!(check("home", &arms(&[("a", 50), ("b", 50)]), 10).is_ok());
        assert!(check("", &arms(&[("a", 50), ("b", 50)]), 10).is_err());
        assert!(check("x", &arms(&[("a", 100)]), 0).is_err(), "one arm is no experiment");
        assert!(check("x", &arms(&[("a", 60), ("b", 50)]), 0).is_err());
        assert!(check("x", &arms(&[("a", 50), ("a", 50)]), 0).is_err());
        assert!(check("x", &arms(&[("holdout", 50), ("b", 50)]), 0).is_err());
        assert!(check("x", &arms(&[("a", 100), ("b", 0)]), 0).is_err());
        assert!(check("x", &arms(&[("a", 50), ("b", 50)]), 51).is_err());
        assert!(check("x", &arms(&[("a", u32::MAX), ("b", 101)]), 0).is_err(), "no overflow into 100");
        assert!(check("x\n", &arms(&[("a", 50), ("b", 50)]), 0).is_err());
        assert!(check("x", &arms(&[("甲组", 50), ("乙组", 50)]), 0).is_ok(), "names count characters");
    }

    #[test]
    fn wilson_matches_known_values() {
        // 10 of 100 at 95 %: (0.0552, 0.1744) (the textbook values).
        let (lo, hi) = wilson(10, 100);
        assert!((lo - 0.0552).abs() < 1e-4 && (hi - 0.1744).abs() < 1e-4, "{lo} {hi}");
        assert_eq!(wilson(0, 0), (0.0, 0.0));
        let (lo, hi) = wilson(0, 20);
        assert_eq!(lo, 0.0);
        assert!(hi > 0.1 && hi < 0.2);
        assert_eq!(wilson(5, 5).1, 1.0);
    }
}
