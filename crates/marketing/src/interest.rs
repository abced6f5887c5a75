//! A person's interest in a product, the one rule every recommender and every tally reads: each
//! kind of event counted once at its latest, the kinds' weights summed, time-decayed and capped,
//! so that however often one person does something, they weigh as one person.
use std::collections::BTreeMap;

use portal_api::EventKind;

use crate::events::weight;

/// One person's interest in each product: (item, score), in item order.
pub type Interest = [(u32, f64)];

/// One thing a person did with a product.
#[derive(Debug, Clone, PartialEq)]
pub struct Interaction {
    pub user: u32,
    pub item: u32,
    pub kind: EventKind,
    pub at: i64,
}

/// A time decay: an event `half_life` seconds old counts half.
pub fn decay(age_secs: i64, half_life_secs: i64) -> f64 {
    if half_life_secs <= 0 {
        return 1.0;
    }
    0.5f64.powf(age_secs.max(0) as f64 / half_life_secs as f64)
}

/// The most one person's interest in one product can weigh: a purchase's weight. However many
/// times a person views, favourites or clicks one product, they count as one person interested
/// in it, never as many (nobody skews what others are shown).
pub const MAX_INTEREST: f64 = 8.0;

/// One person's interest in one product: each kind of event counted once (at its latest), the
/// kinds' weights summed, time-decayed and capped at `MAX_INTEREST`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PersonInterest {
    pub user: u32,
    pub item: u32,
    /// Decayed by the latest event of each kind (`half_life_secs` of 0: not decayed).
    pub score: f64,
}

/// One kind of thing a person did with a product, at its latest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ItemEvent {
    pub item: u32,
    pub kind: EventKind,
    pub at: i64,
}

/// One person's capped interest in each product, in item order.
pub fn interest(events: &[ItemEvent], now: i64, half_life_secs: i64) -> Vec<(u32, f64)> {
    interest_decayed_and_whole(events, now, half_life_secs).decayed
}

/// One person's interest decayed by `half_life_secs` and not decayed, in one pass: each kind of
/// event counted once at its latest, the kinds' weights summed in the order of the kinds, capped
/// at `MAX_INTEREST`, nothing of no interest.
pub fn interest_decayed_and_whole(events: &[ItemEvent], now: i64, half_life_secs: i64) -> TwoInterests {
    let mut latest: Vec<ItemEvent> = events.to_vec();
    latest.sort_unstable_by_key(|e| (e.item, e.kind as u8, std::cmp::Reverse(e.at)));
    latest.dedup_by_key(|e| (e.item, e.kind as u8));
    let mut decayed: Vec<(u32, f64)> = vec![];
    let mut whole: Vec<(u32, f64)> = vec![];
    for e in latest {
        let w = f64::from(weight(e.kind));
        let d = w * decay(now - e.at, half_life_secs);
        match (decayed.last_mut(), whole.last_mut()) {
            (Some(last_d), Some(last_w)) if last_d.0 == e.item => {
                last_d.1 += d;
                last_w.1 += w;
            }
            _ => {
                decayed.push((e.item, d));
                whole.push((e.item, w));
            }
        }
    }
    for list in [&mut decayed, &mut whole] {
        for (_, score) in list.iter_mut() {
            *score = score.min(MAX_INTEREST);
        }
    }
    decayed.retain(|(_, s)| *s > 0.0);
    whole.retain(|(_, s)| *s > 0.0);
    TwoInterests { decayed, whole }
}

/// A person's interest decayed (popularity) and not (pairs, factors), each in item order.
#[derive(Debug, Clone, PartialEq)]
pub struct TwoInterests {
    pub decayed: Vec<(u32, f64)>,
    pub whole: Vec<(u32, f64)>,
}

/// Interactions of many people grouped by person (in person order), each person's capped
/// interest in item order: what the tallies take.
pub fn by_person(interactions: &[Interaction], now: i64, half_life_secs: i64) -> Vec<(u32, Vec<(u32, f64)>)> {
    let mut events: BTreeMap<u32, Vec<ItemEvent>> = BTreeMap::new();
    for i in interactions {
        events.entry(i.user).or_default().push(ItemEvent { item: i.item, kind: i.kind, at: i.at });
    }
    events.into_iter().map(|(user, events)| (user, interest(&events, now, half_life_secs))).collect()
}

/// Each person's capped interest in each product they touched, ordered by (person, product).
/// A flood of one kind of event from one person counts as one event of that kind.
pub fn person_interest(interactions: &[Interaction], now: i64, half_life_secs: i64) -> Vec<PersonInterest> {
    by_person(interactions, now, half_life_secs)
        .into_iter()
        .flat_map(|(user, items)| items.into_iter().map(move |(item, score)| PersonInterest { user, item, score }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::als::SplitMix;
    use EventKind::*;

    /// The rule written out directly: the latest event of each kind per (person, product), the
    /// kinds' weights in the order of the kinds, capped, nothing of no interest.
    fn by_the_rule(interactions: &[Interaction], now: i64, half_life_secs: i64) -> Vec<PersonInterest> {
        let mut latest: BTreeMap<(u32, u32, u8), (i64, EventKind)> = BTreeMap::new();
        for i in interactions {
            let at = latest.entry((i.user, i.item, i.kind as u8)).or_insert((i.at, i.kind));
            at.0 = at.0.max(i.at);
        }
        let mut out: Vec<PersonInterest> = Vec::new();
        for ((user, item, _), (at, kind)) in latest {
            let w = f64::from(weight(kind)) * decay(now - at, half_life_secs);
            match out.last_mut() {
                Some(last) if last.user == user && last.item == item => last.score += w,
                _ => out.push(PersonInterest { user, item, score: w }),
            }
        }
        for p in &mut out {
            p.score = p.score.min(MAX_INTEREST);
        }
        out.retain(|p| p.score > 0.0);
        out
    }

    #[test]
    fn one_pass_interest_is_what_the_rule_gives() {
        let now = 50_000_000;
        let mut rng = SplitMix(3);
        for _ in 0..200 {
            let interactions: Vec<Interaction> = (0..rng.below(30))
                .map(|_| Interaction {
                    user: rng.below(4) as u32,
                    item: rng.below(5) as u32,
                    kind: [ProductView, Favourite, Compare, Purchase, RecommendationShown][rng.below(5)],
                    at: now - rng.below(10_000_000) as i64,
                })
                .collect();
            for half_life in [0, 86_400] {
                assert_eq!(person_interest(&interactions, now, half_life), by_the_rule(&interactions, now, half_life));
            }
            let events: Vec<ItemEvent> = interactions
                .iter()
                .filter(|i| i.user == 0)
                .map(|i| ItemEvent { item: i.item, kind: i.kind, at: i.at })
                .collect();
            assert_eq!(interest_decayed_and_whole(&events, now, 86_400).whole, interest(&events, now, 0));
        }
    }
}
