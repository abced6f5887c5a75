//! Who of a campaign's audience is held out: a share of people, chosen by a hash of the campaign
//! and the person (the same person in or out whichever instance asks, and a different share for
//! each campaign), who are measured but not messaged.
use uuid::Uuid;

/// Whether `person` is held out of `campaign` with `percent` of people held out.
pub fn held_out(campaign: Uuid, person: Uuid, percent: u8) -> bool {
    if percent == 0 {
        return false;
    }
    bucket(campaign, person) < u64::from(percent.min(100))
}

/// The person's bucket (0–99) in the campaign: FNV-1a over both ids, then a final mix.
fn bucket(campaign: Uuid, person: Uuid) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in campaign.as_bytes().iter().chain(person.as_bytes()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h % 100
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn about_the_share_asked_is_held_out_and_each_campaign_holds_out_others() {
        let (a, b) = (Uuid::from_u128(11), Uuid::from_u128(12));
        let people: Vec<Uuid> =
            (0..20_000u128).map(|n| Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + n * 7919)).collect();
        let out_a = people.iter().filter(|p| held_out(a, **p, 10)).count();
        assert!((1_800..2_200).contains(&out_a), "{out_a}");
        let both = people.iter().filter(|p| held_out(a, **p, 10) && held_out(b, **p, 10)).count();
        assert!(both < 400, "a different share for each campaign: {both}");
        assert!(people.iter().all(|p| !held_out(a, *p, 0)));
        assert!(people.iter().all(|p| held_out(a, *p, 100)));
        assert_eq!(held_out(a, people[5], 10), held_out(a, people[5], 10));
    }
}
