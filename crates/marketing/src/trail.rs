//! The trail from a recommendation to a purchase, per placement, algorithm and experiment arm:
//! lists served, impressions, clicks, conversions (a purchase of the clicked product by the person
//! who clicked it, within the attribution window) and the revenue they brought. No I/O.
use std::collections::{BTreeMap, HashMap};

use uuid::Uuid;

/// A purchase converts a click made at most this long before it.
pub const ATTRIBUTION_WINDOW_SECS: i64 = 7 * 86_400;

/// One group of lists (placement, algorithm, arm) and what came of them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrailRow {
    pub placement: String,
    pub algorithm: String,
    pub arm: Option<String>,
    /// The experiment the arm belongs to.
    pub experiment: Option<Uuid>,
    pub lists: u32,
    pub impressions: u32,
    /// Clicks, each (list, person, product) once, on a list shown before.
    pub clicks: u32,
    /// Impressions (a list shown to one person) with at least one click by that person: never
    /// more than the impressions, as a click needs its impression.
    pub clicked_lists: u32,
    pub conversions: u32,
    /// Fen.
    pub revenue: i64,
}

impl TrailRow {
    /// The share of impressions that were clicked (0 without impressions): at most 1, however
    /// many products of one list a person clicks.
    pub fn click_rate(&self) -> f64 {
        ratio(self.clicked_lists, self.impressions)
    }
    /// Conversions per click.
    pub fn conversion_rate(&self) -> f64 {
        ratio(self.conversions, self.clicks)
    }
}

fn ratio(a: u32, b: u32) -> f64 {
    if b == 0 {
        0.0
    } else {
        f64::from(a) / f64::from(b)
    }
}

/// A bundle offer shown at the counter with a sale: its list, how many of its SKUs the customer
/// accepted, how many of those the sale held, and their net.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CounterOutcome {
    pub list: Uuid,
    /// The store of the sale, and the store the named list was chosen for (when the server
    /// served it): an offer at another store's sale is not that list's.
    pub store: Uuid,
    pub list_store: Option<Uuid>,
    pub accepted: u32,
    pub converted: u32,
    pub revenue: i64,
}

/// The algorithm of a counter offer made on the device (no list of its id was served).
pub const ON_DEVICE: &str = "on_device";

/// The report's days are the stores' calendar days (China time, UTC+8, no daylight saving).
const DAY_OFFSET_SECS: i64 = 8 * 3_600;
const DAY_SECS: i64 = 86_400;

/// A day is sealed (rolled up, never read raw again) this long after it ends: what a device kept
/// offline for up to that long still counts.
pub const SEAL_AFTER_SECS: i64 = 2 * DAY_SECS;

/// The start of the day `at` falls in.
pub fn day_start(at: i64) -> i64 {
    (at + DAY_OFFSET_SECS).div_euclid(DAY_SECS) * DAY_SECS - DAY_OFFSET_SECS
}

/// The days to seal now, in order, each by its start: from the seal (or, before any, the day of
/// `earliest`) through the last day that ended `SEAL_AFTER_SECS` ago.
pub fn days_to_seal(sealed_until: Option<i64>, earliest: i64, now: i64) -> Vec<i64> {
    let mut day = sealed_until.unwrap_or_else(|| day_start(earliest));
    let mut days = Vec::new();
    while day + DAY_SECS + SEAL_AFTER_SECS <= now {
        days.push(day);
        day += DAY_SECS;
    }
    days
}

/// The report over the days from `since`'s: the sealed days in `sealed` (`[from, until)`, when
/// any is in the window), the rest read raw from `open_from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportWindow {
    pub from: i64,
    pub sealed: Option<(i64, i64)>,
    pub open_from: i64,
}

pub fn report_window(since: i64, sealed_until: Option<i64>) -> ReportWindow {
    let from = day_start(since);
    match sealed_until {
        Some(until) if until > from => ReportWindow { from, sealed: Some((from, until)), open_from: until },
        _ => ReportWindow { from, sealed: None, open_from: from },
    }
}

/// A list served (server-side), as the trail needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedGroup {
    pub id: Uuid,
    pub placement: String,
    pub algorithm: String,
    pub arm: Option<String>,
    pub experiment: Option<Uuid>,
    pub served_at: i64,
}

/// The first click of a person on a product of a list, made after the list was shown to the
/// same person (the key impressions are counted by; the storage reads no other).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Click {
    pub list: Uuid,
    /// The account, or an installation's anonymous events.
    pub person: Uuid,
    pub model: String,
    pub at: i64,
}

/// A purchased line of a customer's sale: what it cost less what came back, in fen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purchase {
    pub customer: Uuid,
    pub sku: String,
    pub at: i64,
    pub net: i64,
}

/// What the trail of a window `[from, until)` is made of. The storage reads what happened in the
/// window, and the clicks and purchases of the attribution window before it: those convert and
/// are converted but are not counted again (they were, in the window before).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrailFacts {
    /// Lists served in the window, and those its impressions, clicks and counter offers name.
    pub lists: Vec<ServedGroup>,
    /// (list, the people — or anonymous installations — shown it in the window).
    pub impressions: Vec<(Uuid, u32)>,
    /// From `ATTRIBUTION_WINDOW_SECS` before the window.
    pub clicks: Vec<Click>,
    /// From `ATTRIBUTION_WINDOW_SECS` before the window.
    pub purchases: Vec<Purchase>,
    /// The counter offers of sales in the window.
    pub counter: Vec<CounterOutcome>,
}

type GroupKey = (String, String, Option<Uuid>, Option<String>);

fn key_of(row: &TrailRow) -> GroupKey {
    (row.placement.clone(), row.algorithm.clone(), row.experiment, row.arm.clone())
}

/// Rows of the same placement, algorithm, experiment and arm added together (days rolled up, and
/// the day still open), in the order of their keys.
pub fn merge(rows: impl IntoIterator<Item = TrailRow>) -> Vec<TrailRow> {
    let mut merged: BTreeMap<GroupKey, TrailRow> = BTreeMap::new();
    for row in rows {
        match merged.entry(key_of(&row)) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(row);
            }
            std::collections::btree_map::Entry::Occupied(mut slot) => {
                let into = slot.get_mut();
                into.lists = into.lists.saturating_add(row.lists);
                into.impressions = into.impressions.saturating_add(row.impressions);
                into.clicks = into.clicks.saturating_add(row.clicks);
                into.clicked_lists = into.clicked_lists.saturating_add(row.clicked_lists);
                into.conversions = into.conversions.saturating_add(row.conversions);
                into.revenue = into.revenue.saturating_add(row.revenue);
            }
        }
    }
    merged.into_values().collect()
}

/// Joins a window's facts into rows. Each purchased line goes to the latest click on its product
/// by the same person within the attribution window before it; each click converts at most once.
/// Only what happened at or after `from` is counted: a list served, a click, a conversion.
///
/// A counter offer is shown once per sale it goes with: an impression; each SKU the customer
/// accepted, a click; each the sale held, a conversion with its net. One that names a list of
/// another placement counts nowhere; one whose list the server never served (made on the device
/// offline) counts under `checkout`/`on_device`.
pub fn trail(facts: &TrailFacts, from: i64, model_of_sku: impl Fn(&str) -> Option<String>) -> Vec<TrailRow> {
    let mut rows: BTreeMap<GroupKey, TrailRow> = BTreeMap::new();
    let mut group_of: HashMap<Uuid, GroupKey> = HashMap::new();
    for list in &facts.lists {
        let key = (list.placement.clone(), list.algorithm.clone(), list.experiment, list.arm.clone());
        let row = rows.entry(key.clone()).or_insert_with(|| TrailRow {
            placement: list.placement.clone(),
            algorithm: list.algorithm.clone(),
            arm: list.arm.clone(),
            experiment: list.experiment,
            ..Default::default()
        });
        if list.served_at >= from && !group_of.contains_key(&list.id) {
            row.lists += 1;
        }
        group_of.entry(list.id).or_insert(key);
    }
    // A counter offer's impressions and acceptances come with its sale (below), never from an app.
    let from_apps = |id: &Uuid| group_of.get(id).filter(|key| key.0 != "checkout");
    for (id, n) in &facts.impressions {
        if let Some(row) = from_apps(id).and_then(|k| rows.get_mut(k)) {
            row.impressions += n;
        }
    }
    // Clicks by (person, model), oldest first, with whether each converted already. A click
    // counts once per (list, person, product).
    let mut by_person: HashMap<(Uuid, String), Vec<(i64, Uuid, bool)>> = HashMap::new();
    let mut counted = std::collections::HashSet::new();
    let mut clicked = std::collections::HashSet::new();
    let mut clicks: Vec<&Click> = facts.clicks.iter().collect();
    clicks.sort_by_key(|c| c.at);
    for click in clicks {
        if !counted.insert((click.list, click.person, click.model.clone())) {
            continue;
        }
        let Some(key) = from_apps(&click.list) else { continue };
        if click.at >= from {
            let Some(row) = rows.get_mut(key) else { continue };
            row.clicks += 1;
            // An impression is a list shown to one person: their clicks on it make one clicked impression.
            if clicked.insert((click.list, click.person)) {
                row.clicked_lists += 1;
            }
        }
        by_person.entry((click.person, click.model.clone())).or_default().push((click.at, click.list, false));
    }
    let mut purchases: Vec<&Purchase> = facts.purchases.iter().collect();
    purchases.sort_by_key(|p| p.at);
    for purchase in purchases {
        let Some(model) = model_of_sku(&purchase.sku) else { continue };
        let Some(clicks) = by_person.get_mut(&(purchase.customer, model)) else { continue };
        let latest = clicks.iter_mut().rev().find(|(clicked, _, converted)| {
            !converted && *clicked <= purchase.at && purchase.at - clicked <= ATTRIBUTION_WINDOW_SECS
        });
        if let Some((_, list, converted)) = latest {
            *converted = true;
            if purchase.at < from {
                continue;
            }
            if let Some(row) = group_of.get(list).and_then(|k| rows.get_mut(k)) {
                row.conversions += 1;
                row.revenue = row.revenue.saturating_add(purchase.net);
            }
        }
    }
    let on_device: GroupKey = ("checkout".to_owned(), ON_DEVICE.to_owned(), None, None);
    let mut device_lists = std::collections::HashSet::new();
    for offer in &facts.counter {
        let key = match group_of.get(&offer.list) {
            // A list chosen for another store's counter does not count at this one.
            Some(key) if key.0 == "checkout" && offer.list_store.is_none_or(|s| s == offer.store) => key.clone(),
            Some(_) => continue,
            None => on_device.clone(),
        };
        let row = rows.entry(key).or_insert_with(|| TrailRow {
            placement: "checkout".to_owned(),
            algorithm: ON_DEVICE.to_owned(),
            ..Default::default()
        });
        if !group_of.contains_key(&offer.list) && device_lists.insert(offer.list) {
            row.lists += 1;
        }
        row.impressions += 1;
        row.clicks += offer.accepted;
        row.clicked_lists += u32::from(offer.accepted > 0);
        row.conversions += offer.converted;
        row.revenue = row.revenue.saturating_add(offer.revenue);
    }
    // A group only named by what happened in the window, with nothing of it counted, is no row.
    rows.into_values().filter(|r| r.lists + r.impressions + r.clicks + r.conversions > 0 || r.revenue != 0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(id: Uuid, placement: &str, algorithm: &str) -> ServedGroup {
        ServedGroup {
            id,
            placement: placement.into(),
            algorithm: algorithm.into(),
            arm: None,
            experiment: None,
            served_at: 0,
        }
    }

    fn click(list: Uuid, person: Uuid, model: &str, at: i64) -> Click {
        Click { list, person, model: model.into(), at }
    }

    fn purchase(customer: Uuid, sku: &str, at: i64, net: i64) -> Purchase {
        Purchase { customer, sku: sku.into(), at, net }
    }

    #[test]
    fn a_purchase_converts_the_latest_click_on_its_product_within_the_window() {
        let (home, product) = (Uuid::now_v7(), Uuid::now_v7());
        let (ann, bob) = (Uuid::now_v7(), Uuid::now_v7());
        let day = 86_400;
        let facts = TrailFacts {
            lists: vec![list(home, "home", "popular"), list(product, "product", "item_to_item")],
            impressions: vec![(home, 4), (product, 2)],
            clicks: vec![
                click(home, ann, "TV", 0),
                click(product, ann, "TV", day), // the latest click before the purchase
                click(home, bob, "FRIDGE", 0),  // bought too late
                click(home, bob, "PHONE", 0),   // never bought
            ],
            purchases: vec![
                purchase(ann, "TV-1", 2 * day, 5000_00),
                purchase(ann, "TV-1", 3 * day, 5000_00), // converts the earlier click, still in its window
                purchase(bob, "FRIDGE-1", 8 * day, 3000_00),
                purchase(ann, "UNKNOWN", day, 1),
            ],
            counter: vec![],
        };
        let model = |sku: &str| sku.split('-').next().filter(|m| *m != "UNKNOWN").map(str::to_owned);
        let rows = trail(&facts, 0, model);
        let home_row = rows.iter().find(|r| r.placement == "home").unwrap();
        let product_row = rows.iter().find(|r| r.placement == "product").unwrap();
        assert_eq!((home_row.lists, home_row.impressions, home_row.clicks, home_row.clicked_lists), (1, 4, 3, 2));
        assert_eq!((home_row.conversions, home_row.revenue), (1, 5000_00), "the second TV, by the home's click");
        assert_eq!((product_row.conversions, product_row.revenue), (1, 5000_00), "the first TV, by the latest click");
        assert!((home_row.click_rate() - 0.5).abs() < 1e-9, "two of the four people shown it clicked");
        assert!((product_row.conversion_rate() - 1.0).abs() < 1e-9);
        assert_eq!(TrailRow::default().click_rate(), 0.0);
    }

    #[test]
    fn a_click_counts_once_per_list_person_and_product() {
        let l = Uuid::now_v7();
        let me = Uuid::now_v7();
        // One impression; twelve clicks on one's own list, three of them the same product again.
        let mut clicks: Vec<_> = (0..9).map(|i| click(l, me, &format!("M{i}"), i)).collect();
        clicks.extend((0..3).map(|i| click(l, me, "M0", 100 + i)));
        let facts = TrailFacts {
            lists: vec![list(l, "home", "popular")],
            impressions: vec![(l, 1)],
            clicks,
            ..Default::default()
        };
        let rows = trail(&facts, 0, |_| None);
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].impressions, rows[0].clicks, rows[0].clicked_lists), (1, 9, 1));
        assert!(rows[0].click_rate() <= 1.0);
    }

    #[test]
    fn a_window_counts_what_happened_in_it_and_the_week_before_only_converts() {
        let day = 86_400;
        let (old, new) = (Uuid::now_v7(), Uuid::now_v7());
        let (ann, bob) = (Uuid::now_v7(), Uuid::now_v7());
        let facts = TrailFacts {
            lists: vec![
                list(old, "home", "popular"),
                ServedGroup { served_at: 10 * day, ..list(new, "home", "popular") },
            ],
            impressions: vec![(new, 1)],
            clicks: vec![
                click(old, ann, "TV", 8 * day),     // before the window: converts, is not counted
                click(old, bob, "FRIDGE", 8 * day), // converted before the window already
                click(new, bob, "PHONE", 10 * day),
            ],
            purchases: vec![
                purchase(bob, "FRIDGE-1", 9 * day, 3000_00),  // counted in the window before
                purchase(bob, "FRIDGE-1", 10 * day, 3000_00), // its click converted already
                purchase(ann, "TV-1", 10 * day + 5, 5000_00),
                purchase(bob, "PHONE-1", 11 * day, 2000_00),
            ],
            counter: vec![],
        };
        let model = |sku: &str| sku.split('-').next().map(str::to_owned);
        let rows = trail(&facts, 10 * day, model);
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(
            (r.lists, r.impressions, r.clicks, r.clicked_lists),
            (1, 1, 1, 1),
            "only the new list and its click"
        );
        assert_eq!((r.conversions, r.revenue), (2, 7000_00), "the TV by the old click, the phone by the new");
        // Days rolled up add together, group by group.
        let merged = merge([r.clone(), r.clone(), TrailRow { placement: "product".into(), lists: 2, ..r.clone() }]);
        assert_eq!(merged.len(), 2);
        let home = merged.iter().find(|m| m.placement == "home").unwrap();
        assert_eq!((home.lists, home.clicks, home.conversions, home.revenue), (2, 2, 4, 14000_00));
    }

    #[test]
    fn counter_offers_count_as_impressions_acceptances_and_sales() {
        let (served, home, offline) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let (store, elsewhere) = (Uuid::now_v7(), Uuid::now_v7());
        let offer = |list, accepted, converted, revenue| CounterOutcome {
            list,
            store,
            list_store: (list == served).then_some(store),
            accepted,
            converted,
            revenue,
        };
        let facts = TrailFacts {
            lists: vec![list(served, "checkout", "item_to_item+accessories"), list(home, "home", "popular")],
            // An app naming a counter offer's list in impressions and clicks adds nothing.
            impressions: vec![(served, 5)],
            clicks: vec![click(served, Uuid::now_v7(), "CASE", 0)],
            purchases: vec![],
            counter: vec![
                offer(served, 2, 1, 99_00),
                offer(served, 0, 0, 0),
                offer(home, 1, 1, 5_00), // names another placement's list: counts nowhere
                offer(offline, 1, 1, 39_00),
                offer(offline, 0, 0, 0),
                // The served list named at another store's sale: a promoter cannot borrow it.
                CounterOutcome { store: elsewhere, ..offer(served, 3, 3, 500_00) },
            ],
        };
        let rows = trail(&facts, 0, |_| None);
        let served_row = rows.iter().find(|r| r.algorithm == "item_to_item+accessories").unwrap();
        assert_eq!(
            (served_row.lists, served_row.impressions, served_row.clicks, served_row.conversions, served_row.revenue),
            (1, 2, 2, 1, 99_00)
        );
        let device_row = rows.iter().find(|r| r.algorithm == ON_DEVICE).unwrap();
        assert_eq!(device_row.placement, "checkout");
        assert_eq!(
            (device_row.lists, device_row.impressions, device_row.clicks, device_row.conversions, device_row.revenue),
            (1, 2, 1, 1, 39_00)
        );
        let home_row = rows.iter().find(|r| r.placement == "home").unwrap();
        assert_eq!((home_row.impressions, home_row.clicks, home_row.revenue), (0, 0, 0));
    }

    #[test]
    fn days_are_the_stores_calendar_and_seal_two_days_after_they_end() {
        // 2026-12-04 00:00 in China is 2026-12-03 16:00 UTC.
        let midnight = 1_796_342_400 - 8 * 3_600;
        assert_eq!(day_start(midnight), midnight);
        assert_eq!(day_start(midnight + 86_399), midnight);
        assert_eq!(day_start(midnight - 1), midnight - 86_400);
        // Nothing sealed yet: from the earliest day, through the day ended two days ago.
        let now = midnight + 3 * 86_400 + 10;
        assert_eq!(days_to_seal(None, midnight + 5, now), [midnight]);
        assert_eq!(days_to_seal(Some(midnight + 86_400), 0, now), Vec::<i64>::new());
        assert_eq!(days_to_seal(None, midnight - 2 * 86_400, now).len(), 3);
        // The report: sealed days in the window, the rest raw.
        let w = report_window(midnight - 5 * 86_400 + 7, Some(midnight));
        assert_eq!(
            w,
            ReportWindow {
                from: midnight - 5 * 86_400,
                sealed: Some((midnight - 5 * 86_400, midnight)),
                open_from: midnight
            }
        );
        assert_eq!(report_window(midnight + 7, Some(midnight)).sealed, None);
        assert_eq!(report_window(midnight + 7, None).open_from, midnight);
    }

    /// What the storage reads for the window `[from, until)` out of everything that happened
    /// (impressions given per event: (list, person, at)).
    fn window(all: &TrailFacts, shown: &[(Uuid, Uuid, i64)], from: i64, until: i64) -> TrailFacts {
        let before = from - ATTRIBUTION_WINDOW_SECS;
        let named: std::collections::HashSet<Uuid> = all
            .clicks
            .iter()
            .filter(|c| c.at >= before && c.at < until)
            .map(|c| c.list)
            .chain(shown.iter().filter(|s| s.2 >= from && s.2 < until).map(|s| s.0))
            .collect();
        let mut impressions: BTreeMap<Uuid, std::collections::HashSet<Uuid>> = BTreeMap::new();
        for (list, person, _) in shown.iter().filter(|s| s.2 >= from && s.2 < until) {
            impressions.entry(*list).or_default().insert(*person);
        }
        TrailFacts {
            lists: all
                .lists
                .iter()
                .filter(|l| (l.served_at >= from && l.served_at < until) || named.contains(&l.id))
                .cloned()
                .collect(),
            impressions: impressions.into_iter().map(|(l, p)| (l, p.len() as u32)).collect(),
            clicks: all.clicks.iter().filter(|c| c.at >= before && c.at < until).cloned().collect(),
            purchases: all.purchases.iter().filter(|p| p.at >= before && p.at < until).cloned().collect(),
            counter: vec![],
        }
    }

    #[test]
    fn the_days_rolled_up_add_up_to_the_window_read_whole() {
        let day: i64 = 86_400;
        let mut seed = 7u64;
        let mut next = |n: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % n
        };
        let people: Vec<Uuid> = (0..30).map(|i| Uuid::from_u128(1_000 + i)).collect();
        let models = ["TV", "FRIDGE", "PHONE", "CASE"];
        let mut all = TrailFacts::default();
        let mut shown = Vec::new();
        // Forty days of lists, each shown to its person and clicked now and then, the same day
        // (a list's id is per person and day); purchases over the days after.
        for i in 0..400u128 {
            let served_at = next(40) as i64 * day + next(day as u64) as i64;
            let placement = ["home", "product", "cart"][next(3) as usize];
            let id = Uuid::from_u128(10_000 + i);
            let person = people[next(30) as usize];
            all.lists.push(ServedGroup { served_at, ..list(id, placement, "popular") });
            let shown_at = served_at + next(600) as i64;
            if day_start(shown_at) == day_start(served_at) {
                shown.push((id, person, shown_at));
                for _ in 0..next(3) {
                    let at = shown_at + next(300) as i64;
                    if day_start(at) == day_start(served_at) {
                        all.clicks.push(click(id, person, models[next(4) as usize], at));
                    }
                }
            }
        }
        // The storage reads each (list, person, product) by its first click.
        all.clicks.sort_by_key(|c| c.at);
        let mut first = std::collections::HashSet::new();
        all.clicks.retain(|c| first.insert((c.list, c.person, c.model.clone())));
        for _ in 0..300 {
            let at = next(45) as i64 * day + next(day as u64) as i64;
            all.purchases.push(purchase(
                people[next(30) as usize],
                &format!("{}-1", models[next(4) as usize]),
                at,
                100_00,
            ));
        }
        let model = |sku: &str| sku.split('-').next().map(str::to_owned);
        let start = day_start(0);
        let end = day_start(45 * day) + day;
        let whole = trail(&window(&all, &shown, start, end), start, model);
        let days = (0..((end - start) / day)).flat_map(|d| {
            let from = start + d * day;
            trail(&window(&all, &shown, from, from + day), from, model)
        });
        let rolled = merge(days);
        assert_eq!(rolled, whole);
        assert!(whole.iter().map(|r| r.conversions).sum::<u32>() > 10, "{whole:?}");
    }
}
