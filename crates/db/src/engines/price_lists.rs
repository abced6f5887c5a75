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
    // The earliest new start after each kept open-ended entry ends it the day before.
    let mut ends: Vec<(PriceKey, Day, Day)> = Vec::new();
    for k in kept.iter_mut().filter(|k| k.valid_until.is_none()) {
        let next = change
            .entries
            .iter()
            .filter(|e| e.scope == k.scope && e.sku == k.sku && e.valid_from > k.valid_from)
            .map(|e| e.valid_from)
            .min();
        if let Some(next) = next {
            k.valid_until = Some(next - 1);
            ends.push(((k.scope.clone(), k.sku.clone()), k.valid_from, next - 1));
        }
    }
    let sent = kept.len();
    let all: Vec<PriceEntry> = kept.iter().chain(&change.entries).cloned().collect();
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
            for e in self.rows.iter_mut().filter(|e| e.scope == key.0 && e.sku == key.1 && e.valid_from == valid_from) {
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
}
