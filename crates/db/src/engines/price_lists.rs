//! Setting price-list entries: the scopes and SKUs a change touches are locked in one order, what
//! is kept for them is read, and the change is written only if no entry overlaps another
//! (`portal_distribution::prices::overlaps`). A new entry starting after a kept open-ended one
//! ends it the day before: that is how a price changes from a day on.
use portal_distribution::{
    prices::{overlaps, PriceEntry, PriceScope},
    Day,
};

use crate::{ConflictsWith, DbResult, PriceConflict, PriceListChange};

/// One scope's price list for one SKU.
pub type PriceKey = (PriceScope, String);

/// The rows price lists read and write, inside one transaction of a backend.
pub trait PriceListRows {
    /// Makes changes to these keys wait for each other until the transaction ends (the keys come
    /// sorted, so two changes never wait in a circle).
    fn lock_keys(&mut self, keys: &[PriceKey]) -> DbResult<()>;
    /// The entries kept for a key.
    fn kept_entries(&mut self, key: &PriceKey) -> DbResult<Vec<PriceEntry>>;
    fn insert_entry(&mut self, entry: &PriceEntry, change: &PriceListChange) -> DbResult<()>;
    /// Ends the kept open-ended entry of a key that starts on `valid_from` at `until`.
    fn end_entry(&mut self, key: &PriceKey, valid_from: Day, until: Day) -> DbResult<()>;
}

/// Keeps the change's entries, or none when one overlaps an entry kept or another of the change.
pub fn put(rows: &mut impl PriceListRows, change: &PriceListChange) -> DbResult<Result<u32, Vec<PriceConflict>>> {
    let mut keys: Vec<PriceKey> = change.entries.iter().map(|e| (e.scope.clone(), e.sku.clone())).collect();
    keys.sort();
    keys.dedup();
    rows.lock_keys(&keys)?;
    let mut kept = Vec::new();
    for key in &keys {
        kept.extend(rows.kept_entries(key)?);
    }
    // A kept open-ended price is followed, not overlapped, by a new open-ended one from a later day
    // (today or after: what was charged before stays as it was): it ends the day before the
    // change's first entry after it. A bounded entry alone (a promotion) ends nothing: the price
    // after it would be gone, so it still overlaps.
    let today = (change.at + portal_store_ops::day::LOCAL_OFFSET_SECS).div_euclid(86_400) as Day;
    let mut ends: Vec<(PriceKey, Day, Day)> = Vec::new();
    let mut checked = kept.clone();
    for k in checked.iter_mut().filter(|k| k.valid_until.is_none()) {
        let same = |e: &&PriceEntry| e.scope == k.scope && e.sku == k.sku && e.valid_from > k.valid_from;
        let followed = change.entries.iter().filter(same).any(|e| e.valid_until.is_none() && e.valid_from >= today);
        let next = change.entries.iter().filter(same).map(|e| e.valid_from).min();
        if let (true, Some(next)) = (followed, next) {
            if next >= today {
                k.valid_until = Some(next - 1);
                ends.push(((k.scope.clone(), k.sku.clone()), k.valid_from, next - 1));
            }
        }
    }
    let sent = kept.len();
    let all: Vec<PriceEntry> = checked.iter().chain(&change.entries).cloned().collect();
    let mut conflicts: Vec<PriceConflict> = overlaps(&all)
        .into_iter()
        .filter(|o| o.second >= sent)
        .map(|o| PriceConflict {
            index: o.second - sent,
            with: if o.first < sent {
                ConflictsWith::Kept(kept[o.first].clone())
            } else {
                ConflictsWith::Sent(o.first - sent)
            },
        })
        .collect();
    if !conflicts.is_empty() {
        conflicts.sort_by_key(|c| c.index);
        return Ok(Err(conflicts));
    }
    for (key, from, until) in &ends {
        rows.end_entry(key, *from, *until)?;
    }
    for entry in &change.entries {
        rows.insert_entry(entry, change)?;
    }
    Ok(Ok(change.entries.len() as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Table {
        rows: Vec<PriceEntry>,
        locked: Vec<PriceKey>,
    }

    impl PriceListRows for Table {
        fn lock_keys(&mut self, keys: &[PriceKey]) -> DbResult<()> {
            self.locked = keys.to_vec();
            Ok(())
        }
        fn kept_entries(&mut self, key: &PriceKey) -> DbResult<Vec<PriceEntry>> {
            Ok(self.rows.iter().filter(|e| e.scope == key.0 && e.sku == key.1).cloned().collect())
        }
        fn insert_entry(&mut self, entry: &PriceEntry, _: &PriceListChange) -> DbResult<()> {
            self.rows.push(entry.clone());
            Ok(())
        }
        fn end_entry(&mut self, key: &PriceKey, valid_from: Day, until: Day) -> DbResult<()> {
            let open = |e: &&mut PriceEntry| {
                e.scope == key.0 && e.sku == key.1 && e.valid_from == valid_from && e.valid_until.is_none()
            };
            for e in self.rows.iter_mut().filter(open) {
                e.valid_until = Some(until);
            }
            Ok(())
        }
    }

    fn entry(sku: &str, from: i32, until: Option<i32>) -> PriceEntry {
        PriceEntry {
            scope: PriceScope::List,
            sku: sku.into(),
            price: 100,
            floor: None,
            valid_from: from,
            valid_until: until,
        }
    }

    fn change(entries: Vec<PriceEntry>) -> PriceListChange {
        PriceListChange { entries, by: uuid::Uuid::nil(), at: 0 }
    }

    /// A change made on day 20.
    fn change_on_20(entries: Vec<PriceEntry>) -> PriceListChange {
        PriceListChange { entries, by: uuid::Uuid::nil(), at: 20 * 86_400 }
    }

    #[test]
    fn a_change_overlapping_what_is_kept_or_itself_is_refused_whole() {
        let mut table = Table::default();
        assert_eq!(put(&mut table, &change(vec![entry("A", 0, Some(9)), entry("B", 0, None)])).unwrap(), Ok(2));
        let refused = put(&mut table, &change(vec![entry("C", 0, None), entry("A", 5, None), entry("C", 3, None)]))
            .unwrap()
            .unwrap_err();
        assert_eq!(refused.len(), 2);
        assert_eq!(refused[0].index, 1);
        assert_eq!(refused[0].with, ConflictsWith::Kept(entry("A", 0, Some(9))));
        assert_eq!(refused[1], PriceConflict { index: 2, with: ConflictsWith::Sent(0) });
        assert_eq!(table.rows.len(), 2, "nothing of a refused change is kept");
        assert_eq!(put(&mut table, &change(vec![entry("A", 10, None)])).unwrap(), Ok(1));
        assert_eq!(table.locked, vec![(PriceScope::List, "A".to_owned())]);
    }

    #[test]
    fn a_new_price_from_a_day_ends_the_open_ended_one_the_day_before() {
        let mut table = Table::default();
        put(&mut table, &change(vec![entry("A", 0, None)])).unwrap().unwrap();
        assert_eq!(put(&mut table, &change(vec![entry("A", 30, None)])).unwrap(), Ok(1));
        assert_eq!(table.rows[0].valid_until, Some(29));
        // Starting on the same day is still an overlap: the kept entry cannot end before it starts.
        assert!(put(&mut table, &change(vec![entry("A", 30, Some(40))])).unwrap().is_err());
        assert_eq!(table.rows.len(), 2, "a refused change ends nothing");
        assert_eq!(table.rows[1].valid_until, None);
    }

    #[test]
    fn a_promotion_alone_or_a_price_from_the_past_ends_nothing() {
        let mut table = Table::default();
        put(&mut table, &change(vec![entry("A", 0, None)])).unwrap().unwrap();
        // A bounded entry alone would leave no price after it: still an overlap.
        assert!(put(&mut table, &change_on_20(vec![entry("A", 30, Some(40))])).unwrap().is_err());
        // From a day already past: what was charged then stays as it was.
        let refused = put(&mut table, &change_on_20(vec![entry("A", 10, None)])).unwrap().unwrap_err();
        assert_eq!(refused[0].with, ConflictsWith::Kept(entry("A", 0, None)), "reported as kept, unchanged");
        assert_eq!(table.rows[0].valid_until, None);
        // A promotion followed by the new price in one change: the old one ends before the promotion.
        assert_eq!(
            put(&mut table, &change_on_20(vec![entry("A", 30, Some(40)), entry("A", 41, None)])).unwrap(),
            Ok(2)
        );
        assert_eq!(table.rows[0].valid_until, Some(29));
    }
}
