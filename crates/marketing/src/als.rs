//! Collaborative filtering from implicit feedback: alternating least squares as Hu, Koren and
//! Volinsky describe it ("Collaborative Filtering for Implicit Feedback Datasets", 2008).
//!
//! Every (person, product) pair is a preference p = 1 when the person did something with the
//! product and 0 otherwise, held with confidence c = 1 + α·r, where r is the weighted interest
//! (`events::weight` summed). The factors minimise
//!   Σ c·(p − xᵤ·yᵢ)² + λ(Σ|xᵤ|² + Σ|yᵢ|²)
//! by solving for all people with the products fixed, then for all products with the people fixed:
//! each half-step is an exact least-squares solve, so the loss never rises. The trick that makes
//! it fast is that the zero entries only enter through YᵀY, computed once per half-step.
use std::collections::BTreeMap;

/// How the factors are trained.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlsParams {
    pub factors: usize,
    pub iterations: usize,
    /// λ, the weight of the factors' size in the loss.
    pub regularization: f64,
    /// α, how much an interest of 1 raises the confidence above 1.
    pub alpha: f64,
    /// Seeds the first guess, so training is reproducible.
    pub seed: u64,
    /// Threads that solve rows at once (1 keeps it on the caller's thread).
    pub threads: usize,
}

/// The defaults chosen by the offline evaluation on the planted demo behaviour (README).
impl Default for AlsParams {
    fn default() -> Self {
        AlsParams { factors: 16, iterations: 8, regularization: 1.0, alpha: 1.0, seed: 42, threads: 2 }
    }
}

/// Each person's interest in each product, one compact row per person (items in order): what
/// training holds for every person at once, 8 bytes an entry.
#[derive(Debug, Clone, PartialEq)]
pub struct InterestMatrix {
    offsets: Vec<usize>,
    items: Vec<u32>,
    scores: Vec<f32>,
}

impl Default for InterestMatrix {
    fn default() -> Self {
        InterestMatrix { offsets: vec![0], items: vec![], scores: vec![] }
    }
}

impl InterestMatrix {
    /// Appends the next person's row: (item, interest), pairs of no interest left out.
    pub fn push_row(&mut self, row: &[(u32, f64)]) {
        for &(item, score) in row.iter().filter(|(_, s)| *s > 0.0) {
            self.items.push(item);
            self.scores.push(score as f32);
        }
        self.offsets.push(self.items.len());
    }

    pub fn rows(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Keeps the rows `keep` says yes to (by row number), in order, in place.
    pub fn retain_rows(&mut self, mut keep: impl FnMut(usize) -> bool) {
        let mut kept_rows = 0;
        let mut kept = 0;
        for r in 0..self.rows() {
            let (start, end) = (self.offsets[r], self.offsets[r + 1]);
            if keep(r) {
                self.items.copy_within(start..end, kept);
                self.scores.copy_within(start..end, kept);
                kept += end - start;
                kept_rows += 1;
                self.offsets[kept_rows] = kept;
            }
        }
        self.offsets.truncate(kept_rows + 1);
        self.items.truncate(kept);
        self.scores.truncate(kept);
    }

    fn row(&self, r: usize) -> impl Iterator<Item = (u32, f64)> + '_ {
        let span = self.offsets[r]..self.offsets[r + 1];
        self.items[span.clone()].iter().copied().zip(self.scores[span].iter().map(|&s| f64::from(s)))
    }
}

/// Trained factors: row `u` of `users` and row `i` of `items`, `factors` numbers each, and what
/// works out a person's factors later (`fold_in`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Factors {
    pub factors: usize,
    pub users: Vec<f32>,
    pub items: Vec<f64>,
    /// YᵀY of the items' factors.
    item_gram: Vec<f64>,
    alpha: f64,
    regularization: f64,
}

impl Factors {
    pub fn user(&self, u: u32) -> Vec<f64> {
        self.users[u as usize * self.factors..(u as usize + 1) * self.factors].iter().map(|&v| f64::from(v)).collect()
    }

    pub fn item(&self, i: u32) -> &[f64] {
        &self.items[i as usize * self.factors..(i as usize + 1) * self.factors]
    }

    pub fn item_count(&self) -> usize {
        self.items.len().checked_div(self.factors).unwrap_or(0)
    }

    /// Drops the people's factors (a person's are worked out again when needed).
    pub fn forget_people(&mut self) {
        self.users = vec![];
    }

    /// A person's factors from their interest (item, interest) and the trained items: the exact
    /// least-squares solve training makes for them. None when nothing they did weighs.
    pub fn fold_in(&self, row: &[(u32, f64)]) -> Option<Vec<f64>> {
        let k = self.factors;
        let row: Vec<(u32, f64)> =
            row.iter().copied().filter(|&(i, r)| r > 0.0 && (i as usize) < self.item_count()).collect();
        if k == 0 || row.is_empty() {
            return None;
        }
        let (mut a, mut b) = (vec![0.0; k * k], vec![0.0; k]);
        let settings = Solve { k, alpha: self.alpha, regularization: self.regularization };
        settings.solve_row(&self.item_gram, row.into_iter().map(|(i, r)| (self.item(i), r)), &mut a, &mut b);
        Some(b)
    }

    /// Every item scored for a person of factors `x`, best first, leaving out `skip` (what they
    /// did already).
    pub fn rank(&self, x: &[f64], skip: &impl Fn(u32) -> bool, limit: usize) -> Vec<u32> {
        let mut scored: Vec<(u32, f64)> =
            (0..self.item_count() as u32).filter(|&i| !skip(i)).map(|i| (i, dot(x, self.item(i)))).collect();
        let keep = limit.min(scored.len());
        if keep == 0 {
            return vec![];
        }
        scored.select_nth_unstable_by(keep - 1, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored.truncate(keep);
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored.into_iter().map(|(i, _)| i).collect()
    }

    /// The loss the training minimises (for tests: it must never rise).
    pub fn loss(&self, interest: &[(u32, u32, f64)], params: &AlsParams) -> f64 {
        let observed = sum_interest(interest);
        let (n_users, n_items) = (self.users.len() / self.factors, self.item_count());
        let mut loss = 0.0;
        for u in 0..n_users as u32 {
            let x = self.user(u);
            for i in 0..n_items as u32 {
                let s = dot(&x, self.item(i));
                loss += match observed.get(&(u, i)) {
                    Some(r) => (1.0 + params.alpha * r) * (1.0 - s).powi(2),
                    None => s * s,
                };
            }
        }
        let size: f64 = self.users.iter().map(|&v| f64::from(v)).chain(self.items.iter().copied()).map(|v| v * v).sum();
        loss + params.regularization * size
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Interest per pair, in order (sums in the same order every time: training is reproducible).
fn sum_interest(interest: &[(u32, u32, f64)]) -> BTreeMap<(u32, u32), f64> {
    let mut sum = BTreeMap::new();
    for &(u, i, r) in interest {
        *sum.entry((u, i)).or_default() += r;
    }
    sum.retain(|_, r: &mut f64| *r > 0.0);
    sum
}

/// Trains factors for `users` people and `items` products from (person, product, interest)
/// triples (repeated pairs add up; pairs of no interest are left out).
pub fn train(users: usize, items: usize, interest: &[(u32, u32, f64)], params: &AlsParams) -> Factors {
    let mut rows: Vec<Vec<(u32, f64)>> = vec![vec![]; users];
    for ((u, i), r) in sum_interest(interest) {
        if (u as usize) < users && (i as usize) < items {
            rows[u as usize].push((i, r));
        }
    }
    let mut matrix = InterestMatrix::default();
    for row in &rows {
        matrix.push_row(row);
    }
    train_matrix(&matrix, items, params)
}

/// Trains factors for each row of `matrix` and `items` products. Every sum is taken in the same
/// order whatever the threads: training is reproducible.
pub fn train_matrix(matrix: &InterestMatrix, items: usize, params: &AlsParams) -> Factors {
    let k = params.factors.max(1);
    let users = matrix.rows();
    let mut rng = SplitMix(params.seed);
    let scale = 0.1 / (k as f64).sqrt();
    // Only the items' first guess matters: the people's are solved from it first.
    let mut factors = Factors {
        factors: k,
        users: vec![0.0; users * k],
        items: (0..items * k).map(|_| rng.unit() * scale).collect(),
        item_gram: vec![],
        alpha: params.alpha,
        regularization: params.regularization,
    };
    let settings = Solve { k, alpha: params.alpha, regularization: params.regularization };
    let threads = params.threads.clamp(1, 64);
    for _ in 0..params.iterations {
        factors.users = settings.solve_people(&factors.items, matrix, threads);
        factors.items = settings.solve_items(&factors.users, matrix, items, threads);
    }
    factors.item_gram = gram(&factors.items, k, threads);
    factors
}

/// Rows summed at once by one thread when working out a Gram matrix.
const GRAM_BLOCK: usize = 65_536;

/// XᵀX of rows of `k` numbers, summed in blocks of fixed size taken in order.
fn gram<T: Copy + Into<f64> + Sync>(rows: &[T], k: usize, threads: usize) -> Vec<f64> {
    let blocks: Vec<&[T]> = rows.chunks(GRAM_BLOCK * k).collect();
    let mut partial: Vec<Vec<f64>> = vec![vec![]; blocks.len()];
    std::thread::scope(|scope| {
        let per = blocks.len().div_ceil(threads).max(1);
        for (chunk, out) in blocks.chunks(per).zip(partial.chunks_mut(per)) {
            scope.spawn(move || {
                for (block, out) in chunk.iter().zip(out) {
                    let mut g = vec![0.0; k * k];
                    for y in block.chunks_exact(k) {
                        for a in 0..k {
                            let ya: f64 = y[a].into();
                            for b in a..k {
                                g[a * k + b] += ya * y[b].into();
                            }
                        }
                    }
                    *out = g;
                }
            });
        }
    });
    let mut g = vec![0.0; k * k];
    for p in partial {
        for (sum, v) in g.iter_mut().zip(p) {
            *sum += v;
        }
    }
    for a in 0..k {
        for b in 0..a {
            g[a * k + b] = g[b * k + a];
        }
    }
    g
}

/// One half-step's settings.
#[derive(Debug, Clone, Copy)]
struct Solve {
    k: usize,
    alpha: f64,
    regularization: f64,
}

impl Solve {
    /// One row's factors given the other side's Gram matrix and its observations (the other
    /// side's factors, interest): left in `b`.
    fn solve_row<'a>(
        &self,
        gram: &[f64],
        observed: impl Iterator<Item = (&'a [f64], f64)>,
        a: &mut [f64],
        b: &mut [f64],
    ) {
        a.copy_from_slice(gram);
        b.fill(0.0);
        for (y, r) in observed {
            self.observe(y, r, a, b);
        }
        self.finish_row(a, b);
    }

    /// Adds one observation (the other side's factors `y`, interest `r`) to a row's sums: its
    /// confidence times `y` to `b`, the confidence above 1 times yyᵀ to the upper triangle of `a`.
    fn observe(&self, y: &[f64], r: f64, a: &mut [f64], b: &mut [f64]) {
        let k = self.k;
        let c = 1.0 + self.alpha * r;
        for p in 0..k {
            b[p] += c * y[p];
            let cy = (c - 1.0) * y[p];
            for q in p..k {
                a[p * k + q] += cy * y[q];
            }
        }
    }

    /// Mirrors the upper triangle, adds λ and solves.
    fn finish_row(&self, a: &mut [f64], b: &mut [f64]) {
        let k = self.k;
        for p in 0..k {
            for q in 0..p {
                a[p * k + q] = a[q * k + p];
            }
            a[p * k + p] += self.regularization;
        }
        cholesky_solve(a, b, k);
    }

    /// Every person's factors given the items'.
    fn solve_people(&self, items: &[f64], matrix: &InterestMatrix, threads: usize) -> Vec<f32> {
        let k = self.k;
        // `solve_row` adds to the upper triangle and mirrors it: the lower half is overwritten.
        let gram_upper = gram(items, k, threads);
        let rows = matrix.rows();
        let mut out = vec![0.0f32; rows * k];
        let per = rows.div_ceil(threads).max(1);
        std::thread::scope(|scope| {
            for (n, chunk) in out.chunks_mut(per * k).enumerate() {
                let gram = &gram_upper;
                scope.spawn(move || {
                    let (mut a, mut b) = (vec![0.0; k * k], vec![0.0; k]);
                    for (r, x) in (n * per..).zip(chunk.chunks_exact_mut(k)) {
                        let mut observed =
                            matrix.row(r).map(|(i, s)| (&items[i as usize * k..(i as usize + 1) * k], s)).peekable();
                        if observed.peek().is_none() {
                            x.fill(0.0);
                            continue;
                        }
                        self.solve_row(gram, observed, &mut a, &mut b);
                        for (x, v) in x.iter_mut().zip(&b) {
                            *x = *v as f32;
                        }
                    }
                });
            }
        });
        out
    }

    /// Every item's factors given the people's. Each thread takes a range of items and reads
    /// every person's row in order: an item's sums are in the same order whatever the threads.
    fn solve_items(&self, users: &[f32], matrix: &InterestMatrix, items: usize, threads: usize) -> Vec<f64> {
        let k = self.k;
        let gram_upper = gram(users, k, threads);
        let mut out = vec![0.0; items * k];
        let per = items.div_ceil(threads).max(1);
        std::thread::scope(|scope| {
            for (n, chunk) in out.chunks_mut(per * k).enumerate() {
                let gram = &gram_upper;
                scope.spawn(move || {
                    let first = n * per;
                    let count = chunk.len() / k;
                    let range = first as u32..(first + count) as u32;
                    let mut a_sum = vec![0.0; count * k * k];
                    let mut b_sum = vec![0.0; count * k];
                    let mut seen = vec![false; count];
                    let mut x = vec![0.0; k];
                    for u in 0..matrix.rows() {
                        let mut loaded = false;
                        for (i, r) in matrix.row(u).filter(|(i, _)| range.contains(i)) {
                            if !loaded {
                                for (x, v) in x.iter_mut().zip(&users[u * k..(u + 1) * k]) {
                                    *x = f64::from(*v);
                                }
                                loaded = true;
                            }
                            let at = (i - range.start) as usize;
                            seen[at] = true;
                            let (a, b) = (&mut a_sum[at * k * k..(at + 1) * k * k], &mut b_sum[at * k..(at + 1) * k]);
                            self.observe(&x, r, a, b);
                        }
                    }
                    for (at, y) in chunk.chunks_exact_mut(k).enumerate() {
                        if !seen[at] {
                            y.fill(0.0);
                            continue;
                        }
                        let a = &mut a_sum[at * k * k..(at + 1) * k * k];
                        for (v, g) in a.iter_mut().zip(gram) {
                            *v += g;
                        }
                        let b = &mut b_sum[at * k..(at + 1) * k];
                        self.finish_row(a, b);
                        y.copy_from_slice(b);
                    }
                });
            }
        });
        out
    }
}

/// Solves A·x = b in place for a symmetric positive-definite A (x is left in `b`).
fn cholesky_solve(a: &mut [f64], b: &mut [f64], k: usize) {
    // A = L·Lᵀ, L in the lower triangle of `a`.
    for j in 0..k {
        let mut d = a[j * k + j];
        for p in 0..j {
            d -= a[j * k + p] * a[j * k + p];
        }
        let d = d.max(1e-12).sqrt();
        a[j * k + j] = d;
        for i in j + 1..k {
            let mut s = a[i * k + j];
            for p in 0..j {
                s -= a[i * k + p] * a[j * k + p];
            }
            a[i * k + j] = s / d;
        }
    }
    for i in 0..k {
        let mut s = b[i];
        for p in 0..i {
            s -= a[i * k + p] * b[p];
        }
        b[i] = s / a[i * k + i];
    }
    for i in (0..k).rev() {
        let mut s = b[i];
        for p in i + 1..k {
            s -= a[p * k + i] * b[p];
        }
        b[i] = s / a[i * k + i];
    }
}

/// A small deterministic generator (SplitMix64): the first guess needs no better.
pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [−1, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }

    /// Uniform in [0, 1).
    pub fn fraction(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, n).
    pub fn below(&mut self, n: usize) -> usize {
        (self.fraction() * n as f64) as usize % n.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The people's half-step alone.
    fn solve_people(items: &[f64], k: usize, rows: &[Vec<(u32, f64)>], p: &AlsParams) -> Vec<f32> {
        let mut matrix = InterestMatrix::default();
        for row in rows {
            matrix.push_row(row);
        }
        Solve { k, alpha: p.alpha, regularization: p.regularization }.solve_people(items, &matrix, 2)
    }

    fn params(factors: usize) -> AlsParams {
        AlsParams { factors, iterations: 15, regularization: 0.1, alpha: 1.0, seed: 7, threads: 2 }
    }

    #[test]
    fn one_factor_solve_matches_the_hand_computed_answer() {
        // Items' factors y = (1, 2, 0.5); the person's interests: item 0 → 1, item 2 → 3; α = 1,
        // so c₀ = 2, c₂ = 4. YᵀY = 1 + 4 + 0.25 = 5.25;
        // A = 5.25 + (2−1)·1² + (4−1)·0.5² + λ = 5.25 + 1 + 0.75 + 0.1 = 7.1;
        // b = 2·1 + 4·0.5 = 4; x = 4 / 7.1.
        let x = solve_people(&[1.0, 2.0, 0.5], 1, &[vec![(0, 1.0), (2, 3.0)], vec![]], &params(1));
        assert!((f64::from(x[0]) - 4.0 / 7.1).abs() < 1e-6, "{x:?}");
        assert_eq!(x[1], 0.0, "a person with no interest gets no factors");
    }

    #[test]
    fn two_factor_solve_matches_the_normal_equations() {
        // y₀ = (1, 0), y₁ = (0, 1), y₂ = (1, 1); interest in item 2 only (r = 1, α = 1, c = 2).
        // YᵀY = [[2, 1], [1, 2]]; + (c−1)·y₂y₂ᵀ = [[3, 2], [2, 3]]; + λI = [[3.1, 2], [2, 3.1]].
        // b = 2·(1, 1) = (2, 2). By symmetry x₀ = x₁ = 2 / (3.1 + 2) = 2 / 5.1.
        let x = solve_people(&[1.0, 0.0, 0.0, 1.0, 1.0, 1.0], 2, &[vec![(2, 1.0)]], &params(2));
        for v in x {
            assert!((f64::from(v) - 2.0 / 5.1).abs() < 1e-6);
        }
    }

    /// Two groups of people, each interested in its own half of the products.
    fn two_communities() -> Vec<(u32, u32, f64)> {
        let mut data = vec![];
        for u in 0..20u32 {
            let group = u % 2;
            for i in 0..10u32 {
                // Each person leaves out one product of their group: the one to predict.
                if i % 2 == group && i != (u / 2) % 10 {
                    data.push((u, i, 1.0 + f64::from(u % 3)));
                }
            }
        }
        data
    }

    #[test]
    fn recovers_planted_communities() {
        let data = two_communities();
        let f = train(20, 10, &data, &params(4));
        for u in 0..20u32 {
            let group = u % 2;
            let done: Vec<u32> = data.iter().filter(|d| d.0 == u).map(|d| d.1).collect();
            let ranked = f.rank(&f.user(u), &|i| done.contains(&i), 10);
            // Every product of the person's own group outranks every product of the other.
            let first_other = ranked.iter().position(|i| i % 2 != group).unwrap_or(ranked.len());
            let last_own = ranked.iter().rposition(|i| i % 2 == group);
            assert!(last_own.is_none_or(|l| l < first_other), "person {u}: {ranked:?}");
        }
    }

    #[test]
    fn a_person_folded_in_gets_the_exact_solve_and_their_community() {
        // The hand-computed one-factor case: x = 4 / 7.1.
        let f = Factors {
            factors: 1,
            items: vec![1.0, 2.0, 0.5],
            item_gram: vec![5.25],
            alpha: 1.0,
            regularization: 0.1,
            ..Default::default()
        };
        let x = f.fold_in(&[(0, 1.0), (2, 3.0)]).unwrap();
        assert!((x[0] - 4.0 / 7.1).abs() < 1e-12, "{x:?}");
        assert_eq!(f.fold_in(&[(1, 0.0), (9, 1.0)]), None, "nothing that weighs, nothing known");
        // People worked out again from what they did rank their own community first, as trained.
        let data = two_communities();
        let mut trained = train(20, 10, &data, &params(4));
        trained.forget_people();
        for u in 0..20u32 {
            let row: Vec<(u32, f64)> = data.iter().filter(|d| d.0 == u).map(|d| (d.1, d.2)).collect();
            let x = trained.fold_in(&row).unwrap();
            let ranked = trained.rank(&x, &|i| row.iter().any(|r| r.0 == i), 10);
            let first_other = ranked.iter().position(|i| i % 2 != u % 2).unwrap_or(ranked.len());
            assert!(ranked.iter().rposition(|i| i % 2 == u % 2).is_none_or(|l| l < first_other), "{u}: {ranked:?}");
        }
    }

    #[test]
    fn the_loss_never_rises_and_training_is_reproducible() {
        let data = two_communities();
        let mut p = params(3);
        let mut last = f64::INFINITY;
        for iterations in 1..6 {
            p.iterations = iterations;
            let loss = train(20, 10, &data, &p).loss(&data, &p);
            assert!(loss <= last + 1e-9, "iteration {iterations}: {loss} after {last}");
            last = loss;
        }
        assert_eq!(train(20, 10, &data, &p), train(20, 10, &data, &AlsParams { threads: 1, ..p }));
    }

    #[test]
    fn rank_keeps_the_best_and_skips() {
        let f = Factors { factors: 1, items: vec![0.5, 3.0, -1.0, 2.0], ..Default::default() };
        assert_eq!(f.rank(&[1.0], &|_| false, 2), [1, 3]);
        assert_eq!(f.rank(&[1.0], &|i| i == 1, 10), [3, 0, 2]);
        assert!(f.rank(&[1.0], &|_| true, 3).is_empty());
    }
}
