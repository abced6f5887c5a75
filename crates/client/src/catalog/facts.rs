//! What a search filters, counts and orders by, for every product, held in memory: a few bytes a
//! product, loaded from the cache on the first search after a sync and dropped when a sync page
//! lands. Search then walks the full-text matches' ids against it instead of reading a row each.

use crate::error::ClientResult;

#[derive(Debug, Clone, Copy)]
pub struct Fact {
    /// Position in `Facts::categories`.
    pub category: u16,
    /// Position in `Facts::tops`.
    pub top: u16,
    /// Position in `Lifecycle::ALL`.
    pub lifecycle: u8,
    /// One bit per `MarketingTag::ALL` position.
    pub tags: u8,
    pub price: i64,
    pub released_at: i64,
}

#[derive(Debug, Default)]
pub struct Facts {
    /// By product row id; withdrawn products have none.
    pub by_id: Vec<Option<Fact>>,
    pub categories: Vec<String>,
    pub tops: Vec<String>,
}

fn position(list: &mut Vec<String>, value: &str) -> u16 {
    match list.iter().position(|v| v == value) {
        Some(i) => i as u16,
        None => {
            list.push(value.to_owned());
            (list.len() - 1) as u16
        }
    }
}

impl Facts {
    pub fn get(&self, id: i64) -> Option<&Fact> {
        self.by_id.get(usize::try_from(id).ok()?)?.as_ref()
    }

    pub fn ids(&self) -> impl Iterator<Item = i64> + '_ {
        self.by_id.iter().enumerate().filter(|(_, f)| f.is_some()).map(|(id, _)| id as i64)
    }

    /// Reads the facts of every product on sale from the cache's database.
    pub(crate) fn load(conn: &rusqlite::Connection) -> ClientResult<Self> {
        let mut facts = Facts::default();
        let mut stmt = conn.prepare_cached(
            "SELECT id, category, top_category, lifecycle, tag_bits, price, released_at FROM products WHERE withdrawn = 0",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let id = row.get::<_, i64>(0)? as usize;
            let fact = Fact {
                category: position(&mut facts.categories, row.get_ref(1)?.as_str().unwrap_or_default()),
                top: position(&mut facts.tops, row.get_ref(2)?.as_str().unwrap_or_default()),
                lifecycle: row.get(3)?,
                tags: row.get(4)?,
                price: row.get(5)?,
                released_at: row.get(6)?,
            };
            if id >= facts.by_id.len() {
                facts.by_id.resize(id + 1, None);
            }
            facts.by_id[id] = Some(fact);
        }
        Ok(facts)
    }
}
