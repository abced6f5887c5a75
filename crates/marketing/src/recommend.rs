//! Recommenders over implicit feedback, with no I/O: popularity (time-decayed, weighted by the
//! kind of event), item-to-item from what the same people did, and the business rules that blend
//! them into a list (nothing the person already owns unless it is an accessory, nothing withdrawn,
//! several categories, a fallback for new people and new products).
use std::collections::{HashMap, HashSet};

use portal_api::EventKind;

pub use crate::interest::{decay, person_interest, Interaction, PersonInterest, MAX_INTEREST};
use crate::{
    events::weight,
    interest::by_person,
    training::{ranked, CoOccurrence, GroupPopularity, Popularity},
};

/// Items by weighted, time-decayed interest, best first (ties by item, for stable lists): the sum
/// over people of each one's capped interest (`person_interest`).
pub fn popular(interactions: &[Interaction], now: i64, half_life_secs: i64) -> Vec<(u32, f64)> {
    let mut tally = Popularity::default();
    for (_, interest) in by_person(interactions, now, half_life_secs) {
        tally.add(&interest);
    }
    tally.finish()
}

/// Popularity within groups of people — a region, a customer segment: for each group that at
/// least `min_people` people of `groups` did something in, its items as `popular` ranks them over
/// what those people did, each item only when `min_people_per_item` of them did something with
/// it. A smaller group gets no list and a rarer item no place in one: a list never shows what one
/// or two people did.
pub fn popular_by_group<G: Clone + Eq + std::hash::Hash>(
    interactions: &[Interaction],
    groups: &HashMap<u32, Vec<G>>,
    now: i64,
    half_life_secs: i64,
    min_people: usize,
    min_people_per_item: usize,
) -> HashMap<G, Vec<u32>> {
    let mut tally = GroupPopularity::default();
    for (user, interest) in by_person(interactions, now, half_life_secs) {
        tally.add(groups.get(&user).map(Vec::as_slice).unwrap_or_default(), &interest);
    }
    tally.finish(min_people, min_people_per_item)
}

/// Item-to-item similarity from co-occurrence: each person's interest in each item (their capped
/// `person_interest`, undecayed), and for two items the cosine of those interests across people.
/// Keeps each item's `neighbours` most similar. A pair needs `min_people` distinct people: a
/// product page never reveals what one person (or two) did.
pub fn item_to_item(interactions: &[Interaction], neighbours: usize, min_people: u32) -> HashMap<u32, Vec<(u32, f64)>> {
    let mut tally = CoOccurrence::default();
    for (_, interest) in by_person(interactions, 0, 0) {
        tally.add(&interest);
    }
    tally.finish(neighbours, min_people)
}

/// What a product is, for the blending rules.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemFacts {
    /// Top-level category (`tv`, `fridge`, `accessory`).
    pub category: String,
    pub withdrawn: bool,
    /// Accessories and consumables may be recommended to someone who owns one already.
    pub repeatable: bool,
}

/// Candidates in order of preference, one list per source (e.g. personal first, then popular):
/// the first `limit` that pass the rules, at most `per_category` from one category, each once.
pub fn blend(
    sources: &[&[u32]],
    facts: &impl Fn(u32) -> Option<ItemFacts>,
    owned: &HashSet<u32>,
    exclude: &HashSet<u32>,
    per_category: usize,
    limit: usize,
) -> Vec<u32> {
    let mut out = Vec::with_capacity(limit);
    let mut seen = HashSet::new();
    let mut per: HashMap<String, usize> = HashMap::new();
    for source in sources {
        for &item in source.iter() {
            if out.len() == limit {
                return out;
            }
            if exclude.contains(&item) || !seen.insert(item) {
                continue;
            }
            let Some(f) = facts(item) else { continue };
            if f.withdrawn || (owned.contains(&item) && !f.repeatable) {
                continue;
            }
            let taken = per.entry(f.category.clone()).or_default();
            if *taken >= per_category {
                continue;
            }
            *taken += 1;
            out.push(item);
        }
    }
    out
}

/// Personal candidates: the neighbours of what the person did, weighted by their interest, best
/// first; nothing they did already.
pub fn personal(history: &[(u32, EventKind)], similar: &HashMap<u32, Vec<(u32, f64)>>) -> Vec<u32> {
    let mut interest: HashMap<u32, f64> = HashMap::new();
    for (item, kind) in history {
        *interest.entry(*item).or_default() += f64::from(weight(*kind));
    }
    let mut score: HashMap<u32, f64> = HashMap::new();
    for (item, w) in &interest {
        for (other, s) in similar.get(item).map(Vec::as_slice).unwrap_or_default() {
            if !interest.contains_key(other) {
                *score.entry(*other).or_default() += w * s;
            }
        }
    }
    ranked(score).into_iter().map(|(i, _)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use EventKind::*;

    fn ev(user: u32, item: u32, kind: EventKind, at: i64) -> Interaction {
        Interaction { user, item, kind, at }
    }

    #[test]
    fn each_region_and_segment_has_its_own_popularity_once_enough_people_are_in_it() {
        let now = 1_000_000;
        let groups: HashMap<u32, Vec<&str>> = [
            (1, vec!["上海", "young family"]),
            (2, vec!["上海"]),
            (3, vec!["北京", "young family"]),
            (4, vec!["北京"]),
            (5, vec!["深圳"]),
        ]
        .into_iter()
        .collect();
        let data = [
            ev(1, 10, Purchase, now),
            ev(2, 10, ProductView, now),
            ev(2, 11, Favourite, now),
            ev(3, 20, Favourite, now),
            ev(4, 20, ProductView, now),
            ev(4, 21, Purchase, now),
            ev(5, 30, Purchase, now),
            ev(6, 40, Purchase, now), // in no group
        ];
        let by = popular_by_group(&data, &groups, now, 30 * 86_400, 2, 1);
        assert_eq!(by["上海"], [10, 11]);
        assert_eq!(by["北京"], [21, 20], "one purchase (8) weighs more than a favourite and a view (4 + 1)");
        assert_eq!(by["young family"], [10, 20]);
        assert!(!by.contains_key("深圳"), "one person is too few");
        assert_eq!(by.len(), 3);
        // Each item needs two people of the group: Shanghai's 10 and Beijing's 20; the young
        // family's items were each one person's, so it has no list.
        let by = popular_by_group(&data, &groups, now, 30 * 86_400, 2, 2);
        let mut by: Vec<_> = by.into_iter().collect();
        by.sort();
        assert_eq!(by, [("上海", vec![10]), ("北京", vec![20])]);
    }

    #[test]
    fn one_person_flooding_a_product_counts_as_one_person() {
        let now = 1_000_000;
        let (flooded, liked) = (10, 20);
        // One account favourites, views and clicks P again and again; five people favourite Q once.
        let mut data: Vec<Interaction> = (0..25).map(|n| ev(1, flooded, Favourite, now - n)).collect();
        data.extend((0..200).map(|n| ev(1, flooded, ProductView, now - n)));
        data.extend((0..50).map(|n| ev(1, flooded, Compare, now - n)));
        data.extend((2..7).map(|u| ev(u, liked, Favourite, now)));
        let ranked = popular(&data, now, 30 * 86_400);
        assert_eq!(ranked[0].0, liked, "five people outweigh one: {ranked:?}");
        assert!((ranked[1].1 - MAX_INTEREST.min(4.0 + 1.0 + 2.5)).abs() < 1e-9, "{ranked:?}");
        // Capped at a purchase's weight, whatever one person does.
        data.extend((0..30).map(|n| ev(1, flooded, ChannelClick, now - n)));
        let interest = person_interest(&data, now, 0);
        let one = interest.iter().find(|p| p.user == 1).unwrap();
        assert_eq!(one.score, MAX_INTEREST);
        // Nor can one person's flood make a pair for item-to-item.
        let mut pairs: Vec<Interaction> =
            (0..100).flat_map(|n| [ev(1, 1, Favourite, n), ev(1, 2, Favourite, n)]).collect();
        pairs.extend([ev(2, 1, ProductView, 0), ev(2, 3, ProductView, 0)]);
        let sim = item_to_item(&pairs, 10, 1);
        let of = |x: u32, y: u32| sim[&x].iter().find(|(i, _)| *i == y).unwrap().1;
        assert!(of(1, 2) < 1.0 && of(1, 3) > 0.0);
    }

    #[test]
    fn popularity_weighs_kinds_and_decays_with_age() {
        let now = 1_000_000;
        let day = 86_400;
        let data = [
            ev(1, 10, ProductView, now),
            ev(2, 10, ProductView, now),
            ev(3, 20, Purchase, now - 30 * day), // 8 × 0.5 (one half-life) = 4
            ev(4, 30, Favourite, now),           // 4
            ev(5, 40, RecommendationShown, now), // weighs nothing
        ];
        let ranked = popular(&data, now, 30 * day);
        assert_eq!(
            ranked.iter().map(|r| r.0).collect::<Vec<_>>(),
            [20, 30, 10],
            "ties by item; impressions count nothing"
        );
        assert!((ranked[0].1 - 4.0).abs() < 1e-9 && (ranked[2].1 - 2.0).abs() < 1e-9);
    }

    #[test]
    fn item_to_item_matches_a_hand_computed_cosine() {
        // Interests (views weigh 1, favourites 4):
        //   user 1: A=1, B=1        user 2: A=1, B=4, C=1        user 3: C=1
        // |A| = √2, |B| = √17, |C| = √2; A·B = 1·1 + 1·4 = 5; A·C = 1; B·C = 4.
        let (a, b, c) = (1, 2, 3);
        let data = [
            ev(1, a, ProductView, 0),
            ev(1, b, ProductView, 0),
            ev(2, a, ProductView, 0),
            ev(2, b, Favourite, 0),
            ev(2, c, ProductView, 0),
            ev(3, c, ProductView, 0),
        ];
        let sim = item_to_item(&data, 10, 1);
        let of = |x: u32, y: u32| sim[&x].iter().find(|(i, _)| *i == y).unwrap().1;
        assert!((of(a, b) - 5.0 / (2f64.sqrt() * 17f64.sqrt())).abs() < 1e-12);
        assert!((of(a, c) - 1.0 / 2.0).abs() < 1e-12);
        assert!((of(b, c) - 4.0 / (17f64.sqrt() * 2f64.sqrt())).abs() < 1e-12);
        assert_eq!(of(a, b), of(b, a), "symmetric");
        assert_eq!(sim[&a][0].0, b, "B is A's nearest");
        assert_eq!(item_to_item(&data, 1, 1)[&a].len(), 1, "neighbours are capped");
        // With two people at least per pair, only A–B stays (users 1 and 2 share it).
        let private = item_to_item(&data, 10, 2);
        assert_eq!(private[&a].iter().map(|p| p.0).collect::<Vec<_>>(), [b]);
        assert!(!private.contains_key(&c), "what one person did with C is not shown");
    }

    #[test]
    fn personal_candidates_come_from_neighbours_of_what_the_person_did() {
        let sim: HashMap<u32, Vec<(u32, f64)>> =
            [(1, vec![(2, 0.9), (3, 0.1)]), (4, vec![(3, 0.5), (1, 0.2)])].into_iter().collect();
        // Viewed 1 (weight 1) and favourited 4 (weight 4): 3 scores 0.1 + 2.0, 2 scores 0.9.
        assert_eq!(personal(&[(1, ProductView), (4, Favourite)], &sim), [3, 2], "nothing already done (1, 4)");
        assert!(personal(&[], &sim).is_empty(), "a new person has no personal list: the fallback serves");
    }

    #[test]
    fn blending_keeps_the_business_rules() {
        let facts = |i: u32| -> Option<ItemFacts> {
            match i {
                1..=3 => Some(ItemFacts { category: "tv".into(), withdrawn: false, repeatable: false }),
                4 => Some(ItemFacts { category: "tv".into(), withdrawn: true, repeatable: false }),
                5 | 6 => Some(ItemFacts { category: "accessory".into(), withdrawn: false, repeatable: true }),
                7 => Some(ItemFacts { category: "fridge".into(), withdrawn: false, repeatable: false }),
                _ => None,
            }
        };
        let owned: HashSet<u32> = [1, 5].into();
        let exclude: HashSet<u32> = [7].into();
        let personal = vec![1, 4, 2, 3, 99, 5];
        let popular = vec![6, 2, 7, 3];
        let list = blend(&[&personal, &popular], &facts, &owned, &exclude, 2, 4);
        // 1 owned (a TV), 4 withdrawn, 99 unknown, 7 excluded (the page's own product), 3 a
        // third TV; 5 owned but an accessory; 2 once.
        assert_eq!(list, [2, 3, 5, 6]);
        assert_eq!(blend(&[&[2, 3, 5, 6]], &facts, &owned, &exclude, 1, 10), [2, 5], "one per category");
    }
}
