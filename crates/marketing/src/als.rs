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

/// Trained factors: row `u` of `users` and row `i` of `items`, `factors` numbers each.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Factors {
    pub factors: usize,
    pub users: Vec<f64>,
    pub items: Vec<f64>,
}

impl Factors {
    pub fn user(&self, u: u32) -> &[f64] {
        &self.users[u as usize * self.factors..(u as usize + 1) * self.factors]
    }

    pub fn item(&self, i: u32) -> &[f64] {
        &self.items[i as usize * self.factors..(i as usize + 1) * self.factors]
    }

    pub fn item_count(&self) -> usize {
        self.items.len().checked_div(self.factors).unwrap_or(0)
    }

    /// Every item scored for person `u`, best first, leaving out `skip` (what they did already).
    pub fn rank(&self, u: u32, skip: &impl Fn(u32) -> bool, limit: usize) -> Vec<u32> {
        let x = self.user(u);
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
            for i in 0..n_items as u32 {
                let s = dot(self.user(u), self.item(i));
                loss += match observed.get(&(u, i)) {
                    Some(r) => (1.0 + params.alpha * r) * (1.0 - s).powi(2),
                    None => s * s,
                };
            }
        }
        let size: f64 = self.users.iter().chain(&self.items).map(|v| v * v).sum();
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
    let k = params.factors.max(1);
    let mut by_user: Vec<Vec<(u32, f64)>> = vec![vec![]; users];
    let mut by_item: Vec<Vec<(u32, f64)>> = vec![vec![]; items];
    for ((u, i), r) in sum_interest(interest) {
        if (u as usize) < users && (i as usize) < items {
            by_user[u as usize].push((i, r));
            by_item[i as usize].push((u, r));
        }
    }
    let mut rng = SplitMix(params.seed);
    let scale = 0.1 / (k as f64).sqrt();
    let mut factors = Factors {
        factors: k,
        users: (0..users * k).map(|_| rng.unit() * scale).collect(),
        items: (0..items * k).map(|_| rng.unit() * scale).collect(),
    };
    for _ in 0..params.iterations {
        factors.users = solve_side(&factors.items, k, &by_user, params);
        factors.items = solve_side(&factors.users, k, &by_item, params);
    }
    factors
}

/// One half-step: every row's factors given the other side's (`fixed`, `k` numbers per row).
/// Row r's observations are (column, interest).
pub fn solve_side(fixed: &[f64], k: usize, rows: &[Vec<(u32, f64)>], params: &AlsParams) -> Vec<f64> {
    // YᵀY, shared by every row.
    let mut gram = vec![0.0; k * k];
    for y in fixed.chunks_exact(k) {
        for a in 0..k {
            for b in a..k {
                gram[a * k + b] += y[a] * y[b];
            }
        }
    }
    for a in 0..k {
        for b in 0..a {
            gram[a * k + b] = gram[b * k + a];
        }
    }
    let mut out = vec![0.0; rows.len() * k];
    let threads = params.threads.clamp(1, 64);
    let per = rows.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        for (chunk_rows, chunk_out) in rows.chunks(per).zip(out.chunks_mut(per * k)) {
            let gram = &gram;
            scope.spawn(move || {
                let mut a = vec![0.0; k * k];
                let mut b = vec![0.0; k];
                for (row, x) in chunk_rows.iter().zip(chunk_out.chunks_exact_mut(k)) {
                    if row.is_empty() {
                        x.fill(0.0);
                        continue;
                    }
                    a.copy_from_slice(gram);
                    b.fill(0.0);
                    for &(col, r) in row {
                        let y = &fixed[col as usize * k..(col as usize + 1) * k];
                        let c = 1.0 + params.alpha * r;
                        for p in 0..k {
                            b[p] += c * y[p];
                            let cy = (c - 1.0) * y[p];
                            for q in 0..k {
                                a[p * k + q] += cy * y[q];
                            }
                        }
                    }
                    for p in 0..k {
                        a[p * k + p] += params.regularization;
                    }
                    cholesky_solve(&mut a, &mut b, k);
                    x.copy_from_slice(&b);
                }
            });
        }
    });
    out
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

    fn params(factors: usize) -> AlsParams {
        AlsParams { factors, iterations: 15, regularization: 0.1, alpha: 1.0, seed: 7, threads: 2 }
    }

    #[test]
    fn one_factor_solve_matches_the_hand_computed_answer() {
        // Items' factors y = (1, 2, 0.5); the person's interests: item 0 → 1, item 2 → 3; α = 1,
        // so c₀ = 2, c₂ = 4. YᵀY = 1 + 4 + 0.25 = 5.25;
        // A = 5.25 + (2−1)·1² + (4−1)·0.5² + λ = 5.25 + 1 + 0.75 + 0.1 = 7.1;
        // b = 2·1 + 4·0.5 = 4; x = 4 / 7.1.
        let x = solve_side(&[1.0, 2.0, 0.5], 1, &[vec![(0, 1.0), (2, 3.0)], vec![]], &params(1));
        assert!((x[0] - 4.0 / 7.1).abs() < 1e-12, "{x:?}");
        assert_eq!(x[1], 0.0, "a person with no interest gets no factors");
    }

    #[test]
    fn two_factor_solve_matches_the_normal_equations() {
        // y₀ = (1, 0), y₁ = (0, 1), y₂ = (1, 1); interest in item 2 only (r = 1, α = 1, c = 2).
        // YᵀY = [[2, 1], [1, 2]]; + (c−1)·y₂y₂ᵀ = [[3, 2], [2, 3]]; + λI = [[3.1, 2], [2, 3.1]].
        // b = 2·(1, 1) = (2, 2). By symmetry x₀ = x₁ = 2 / (3.1 + 2) = 2 / 5.1.
        let x = solve_side(&[1.0, 0.0, 0.0, 1.0, 1.0, 1.0], 2, &[vec![(2, 1.0)]], &params(2));
        for v in x {
            assert!((v - 2.0 / 5.1).abs() < 1e-12);
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
            let ranked = f.rank(u, &|i| done.contains(&i), 10);
            // Every product of the person's own group outranks every product of the other.
            let first_other = ranked.iter().position(|i| i % 2 != group).unwrap_or(ranked.len());
            let last_own = ranked.iter().rposition(|i| i % 2 == group);
            assert!(last_own.is_none_or(|l| l < first_other), "person {u}: {ranked:?}");
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
        let f = Factors { factors: 1, users: vec![1.0], items: vec![0.5, 3.0, -1.0, 2.0] };
        assert_eq!(f.rank(0, &|_| false, 2), [1, 3]);
        assert_eq!(f.rank(0, &|i| i == 1, 10), [3, 0, 2]);
        assert!(f.rank(0, &|_| true, 3).is_empty());
    }
}
