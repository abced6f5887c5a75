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

/// Joins the facts into rows. Each purchased line goes to the latest click on its product by the
/// same person within the window before it; each click converts at most once.
///
/// A counter offer is shown once per sale it goes with: an impression; each SKU the customer
/// accepted, a click; each the sale held, a conversion with its net. One that names a list of
/// another placement counts nowhere; one whose list the server never served (made on the device
/// offline) counts under `checkout`/`on_device`.
pub fn trail(
    lists: &[(Uuid, String, String, Option<String>, Option<Uuid>)],
    impressions: &[(Uuid, u32)],
    clicks: &[(Uuid, Uuid, String, i64)],
    purchases: &[(Uuid, String, i64, i64)],
    counter: &[CounterOutcome],
    model_of_sku: impl Fn(&str) -> Option<String>,
) -> Vec<TrailRow> {
    type Key = (String, String, Option<Uuid>, Option<String>);
    let mut rows: BTreeMap<Key, TrailRow> = BTreeMap::new();
    let mut group_of: HashMap<Uuid, Key> = HashMap::new();
    for (id, placement, algorithm, arm, experiment) in lists {
        let key = (placement.clone(), algorithm.clone(), *experiment, arm.clone());
        let row = rows.entry(key.clone()).or_insert_with(|| TrailRow {
            placement: placement.clone(),
            algorithm: algorithm.clone(),
            arm: arm.clone(),
            experiment: *experiment,
            ..Default::default()
        });
        row.lists += 1;
        group_of.insert(*id, key);
    }
    // A counter offer's impressions and acceptances come with its sale (below), never from an app.
    let from_apps = |id: &Uuid| group_of.get(id).filter(|key| key.0 != "checkout");
    let mut shown = std::collections::HashSet::new();
    for (id, n) in impressions {
        if let Some(row) = from_apps(id).and_then(|k| rows.get_mut(k)) {
            row.impressions += n;
            shown.insert(*id);
        }
    }
    // Clicks by (person, model), oldest first, with whether each converted already. A click
    // counts once per (list, person, product), and only on a list that was shown.
    let mut by_person: HashMap<(Uuid, String), Vec<(i64, Uuid, bool)>> = HashMap::new();
    let mut counted = std::collections::HashSet::new();
    let mut clicked = std::collections::HashSet::new();
    for (list, person, model, at) in clicks {
        if !shown.contains(list) || !counted.insert((*list, *person, model.clone())) {
            continue;
        }
        let Some(row) = from_apps(list).and_then(|k| rows.get_mut(k)) else { continue };
        row.clicks += 1;
        // An impression is a list shown to one person: their clicks on it make one clicked impression.
        if clicked.insert((*list, *person)) {
            row.clicked_lists += 1;
        }
        by_person.entry((*person, model.clone())).or_default().push((*at, *list, false));
    }
    for list in by_person.values_mut() {
        list.sort();
    }
    let mut purchases: Vec<&(Uuid, String, i64, i64)> = purchases.iter().collect();
    purchases.sort_by_key(|p| p.2);
    for (person, sku, at, net) in purchases {
        let Some(model) = model_of_sku(sku) else { continue };
        let Some(clicks) = by_person.get_mut(&(*person, model)) else { continue };
        let latest = clicks
            .iter_mut()
            .rev()
            .find(|(clicked, _, converted)| !converted && *clicked <= *at && at - clicked <= ATTRIBUTION_WINDOW_SECS);
        if let Some((_, list, converted)) = latest {
            *converted = true;
            if let Some(row) = group_of.get(list).and_then(|k| rows.get_mut(k)) {
                row.conversions += 1;
                row.revenue = row.revenue.saturating_add(*net);
            }
        }
    }
    let on_device: Key = ("checkout".to_owned(), ON_DEVICE.to_owned(), None, None);
    let mut device_lists = std::collections::HashSet::new();
    for offer in counter {
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
    rows.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_purchase_converts_the_latest_click_on_its_product_within_the_window() {
        let (home, product) = (Uuid::now_v7(), Uuid::now_v7());
        let (ann, bob) = (Uuid::now_v7(), Uuid::now_v7());
        let lists = vec![
            (home, "home".to_owned(), "popular".to_owned(), None, None),
            (product, "product".to_owned(), "item_to_item".to_owned(), None, None),
        ];
        let impressions = vec![(home, 4), (product, 2)];
        let day = 86_400;
        let clicks = vec![
            (home, ann, "TV".to_owned(), 0),
            (product, ann, "TV".to_owned(), day), // the latest click before the purchase
            (home, bob, "FRIDGE".to_owned(), 0),  // bought too late
            (home, bob, "PHONE".to_owned(), 0),   // never bought
        ];
        let purchases = vec![
            (ann, "TV-1".to_owned(), 2 * day, 5000_00),
            (ann, "TV-1".to_owned(), 3 * day, 5000_00), // converts the earlier click, still in its window
            (bob, "FRIDGE-1".to_owned(), 8 * day, 3000_00),
            (ann, "UNKNOWN".to_owned(), day, 1),
        ];
        let model = |sku: &str| sku.split('-').next().filter(|m| *m != "UNKNOWN").map(str::to_owned);
        let rows = trail(&lists, &impressions, &clicks, &purchases, &[], model);
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
    fn a_click_counts_once_per_list_person_and_product_and_only_after_an_impression() {
        let (list, unseen) = (Uuid::now_v7(), Uuid::now_v7());
        let me = Uuid::now_v7();
        let lists = vec![
            (list, "home".to_owned(), "popular".to_owned(), None, None),
            (unseen, "home".to_owned(), "popular".to_owned(), None, None),
        ];
        // One impression; twelve clicks on one's own list, three of them the same product again;
        // and a click on a list never shown.
        let mut clicks: Vec<_> = (0..9).map(|i| (list, me, format!("M{i}"), i)).collect();
        clicks.extend((0..3).map(|i| (list, me, "M0".to_owned(), 100 + i)));
        clicks.push((unseen, me, "M1".to_owned(), 5));
        let rows = trail(&lists, &[(list, 1)], &clicks, &[], &[], |_| None);
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].impressions, rows[0].clicks, rows[0].clicked_lists), (1, 9, 1));
        assert!(rows[0].click_rate() <= 1.0);
    }

    #[test]
    fn counter_offers_count_as_impressions_acceptances_and_sales() {
        let (served, home, offline) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let lists = vec![
            (served, "checkout".to_owned(), "item_to_item+accessories".to_owned(), None, None),
            (home, "home".to_owned(), "popular".to_owned(), None, None),
        ];
        let (store, elsewhere) = (Uuid::now_v7(), Uuid::now_v7());
        let offer = |list, accepted, converted, revenue| CounterOutcome {
            list,
            store,
            list_store: (list == served).then_some(store),
            accepted,
            converted,
            revenue,
        };
        let counter = [
            offer(served, 2, 1, 99_00),
            offer(served, 0, 0, 0),
            offer(home, 1, 1, 5_00), // names another placement's list: counts nowhere
            offer(offline, 1, 1, 39_00),
            offer(offline, 0, 0, 0),
            // The served list named at another store's sale: a promoter cannot borrow it.
            CounterOutcome { store: elsewhere, ..offer(served, 3, 3, 500_00) },
        ];
        // An app naming a counter offer's list in impressions and clicks adds nothing.
        let (impressions, clicks) = (vec![(served, 5)], vec![(served, Uuid::now_v7(), "CASE".to_owned(), 0)]);
        let rows = trail(&lists, &impressions, &clicks, &[], &counter, |_| None);
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
}
