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
#[derive(Debug, Clone, PartialEq)]
pub struct CounterOutcome {
    pub list: Uuid,
    /// The group of the list it names, when the server served that list.
    pub group: Option<Group>,
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
/// offline for up to a week still counts, as does a return within the 7-day return window (a
/// counter offer's revenue is what its sale still holds when its day is sealed).
pub const SEAL_AFTER_SECS: i64 = 7 * DAY_SECS;

/// The longest window the operators' report covers.
pub const REPORT_DAYS_MAX: u32 = 90;

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

/// What the report counts lists by: placement, algorithm, experiment and arm.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Group {
    pub placement: String,
    pub algorithm: String,
    pub experiment: Option<Uuid>,
    pub arm: Option<String>,
}

impl Group {
    /// A group as the database keeps it: an experiment's id as text, '' or NULL for none.
    pub fn from_columns(
        placement: String,
        algorithm: String,
        experiment: Option<String>,
        arm: Option<String>,
    ) -> Group {
        Group {
            placement,
            algorithm,
            experiment: experiment.and_then(|e| Uuid::parse_str(&e).ok()),
            arm: arm.filter(|a| !a.is_empty()),
        }
    }
}

/// A person's impression of a list counts once, at the first; the storage looks this far before
/// a window for an earlier one (a list's id is a day's: one shown across midnight is one).
pub const IMPRESSION_LOOKBACK_SECS: i64 = DAY_SECS;

/// The first click of a person on a product of a list, made after the list was shown to the
/// same person (the key impressions are counted by; the storage reads no other).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Click {
    pub list: Uuid,
    pub group: Group,
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

/// What the trail of a window `[from, until)` is made of, counted by group where it can be (a
/// day's facts stay small however many people were served). The clicks and purchases reach back
/// the attribution window before it: those convert and are converted but are not counted again
/// (they were, in the window before).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrailFacts {
    /// Lists served in the window, per group.
    pub served: Vec<(Group, u32)>,
    /// People first shown a list in the window (`IMPRESSION_LOOKBACK_SECS`), per the list's group.
    pub impressions: Vec<(Group, u32)>,
    /// From `ATTRIBUTION_WINDOW_SECS` before the window.
    pub clicks: Vec<Click>,
    /// From `ATTRIBUTION_WINDOW_SECS` before the window.
    pub purchases: Vec<Purchase>,
    /// The counter offers of sales in the window.
    pub counter: Vec<CounterOutcome>,
}

type GroupKey = Group;

fn key_of(row: &TrailRow) -> GroupKey {
    Group {
        placement: row.placement.clone(),
        algorithm: row.algorithm.clone(),
        experiment: row.experiment,
        arm: row.arm.clone(),
    }
}

fn row_of(group: &Group) -> TrailRow {
    TrailRow {
        placement: group.placement.clone(),
        algorithm: group.algorithm.clone(),
        arm: group.arm.clone(),
        experiment: group.experiment,
        ..Default::default()
    }
}

/// A click a purchase may convert: when, its list's group, and whether one did already.
struct Convertible<'a> {
    at: i64,
    group: &'a Group,
    converted: bool,
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
    let mut rows: BTreeMap<Group, TrailRow> = BTreeMap::new();
    for (group, n) in &facts.served {
        rows.entry(group.clone()).or_insert_with(|| row_of(group)).lists += n;
    }
    // A counter offer's impressions and acceptances come with its sale (below), never from an app.
    let from_app = |group: &Group| group.placement != "checkout";
    for (group, n) in facts.impressions.iter().filter(|(g, _)| from_app(g)) {
        rows.entry(group.clone()).or_insert_with(|| row_of(group)).impressions += n;
    }
    // Clicks by (person, model), oldest first, with whether each converted already. A click
    // counts once per (list, person, product); a list a person clicked before the window is not
    // clicked again in it.
    let mut by_person: HashMap<(Uuid, String), Vec<Convertible<'_>>> = HashMap::new();
    let mut counted = std::collections::HashSet::new();
    let mut clicked = std::collections::HashSet::new();
    let mut clicks: Vec<&Click> = facts.clicks.iter().filter(|c| from_app(&c.group)).collect();
    clicks.sort_by_key(|c| c.at);
    for click in clicks {
        if !counted.insert((click.list, click.person, click.model.as_str())) {
            continue;
        }
        let first_of_list = clicked.insert((click.list, click.person));
        if click.at >= from {
            let row = rows.entry(click.group.clone()).or_insert_with(|| row_of(&click.group));
            row.clicks += 1;
            // An impression is a list shown to one person: their clicks on it make one clicked impression.
            row.clicked_lists += u32::from(first_of_list);
        }
        by_person.entry((click.person, click.model.clone())).or_default().push(Convertible {
            at: click.at,
            group: &click.group,
            converted: false,
        });
    }
    let mut purchases: Vec<&Purchase> = facts.purchases.iter().collect();
    purchases.sort_by_key(|p| p.at);
    for purchase in purchases {
        let Some(model) = model_of_sku(&purchase.sku) else { continue };
        let Some(clicks) = by_person.get_mut(&(purchase.customer, model)) else { continue };
        let latest = clicks
            .iter_mut()
            .rev()
            .find(|c| !c.converted && c.at <= purchase.at && purchase.at - c.at <= ATTRIBUTION_WINDOW_SECS);
        if let Some(click) = latest {
            click.converted = true;
            if purchase.at < from {
                continue;
            }
            let row = rows.entry(click.group.clone()).or_insert_with(|| row_of(click.group));
            row.conversions += 1;
            row.revenue = row.revenue.saturating_add(purchase.net);
        }
    }
    let on_device =
        Group { placement: "checkout".to_owned(), algorithm: ON_DEVICE.to_owned(), experiment: None, arm: None };
    let mut device_lists = std::collections::HashSet::new();
    for offer in &facts.counter {
        let group = match &offer.group {
            // A list chosen for another store's counter does not count at this one.
            Some(group) if group.placement == "checkout" && offer.list_store.is_none_or(|s| s == offer.store) => group,
            Some(_) => continue,
            None => &on_device,
        };
        let row = rows.entry(group.clone()).or_insert_with(|| row_of(group));
        if offer.group.is_none() && device_lists.insert(offer.list) {
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

    fn group(placement: &str, algorithm: &str) -> Group {
        Group { placement: placement.into(), algorithm: algorithm.into(), experiment: None, arm: None }
    }

    fn click(list: Uuid, group: &Group, person: Uuid, model: &str, at: i64) -> Click {
        Click { list, group: group.clone(), person, model: model.into(), at }
    }

    fn purchase(customer: Uuid, sku: &str, at: i64, net: i64) -> Purchase {
        Purchase { customer, sku: sku.into(), at, net }
    }

    #[test]
    fn a_purchase_converts_the_latest_click_on_its_product_within_the_window() {
        let (home, product) = (Uuid::now_v7(), Uuid::now_v7());
        let (h, p) = (group("home", "popular"), group("product", "item_to_item"));
        let (ann, bob) = (Uuid::now_v7(), Uuid::now_v7());
        let day = 86_400;
        let facts = TrailFacts {
            served: vec![(h.clone(), 1), (p.clone(), 1)],
            impressions: vec![(h.clone(), 4), (p.clone(), 2)],
            clicks: vec![
                click(home, &h, ann, "TV", 0),
                click(product, &p, ann, "TV", day), // the latest click before the purchase
                click(home, &h, bob, "FRIDGE", 0),  // bought too late
                click(home, &h, bob, "PHONE", 0),   // never bought
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
        let (l, h) = (Uuid::now_v7(), group("home", "popular"));
        let me = Uuid::now_v7();
        // One impression; twelve clicks on one's own list, three of them the same product again.
        let mut clicks: Vec<_> = (0..9).map(|i| click(l, &h, me, &format!("M{i}"), i)).collect();
        clicks.extend((0..3).map(|i| click(l, &h, me, "M0", 100 + i)));
        let facts =
            TrailFacts { served: vec![(h.clone(), 1)], impressions: vec![(h, 1)], clicks, ..Default::default() };
        let rows = trail(&facts, 0, |_| None);
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].impressions, rows[0].clicks, rows[0].clicked_lists), (1, 9, 1));
        assert!(rows[0].click_rate() <= 1.0);
    }

    #[test]
    fn a_window_counts_what_happened_in_it_and_the_week_before_only_converts() {
        let day = 86_400;
        let (old, new, h) = (Uuid::now_v7(), Uuid::now_v7(), group("home", "popular"));
        let (ann, bob) = (Uuid::now_v7(), Uuid::now_v7());
        let facts = TrailFacts {
            served: vec![(h.clone(), 1)],
            impressions: vec![(h.clone(), 1)],
            clicks: vec![
                click(old, &h, ann, "TV", 8 * day),     // before the window: converts, is not counted
                click(old, &h, bob, "FRIDGE", 8 * day), // converted before the window already
                click(old, &h, bob, "CASE", 10 * day),  // the same list clicked again: a click, not a clicked list
                click(new, &h, bob, "PHONE", 10 * day),
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
        assert_eq!((r.lists, r.impressions, r.clicks, r.clicked_lists), (1, 1, 2, 1), "the new list and two clicks");
        assert_eq!((r.conversions, r.revenue), (2, 7000_00), "the TV by the old click, the phone by the new");
        // Days rolled up add together, group by group.
        let merged = merge([r.clone(), r.clone(), TrailRow { placement: "product".into(), lists: 2, ..r.clone() }]);
        assert_eq!(merged.len(), 2);
        let home = merged.iter().find(|m| m.placement == "home").unwrap();
        assert_eq!((home.lists, home.clicks, home.conversions, home.revenue), (2, 4, 4, 14000_00));
    }

    #[test]
    fn counter_offers_count_as_impressions_acceptances_and_sales() {
        let (served, home, offline) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let (c, h) = (group("checkout", "item_to_item+accessories"), group("home", "popular"));
        let (store, elsewhere) = (Uuid::now_v7(), Uuid::now_v7());
        let offer = |list, accepted, converted, revenue| CounterOutcome {
            list,
            group: if list == served {
                Some(c.clone())
            } else if list == home {
                Some(h.clone())
            } else {
                None
            },
            store,
            list_store: (list == served).then_some(store),
            accepted,
            converted,
            revenue,
        };
        let facts = TrailFacts {
            served: vec![(c.clone(), 1), (h.clone(), 1)],
            // An app naming a counter offer's list in impressions and clicks adds nothing.
            impressions: vec![(c.clone(), 5)],
            clicks: vec![click(served, &c, Uuid::now_v7(), "CASE", 0)],
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
    fn days_are_the_stores_calendar_and_seal_after_they_end() {
        // 2026-12-04 00:00 in China.
        let midnight = 1_796_342_400 - 8 * 3_600;
        assert_eq!(day_start(midnight), midnight);
        assert_eq!(day_start(midnight + 86_399), midnight);
        assert_eq!(day_start(midnight - 1), midnight - 86_400);
        // Nothing sealed yet: from the earliest day, through the day that ended `SEAL_AFTER_SECS` ago.
        let now = midnight + 86_400 + SEAL_AFTER_SECS + 10;
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

    /// A list served, to whom, and its group.
    struct Served {
        id: Uuid,
        group: Group,
        at: i64,
    }

    /// What the storage reads for the window `[from, until)` out of everything that happened
    /// (impressions given per event: (list, person, at)).
    fn window(
        lists: &[Served],
        shown: &[(Uuid, Uuid, i64)],
        clicks: &[Click],
        purchases: &[Purchase],
        from: i64,
        until: i64,
    ) -> TrailFacts {
        let before = from - ATTRIBUTION_WINDOW_SECS;
        let group_of: HashMap<Uuid, &Group> = lists.iter().map(|l| (l.id, &l.group)).collect();
        let mut served: BTreeMap<Group, u32> = BTreeMap::new();
        for l in lists.iter().filter(|l| l.at >= from && l.at < until) {
            *served.entry(l.group.clone()).or_default() += 1;
        }
        let mut first: HashMap<(Uuid, Uuid), i64> = HashMap::new();
        for (list, person, at) in shown.iter().filter(|s| s.2 >= from - IMPRESSION_LOOKBACK_SECS && s.2 < until) {
            let slot = first.entry((*list, *person)).or_insert(*at);
            *slot = (*slot).min(*at);
        }
        let mut impressions: BTreeMap<Group, u32> = BTreeMap::new();
        for ((list, _), at) in first.into_iter().filter(|(_, at)| *at >= from) {
            *impressions.entry(group_of[&list].clone()).or_default() += 1;
            let _ = at;
        }
        TrailFacts {
            served: served.into_iter().collect(),
            impressions: impressions.into_iter().collect(),
            clicks: clicks.iter().filter(|c| c.at >= before && c.at < until).cloned().collect(),
            purchases: purchases.iter().filter(|p| p.at >= before && p.at < until).cloned().collect(),
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
        let (mut lists, mut shown, mut clicks, mut purchases) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        // Forty days of lists, each shown to its person (some across midnight, some again an hour
        // later) and clicked now and then; purchases over the days after.
        for i in 0..400u128 {
            let at = next(40) as i64 * day + next(day as u64) as i64;
            let g = group(["home", "product", "cart"][next(3) as usize], "popular");
            let id = Uuid::from_u128(10_000 + i);
            let person = people[next(30) as usize];
            lists.push(Served { id, group: g.clone(), at });
            let shown_at = at + next(7_200) as i64;
            shown.push((id, person, shown_at));
            if next(2) == 0 {
                shown.push((id, person, shown_at + 3_600));
            }
            for _ in 0..next(3) {
                clicks.push(click(id, &g, person, models[next(4) as usize], shown_at + next(7_200) as i64));
            }
        }
        // The storage reads each (list, person, product) by its first click.
        clicks.sort_by_key(|c| c.at);
        let mut seen = std::collections::HashSet::new();
        clicks.retain(|c| seen.insert((c.list, c.person, c.model.clone())));
        for _ in 0..300 {
            let at = next(45) as i64 * day + next(day as u64) as i64;
            purchases.push(purchase(people[next(30) as usize], &format!("{}-1", models[next(4) as usize]), at, 100_00));
        }
        let model = |sku: &str| sku.split('-').next().map(str::to_owned);
        let start = day_start(0);
        let end = day_start(45 * day) + day;
        let whole = trail(&window(&lists, &shown, &clicks, &purchases, start, end), start, model);
        let days = (0..((end - start) / day)).flat_map(|d| {
            let from = start + d * day;
            trail(&window(&lists, &shown, &clicks, &purchases, from, from + day), from, model)
        });
        let rolled = merge(days);
        assert_eq!(rolled, whole);
        assert!(whole.iter().map(|r| r.conversions).sum::<u32>() > 10, "{whole:?}");
        assert!(whole.iter().map(|r| r.clicked_lists).sum::<u32>() > 100, "{whole:?}");
    }
}
