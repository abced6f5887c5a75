//! Offline evaluation of a ranked list against what the person did next: hit rate, NDCG,
//! precision and recall at k, and the share of the catalog the lists cover. Lists are ranked
//! against the full catalog (no sampled negatives: sampled metrics are known to mislead).
use std::collections::HashSet;

/// One recommender's figures over every person evaluated.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Metrics {
    pub people: usize,
    pub hit_rate: f64,
    pub ndcg: f64,
    pub precision: f64,
    pub recall: f64,
    /// Distinct products recommended to anyone, over the products that could be.
    pub coverage: f64,
}

/// Adds up people's lists.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    k: usize,
    people: usize,
    hits: f64,
    ndcg: f64,
    precision: f64,
    recall: f64,
    shown: HashSet<u32>,
}

impl Tally {
    pub fn new(k: usize) -> Self {
        Tally { k: k.max(1), ..Default::default() }
    }

    /// One person's list (best first; only its first k count) and what they went on to want.
    pub fn add(&mut self, ranked: &[u32], relevant: &HashSet<u32>) {
        if relevant.is_empty() {
            return;
        }
        let top = &ranked[..ranked.len().min(self.k)];
        self.shown.extend(top.iter().copied());
        let gain = |rank: usize| 1.0 / ((rank + 2) as f64).log2();
        let hits: Vec<usize> = top.iter().enumerate().filter(|(_, i)| relevant.contains(i)).map(|(r, _)| r).collect();
        let dcg: f64 = hits.iter().map(|&r| gain(r)).sum();
        let ideal: f64 = (0..relevant.len().min(self.k)).map(gain).sum();
        self.people += 1;
        self.hits += if hits.is_empty() { 0.0 } else { 1.0 };
        self.ndcg += dcg / ideal;
        self.precision += hits.len() as f64 / self.k as f64;
        self.recall += hits.len() as f64 / relevant.len() as f64;
    }

    /// The averages, with coverage over `catalog` products.
    pub fn finish(&self, catalog: usize) -> Metrics {
        let n = self.people.max(1) as f64;
        Metrics {
            people: self.people,
            hit_rate: self.hits / n,
            ndcg: self.ndcg / n,
            precision: self.precision / n,
            recall: self.recall / n,
            coverage: self.shown.len() as f64 / catalog.max(1) as f64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_match_a_hand_computed_case() {
        let mut t = Tally::new(3);
        // Person 1: relevant {2, 9}; list 5, 2, 7 → one hit at rank 2.
        //   DCG = 1/log2(3); IDCG = 1 + 1/log2(3); precision 1/3; recall 1/2.
        t.add(&[5, 2, 7, 9], &[2, 9].into());
        // Person 2: relevant {4}; list 4, 1, 3 → a hit at rank 1: NDCG 1, precision 1/3, recall 1.
        t.add(&[4, 1, 3], &[4].into());
        // Person 3: relevant {8}; nothing hits.
        t.add(&[1, 3, 5], &[8].into());
        // Nobody to measure: ignored.
        t.add(&[1], &HashSet::new());
        let m = t.finish(10);
        let l3 = 3f64.log2();
        assert_eq!(m.people, 3);
        assert!((m.hit_rate - 2.0 / 3.0).abs() < 1e-12);
        assert!((m.ndcg - ((1.0 / l3) / (1.0 + 1.0 / l3) + 1.0) / 3.0).abs() < 1e-12);
        assert!((m.precision - (1.0 / 3.0 + 1.0 / 3.0) / 3.0).abs() < 1e-12);
        assert!((m.recall - (0.5 + 1.0) / 3.0).abs() < 1e-12);
        // Shown: 5, 2, 7, 4, 1, 3 → 6 of 10.
        assert!((m.coverage - 0.6).abs() < 1e-12);
    }
}
