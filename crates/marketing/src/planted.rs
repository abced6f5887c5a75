//! Demo behaviour with a planted structure, so that an offline evaluation means something: a
//! recommender scores well only by finding what was planted.
//!
//! What is planted, per household:
//! - a **life stage** (just moved in, home entertainment, kitchen upgrade, mobile) that weighs
//!   the categories they shop;
//! - a **budget**: where in each category's price range they look (a bell around a quantile);
//! - **series loyalty**: one product series they favour, and how strongly;
//! - an **accessory affinity**: how likely a big purchase is followed by accessories;
//! - an **activity** level (how many shopping sessions), heavy-tailed like real use.
//!
//! Per product, an **appeal** (log-normal: a few products are much more wanted than most), and per
//! category a **season** (air conditioners in summer, televisions around 11 November). A session
//! picks a category (stage × season; a household still in the market for one returns to it), views
//! a few products chosen by appeal × budget fit × loyalty, and may compare, favourite and buy the
//! best fitting one; a purchase may bring accessories a few days later. Deterministic for a seed.
use std::collections::BTreeMap;

use portal_api::EventKind;

use crate::als::SplitMix;

/// A product, as the generator needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlantItem {
    /// Top-level category (`tv`, `fridge`, `washer`, `ac`, `kitchen`, `accessory`).
    pub category: String,
    pub series: String,
    pub price: i64,
    pub withdrawn: bool,
}

/// One planted event: household `user` did `kind` with product `item` at `at`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlantedEvent {
    pub user: u32,
    pub item: u32,
    pub kind: EventKind,
    pub at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlantParams {
    pub households: usize,
    /// The behaviour falls in [start, end).
    pub start: i64,
    pub end: i64,
    /// Mean shopping sessions per household over the period.
    pub sessions: f64,
    pub seed: u64,
}

const DAY: i64 = 86_400;

/// Category weights per life stage.
const STAGES: &[(f64, &[(&str, f64)])] = &[
    (0.3, &[("fridge", 3.0), ("washer", 3.0), ("ac", 2.0), ("kitchen", 2.0), ("tv", 1.0), ("accessory", 0.3)]),
    (0.3, &[("tv", 4.0), ("accessory", 2.0), ("ac", 0.5), ("fridge", 0.3), ("washer", 0.3), ("kitchen", 0.3)]),
    (0.2, &[("kitchen", 4.0), ("fridge", 2.0), ("washer", 0.5), ("accessory", 0.3), ("tv", 0.3)]),
    (0.2, &[("accessory", 4.0), ("tv", 0.5), ("kitchen", 0.2)]),
];

/// How much more a category is shopped at this time of year.
pub fn season(category: &str, at: i64) -> f64 {
    let day_of_year = (at.div_euclid(DAY) as f64 % 365.2425) as i64;
    match category {
        "ac" => 1.0 + 2.0 * (std::f64::consts::TAU * (day_of_year - 200) as f64 / 365.0).cos().max(0.0),
        // 11 November (day 315), the year's biggest sale.
        "tv" => 1.0 + 1.5 * (-(((day_of_year - 315) as f64) / 8.0).powi(2)).exp(),
        _ => 1.0,
    }
}

struct Household {
    stage: usize,
    budget: f64,
    series: String,
    loyalty: f64,
    accessories: f64,
    sessions: usize,
}

struct Catalog<'a> {
    items: &'a [PlantItem],
    /// Per category: its products on sale (not withdrawn), and each one's price quantile in it.
    by_category: BTreeMap<&'a str, Vec<(u32, f64)>>,
    appeal: Vec<f64>,
}

impl<'a> Catalog<'a> {
    fn new(items: &'a [PlantItem], rng: &mut SplitMix) -> Self {
        let mut by_category: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
        for (i, item) in items.iter().enumerate() {
            if !item.withdrawn {
                by_category.entry(item.category.as_str()).or_default().push(i as u32);
            }
        }
        let by_category = by_category
            .into_iter()
            .map(|(category, mut ids)| {
                ids.sort_by_key(|&i| (items[i as usize].price, i));
                let n = ids.len().max(2) as f64 - 1.0;
                (category, ids.into_iter().enumerate().map(|(rank, i)| (i, rank as f64 / n)).collect())
            })
            .collect();
        let appeal = items.iter().map(|_| (normal(rng) * 0.9).exp()).collect();
        Catalog { items, by_category, appeal }
    }

    /// How much a household wants a product of a category it is shopping.
    fn fit(&self, h: &Household, item: u32, quantile: f64) -> f64 {
        let budget = (-((quantile - h.budget) / 0.18).powi(2)).exp();
        let loyal = if self.items[item as usize].series == h.series { 1.0 + 6.0 * h.loyalty } else { 1.0 };
        self.appeal[item as usize] * budget * loyal + 1e-9
    }
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut SplitMix) -> f64 {
    let u = rng.fraction().max(1e-12);
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * rng.fraction()).cos()
}

/// An index drawn with probability proportional to its weight.
fn pick(rng: &mut SplitMix, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.fraction() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// The planted behaviour, in time order.
pub fn plant(items: &[PlantItem], params: &PlantParams) -> Vec<PlantedEvent> {
    let mut rng = SplitMix(params.seed);
    let catalog = Catalog::new(items, &mut rng);
    let series: Vec<&str> = {
        let mut s: Vec<&str> = items.iter().map(|i| i.series.as_str()).collect();
        s.sort_unstable();
        s.dedup();
        s
    };
    let span = (params.end - params.start).max(DAY);
    let mut out = Vec::new();
    for user in 0..params.households as u32 {
        let stage = pick(&mut rng, &STAGES.iter().map(|s| s.0).collect::<Vec<_>>());
        let household = Household {
            stage,
            budget: (rng.fraction() + rng.fraction()) / 2.0,
            series: series.get(rng.below(series.len())).map(|s| s.to_string()).unwrap_or_default(),
            loyalty: 0.2 + 0.7 * rng.fraction(),
            accessories: 0.7 * rng.fraction(),
            sessions: 1 + (-(rng.fraction().max(1e-12)).ln() * (params.sessions - 1.0).max(0.0)) as usize,
        };
        let mut times: Vec<i64> =
            (0..household.sessions.min(60)).map(|_| params.start + (rng.fraction() * span as f64) as i64).collect();
        times.sort_unstable();
        let mut in_market: Option<&str> = None;
        for t in times {
            let category = match in_market {
                Some(c) if rng.fraction() < 0.6 => c,
                _ => {
                    let weights: Vec<f64> = STAGES[household.stage].1.iter().map(|(c, w)| w * season(c, t)).collect();
                    STAGES[household.stage].1[pick(&mut rng, &weights)].0
                }
            };
            let bought = session(&mut rng, &catalog, &household, user, category, t, params.end, &mut out);
            in_market = if bought { None } else { Some(category) };
            if bought && category != "accessory" && rng.fraction() < household.accessories {
                let later = t + DAY + rng.below(9) as i64 * DAY;
                if later < params.end {
                    session(&mut rng, &catalog, &household, user, "accessory", later, params.end, &mut out);
                }
            }
        }
    }
    out.sort_by_key(|e| (e.at, e.user));
    out
}

/// One shopping session in a category: views, maybe a comparison and a favourite, maybe a
/// purchase (returned).
#[allow(clippy::too_many_arguments)]
fn session(
    rng: &mut SplitMix,
    catalog: &Catalog<'_>,
    h: &Household,
    user: u32,
    category: &str,
    at: i64,
    end: i64,
    out: &mut Vec<PlantedEvent>,
) -> bool {
    let Some(products) = catalog.by_category.get(category) else { return false };
    let mut weights: Vec<f64> = products.iter().map(|&(i, q)| catalog.fit(h, i, q)).collect();
    let views = 1 + rng.below(5);
    let mut seen: Vec<(u32, f64)> = Vec::new();
    let mut t = at;
    for _ in 0..views.min(products.len()) {
        let k = pick(rng, &weights);
        seen.push((products[k].0, weights[k]));
        weights[k] = 0.0;
        if weights.iter().all(|w| *w <= 0.0) {
            break;
        }
    }
    let mut push = |kind: EventKind, item: u32, t: i64| {
        if t < end {
            out.push(PlantedEvent { user, item, kind, at: t });
        }
    };
    for &(item, _) in &seen {
        push(EventKind::ProductView, item, t);
        t += 30 + rng.below(240) as i64;
    }
    seen.sort_by(|a, b| b.1.total_cmp(&a.1));
    if seen.len() >= 2 && rng.fraction() < 0.3 {
        push(EventKind::Compare, seen[0].0, t);
        push(EventKind::Compare, seen[1].0, t);
        t += 60;
    }
    if rng.fraction() < 0.15 {
        push(EventKind::Favourite, seen[0].0, t);
        t += 60;
    }
    let buys = rng.fraction() < if category == "accessory" { 0.45 } else { 0.14 };
    if buys {
        push(EventKind::Purchase, seen[0].0, t + 600);
    }
    buys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Vec<PlantItem> {
        let mut items = vec![];
        for (c, base) in [("tv", 3000_00), ("fridge", 4000_00), ("ac", 2500_00), ("accessory", 50_00)] {
            for n in 0..20 {
                items.push(PlantItem {
                    category: c.into(),
                    series: ["A", "B", "C"][n % 3].into(),
                    price: base + n as i64 * 100_00,
                    withdrawn: n == 19,
                });
            }
        }
        items
    }

    fn params() -> PlantParams {
        PlantParams { households: 300, start: 1_780_000_000, end: 1_780_000_000 + 120 * DAY, sessions: 6.0, seed: 3 }
    }

    #[test]
    fn planted_behaviour_is_deterministic_ordered_and_never_withdrawn() {
        let items = catalog();
        let events = plant(&items, &params());
        assert_eq!(events, plant(&items, &params()));
        assert!(events.len() > 3000, "{}", events.len());
        assert!(events.windows(2).all(|w| w[0].at <= w[1].at));
        assert!(events.iter().all(|e| !items[e.item as usize].withdrawn));
        let p = params();
        assert!(events.iter().all(|e| e.at >= p.start && e.at < p.end));
        let purchases = events.iter().filter(|e| e.kind == EventKind::Purchase).count();
        assert!(purchases > 100, "{purchases}");
    }

    #[test]
    fn households_keep_to_their_series_and_budget() {
        let items = catalog();
        let events = plant(&items, &params());
        // Per household, the share of views in its most viewed series is far above a third.
        let mut per: BTreeMap<u32, BTreeMap<&str, u32>> = BTreeMap::new();
        for e in events.iter().filter(|e| e.kind == EventKind::ProductView) {
            *per.entry(e.user).or_default().entry(items[e.item as usize].series.as_str()).or_default() += 1;
        }
        let (mut top, mut all) = (0, 0);
        for series in per.values().filter(|s| s.values().sum::<u32>() >= 6) {
            top += series.values().max().unwrap();
            all += series.values().sum::<u32>();
        }
        assert!(f64::from(top) / f64::from(all) > 0.55, "{top}/{all}");
    }

    #[test]
    fn seasons_peak_where_planted() {
        let summer = 1_782_900_000; // mid-July 2026
        let winter = 1_767_500_000; // early January 2026
        assert!(season("ac", summer) > 2.5 && season("ac", winter) < 1.01);
        let singles_day = 1_794_355_200; // 11 November 2026
        assert!(season("tv", singles_day) > 2.4 && season("tv", summer) < 1.01);
        assert_eq!(season("fridge", summer), 1.0);
    }
}
