//! Training one person at a time. The recommenders' figures are sums over people, so a trainer
//! reads people in pages, adds each person's capped interest to a few tallies and forgets them:
//! memory grows with the catalog (and, for collaborative filtering, with one compact row per
//! person), never with the events. The same tallies serve the server's paged training, the
//! offline evaluation and the tests.
use std::collections::HashMap;

/// Tallies are keyed by small numbers: a fast hash (no attacker chooses them).
type Tally<K, V> = HashMap<K, V, rustc_hash::FxBuildHasher>;

pub use crate::interest::{Interest, ItemEvent};
use crate::{
    als::{self, AlsParams, Factors, InterestMatrix},
    interest::{interest_decayed_and_whole, TwoInterests},
};

/// A person with more products than this says little about any pair (and costs quadratic time):
/// only their first products (in item order) make pairs.
pub const PAIR_ITEMS_MAX: usize = 200;

/// Popularity everywhere: the sum over people of each one's decayed, capped interest.
#[derive(Debug, Default, Clone)]
pub struct Popularity {
    score: Tally<u32, f64>,
}

impl Popularity {
    pub fn add(&mut self, interest: &Interest) {
        for &(item, score) in interest {
            *self.score.entry(item).or_default() += score;
        }
    }

    /// Items best first (ties by item, for stable lists).
    pub fn finish(self) -> Vec<(u32, f64)> {
        ranked(self.score)
    }
}

/// Popularity within groups of people (a region, a customer segment).
#[derive(Debug, Clone)]
pub struct GroupPopularity<G> {
    groups: HashMap<G, GroupTally>,
}

impl<G> Default for GroupPopularity<G> {
    fn default() -> Self {
        GroupPopularity { groups: HashMap::new() }
    }
}

#[derive(Debug, Default, Clone)]
struct GroupTally {
    people: usize,
    /// Per item: the interest summed and how many people it came from.
    items: Tally<u32, (f64, usize)>,
}

impl<G: Clone + Eq + std::hash::Hash> GroupPopularity<G> {
    /// Adds one person (each person once: their interest has each item once).
    pub fn add(&mut self, groups: &[G], interest: &Interest) {
        if interest.is_empty() {
            return;
        }
        for g in groups {
            let tally = self.groups.entry(g.clone()).or_default();
            tally.people += 1;
            for &(item, score) in interest {
                let entry = tally.items.entry(item).or_default();
                entry.0 += score;
                entry.1 += 1;
            }
        }
    }

    /// Each group of at least `min_people` people, its items ranked as `Popularity` ranks them,
    /// each item only when `min_people_per_item` of them did something with it: a list never
    /// shows what one or two people did.
    pub fn finish(self, min_people: usize, min_people_per_item: usize) -> HashMap<G, Vec<u32>> {
        self.groups
            .into_iter()
            .filter(|(_, t)| t.people >= min_people)
            .map(|(g, t)| {
                let score: Tally<u32, f64> = t
                    .items
                    .into_iter()
                    .filter(|(_, (_, people))| *people >= min_people_per_item)
                    .map(|(item, (score, _))| (item, score))
                    .collect();
                (g, ranked(score).into_iter().map(|(i, _)| i).collect::<Vec<u32>>())
            })
            .filter(|(_, list)| !list.is_empty())
            .collect()
    }
}

/// Pairs of items tallied at most (about 16 bytes each). Beyond it, the pairs the fewest people
/// share are forgotten (they could not be neighbours anyway: a neighbour needs several people).
pub const PAIRS_MAX: usize = 8_000_000;
/// People whose interest trains the factors at most: beyond it an even sample of them, by a hash
/// of who they are (the items' factors need a sample, not everyone: each person's own factors
/// are worked out when they are served).
pub const FACTOR_PEOPLE_MAX: usize = 500_000;

/// Item-to-item co-occurrence: for two items the cosine of people's (undecayed, capped) interest.
/// Memory: one entry per pair of items that people did something with together, at most
/// `max_pairs`. Past it the tally is pruned as lossy counting prunes: each pair remembers how many
/// people it may have missed before it was (re)counted (the floor when it came in), and a pair
/// goes when what it counted plus what it may have missed is at most the floor, which rises with
/// each pruning. A pair is missed at most `floor` people, so one shared by many more is kept.
#[derive(Debug, Clone)]
pub struct CoOccurrence {
    norm: Tally<u32, f64>,
    /// (smaller item, larger item) → what it counted.
    pairs: Tally<(u32, u32), PairTally>,
    max_pairs: usize,
    /// Pairs of at most this many people were forgotten when the tally was full.
    forgotten_below: u32,
}

#[derive(Debug, Clone, Copy)]
struct PairTally {
    /// Σ over people of the product of their interests in the two items.
    dot: f32,
    people: u32,
    /// People it may have missed: the floor when it was last counted from nothing.
    missed: u32,
}

impl Default for CoOccurrence {
    fn default() -> Self {
        CoOccurrence::bounded(PAIRS_MAX)
    }
}

impl CoOccurrence {
    pub fn bounded(max_pairs: usize) -> Self {
        CoOccurrence { norm: Tally::default(), pairs: Tally::default(), max_pairs, forgotten_below: 0 }
    }

    /// Pairs tallied now.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Forgets the pairs of the fewest people until at most half the room is taken.
    fn make_room(&mut self) {
        while self.pairs.len() > self.max_pairs / 2 {
            self.forgotten_below += 1;
            let floor = self.forgotten_below;
            self.pairs.retain(|_, pair| pair.people + pair.missed > floor);
        }
        self.pairs.shrink_to(self.max_pairs);
    }

    /// Adds one person (their interest in item order).
    pub fn add(&mut self, interest: &Interest) {
        for &(item, score) in interest {
            *self.norm.entry(item).or_default() += score * score;
        }
        let first = &interest[..interest.len().min(PAIR_ITEMS_MAX)];
        for (n, &(a, wa)) in first.iter().enumerate() {
            for &(b, wb) in &first[n + 1..] {
                if a != b {
                    let missed = self.forgotten_below;
                    let pair =
                        self.pairs.entry((a.min(b), a.max(b))).or_insert(PairTally { dot: 0.0, people: 0, missed });
                    pair.dot += (wa * wb) as f32;
                    pair.people += 1;
                }
            }
        }
        if self.pairs.len() > self.max_pairs {
            self.make_room();
        }
    }

    /// Each item's `neighbours` most similar, from pairs of at least `min_people` people.
    pub fn finish(self, neighbours: usize, min_people: u32) -> HashMap<u32, Vec<(u32, f64)>> {
        let mut similar: HashMap<u32, Vec<(u32, f64)>> = HashMap::new();
        for ((a, b), PairTally { dot, people, .. }) in self.pairs {
            if people < min_people {
                continue;
            }
            let cosine = f64::from(dot) / (self.norm[&a].sqrt() * self.norm[&b].sqrt());
            similar.entry(a).or_default().push((b, cosine));
            similar.entry(b).or_default().push((a, cosine));
        }
        for list in similar.values_mut() {
            list.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
            list.truncate(neighbours);
        }
        similar
    }
}

pub(crate) fn ranked<S>(score: HashMap<u32, f64, S>) -> Vec<(u32, f64)> {
    let mut out: Vec<(u32, f64)> = score.into_iter().filter(|(_, s)| *s > 0.0).collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

/// What one person did, as the trainer reads it: (item, kind, latest time) and their groups.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonEvents<G> {
    /// A stable, evenly spread number for the person (a hash of their id): who is sampled.
    pub key: u64,
    pub events: Vec<ItemEvent>,
    pub groups: Vec<G>,
}

/// People's interest rows for the factors: everyone up to `max_rows`, past it an even sample of
/// them (those whose key is at most a threshold that halves each time the rows overflow).
#[derive(Debug, Clone)]
pub struct SampledRows {
    matrix: InterestMatrix,
    keys: Vec<u64>,
    threshold: u64,
    max_rows: usize,
}

impl SampledRows {
    pub fn new(max_rows: usize) -> Self {
        SampledRows { matrix: InterestMatrix::default(), keys: vec![], threshold: u64::MAX, max_rows: max_rows.max(1) }
    }

    pub fn push(&mut self, key: u64, row: &Interest) {
        if key > self.threshold {
            return;
        }
        self.matrix.push_row(row);
        self.keys.push(key);
        while self.keys.len() > self.max_rows {
            self.threshold /= 2;
            let (keys, threshold) = (&self.keys, self.threshold);
            self.matrix.retain_rows(|r| keys[r] <= threshold);
            self.keys.retain(|&k| k <= threshold);
        }
    }

    pub fn rows(&self) -> usize {
        self.matrix.rows()
    }

    pub fn into_matrix(self) -> InterestMatrix {
        self.matrix
    }
}

/// How the trainer weighs and keeps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainingParams {
    pub now: i64,
    /// Popularity halves every this many seconds.
    pub half_life_secs: i64,
    pub neighbours: usize,
    /// Two products are neighbours only when at least this many people did something with both.
    pub min_people_per_pair: u32,
    /// A region or segment has its own popular list only with at least this many people in it.
    pub min_people_per_group: usize,
}

/// Everything trained, for every item.
#[derive(Debug, Clone)]
pub struct Trained<G> {
    /// Items people did something with, best first.
    pub popular: Vec<u32>,
    pub local: HashMap<G, Vec<u32>>,
    pub similar: HashMap<u32, Vec<(u32, f64)>>,
    /// Collaborative filtering: the items' factors (people's are forgotten: a person's are worked
    /// out when they are served, from what they did by then, `Factors::fold_in`).
    pub als: Factors,
    /// People who did something that weighs.
    pub people: usize,
}

/// Takes people one at a time; `finish` trains what needs every person at once (the factors).
#[derive(Debug)]
pub struct Trainer<G> {
    params: TrainingParams,
    items: usize,
    popular: Popularity,
    local: GroupPopularity<G>,
    pairs: CoOccurrence,
    rows: SampledRows,
    people: usize,
}

impl<G: Clone + Eq + std::hash::Hash> Trainer<G> {
    pub fn new(items: usize, params: TrainingParams) -> Self {
        Trainer {
            params,
            items,
            popular: Popularity::default(),
            local: GroupPopularity::default(),
            pairs: CoOccurrence::default(),
            rows: SampledRows::new(FACTOR_PEOPLE_MAX),
            people: 0,
        }
    }

    /// Adds one person (each person once; events of items outside the catalog are left out).
    pub fn add(&mut self, person: &PersonEvents<G>) {
        let events: Vec<ItemEvent> = person.events.iter().copied().filter(|e| (e.item as usize) < self.items).collect();
        let TwoInterests { decayed, whole } =
            interest_decayed_and_whole(&events, self.params.now, self.params.half_life_secs);
        if whole.is_empty() {
            return;
        }
        self.popular.add(&decayed);
        self.local.add(&person.groups, &decayed);
        self.pairs.add(&whole);
        self.rows.push(person.key, &whole);
        self.people += 1;
    }

    /// Trains the factors and ranks every tally.
    pub fn finish(self, als_params: &AlsParams) -> Trained<G> {
        let p = self.params;
        let people = self.people;
        let matrix = self.rows.into_matrix();
        let mut factors = als::train_matrix(&matrix, self.items, als_params);
        drop(matrix);
        factors.forget_people();
        Trained {
            popular: self.popular.finish().into_iter().map(|(i, _)| i).collect(),
            local: self.local.finish(p.min_people_per_group, p.min_people_per_pair as usize),
            similar: self.pairs.finish(p.neighbours, p.min_people_per_pair),
            als: factors,
            people,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        interest::Interaction,
        recommend::{item_to_item, popular, popular_by_group},
    };
    use portal_api::EventKind::*;

    #[test]
    fn people_taken_one_at_a_time_train_what_the_whole_window_trains() {
        let now = 10_000_000;
        let mut events = vec![];
        let mut people: Vec<PersonEvents<&str>> = vec![];
        let mut groups: HashMap<u32, Vec<&str>> = HashMap::new();
        for user in 0..40u32 {
            let mut person = PersonEvents {
                key: u64::from(user),
                events: vec![],
                groups: vec![if user % 3 == 0 { "上海" } else { "北京" }],
            };
            for n in 0..(user % 5 + 1) {
                let item = (user * 7 + n * 3) % 11;
                let kind = [ProductView, Favourite, ChannelClick, Purchase][(n % 4) as usize];
                let at = now - i64::from(user * 3_600 + n * 60);
                events.push(Interaction { user, item, kind, at });
                person.events.push(ItemEvent { item, kind, at });
                // Floods count once.
                events.push(Interaction { user, item, kind, at: at - 1 });
                person.events.push(ItemEvent { item, kind, at: at - 1 });
            }
            groups.insert(user, person.groups.clone());
            people.push(person);
        }
        let params = TrainingParams {
            now,
            half_life_secs: 86_400,
            neighbours: 5,
            min_people_per_pair: 2,
            min_people_per_group: 3,
        };
        let mut trainer = Trainer::new(11, params);
        for p in &people {
            trainer.add(p);
        }
        let trained = trainer.finish(&AlsParams { factors: 3, iterations: 3, ..Default::default() });
        let whole: Vec<u32> = popular(&events, now, 86_400).into_iter().map(|(i, _)| i).collect();
        assert_eq!(trained.popular, whole);
        assert_eq!(trained.similar, item_to_item(&events, 5, 2));
        assert_eq!(trained.local, popular_by_group(&events, &groups, now, 86_400, 3, 2));
        assert_eq!(trained.people, 40);
        assert!(trained.als.users.is_empty(), "people's factors are not kept");
        assert_eq!(trained.als.item_count(), 11);
    }

    #[test]
    fn pairs_and_factor_rows_stay_within_their_bounds_and_keep_what_matters() {
        let mut pairs = CoOccurrence::bounded(100);
        let mut rows = SampledRows::new(100);
        let mut rng = als::SplitMix(7);
        for person in 0..2_000u32 {
            // Everyone shares the pair (0, 1); each also has a pair nobody else has.
            let a = 2 + 2 * person;
            let interest = [(0, 1.0), (1, 1.0), (a, 1.0), (a + 1, 1.0)];
            pairs.add(&interest);
            assert!(pairs.len() <= 100, "never more pairs than the bound");
            rows.push(rng.next_u64(), &interest);
            assert!(rows.rows() <= 100, "never more rows than the bound");
        }
        assert!(rows.rows() >= 25, "an even sample, not a handful: {}", rows.rows());
        let similar = pairs.finish(5, 2);
        assert_eq!(similar[&0][0].0, 1, "the pair everyone shares survives");
        assert!((similar[&0][0].1 - 1.0).abs() < 1e-6, "with its people all counted: {:?}", similar[&0]);
        assert_eq!(similar.len(), 2, "no pair of one person is a neighbour");
    }
}
