//! Offline search: full text over Chinese (bigrams) and English, model numbers with typo tolerance,
//! filters, sorting and facet counts.
//!
//! One pass over the full-text matches' ids, against the products' facts held in memory, filters,
//! counts the facets and keeps the best `offset + limit` by the chosen order; only the page's
//! bodies are then read from the database. Relevance
//! ranks products whose title (model, names, series) holds every term before those matched only in
//! their specs or variants, then what can be bought now before what cannot, then the newest.
use std::collections::BinaryHeap;

use portal_api::{wire_name, Lifecycle, MarketingTag, Product};
use rusqlite::OptionalExtension;

use super::{
    facts::{Fact, Facts},
    sync::tag_bits,
    tokens, FacetCount, ProductSummary, SearchQuery, SearchResult, SortOrder,
};
use crate::{cache::Cache, error::ClientResult};

pub const DEFAULT_LIMIT: u32 = 24;

/// A search's filters, compiled against the in-memory facts. Spec ranges and "at a store" are
/// resolved to sets of ids by the database first.
struct Filter {
    /// By position in `Facts::categories`: whether the category is inside the one asked for.
    categories: Option<Vec<bool>>,
    price_min: i64,
    price_max: i64,
    /// Bits of the lifecycle positions allowed; 0 allows all.
    lifecycles: u8,
    /// Tags that must all be present.
    tags: u8,
    sets: Vec<IdSet>,
}

impl Filter {
    fn new(cache: &Cache, facts: &Facts, q: &SearchQuery) -> ClientResult<Self> {
        let categories = q.category.as_ref().map(|wanted| {
            let inside = format!("{wanted}.");
            facts.categories.iter().map(|c| c == wanted || c.starts_with(&inside)).collect()
        });
        let mut sets = Vec::new();
        for range in &q.specs {
            let mut stmt = cache
                .conn
                .prepare_cached("SELECT product_id FROM product_specs WHERE key = ?1 AND num >= ?2 AND num <= ?3")?;
            let min = range.min.unwrap_or(f64::MIN);
            let max = range.max.unwrap_or(f64::MAX);
            let set = id_set(stmt.query(rusqlite::params![range.key, min, max])?)?;
            sets.push(set);
        }
        if let Some(store) = &q.store {
            // In stock there (a SKU on hand), for a store that keeps its stock in the portal; else
            // what it has on display.
            let has_ledger: bool = cache
                .conn
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM store_ledgers WHERE store = ?1)")?
                .query_row([store], |r| r.get(0))?;
            let mut stmt = cache.conn.prepare_cached(if has_ledger {
                "SELECT DISTINCT k.product_id FROM store_stock s JOIN product_skus k ON k.code = s.sku WHERE s.store = ?1"
            } else {
                "SELECT p.id FROM store_display d JOIN products p ON p.model = d.model WHERE d.store = ?1"
            })?;
            let set = id_set(stmt.query([store])?)?;
            sets.push(set);
        }
        Ok(Filter {
            categories,
            price_min: q.price_min.unwrap_or(i64::MIN),
            price_max: q.price_max.unwrap_or(i64::MAX),
            lifecycles: q.lifecycles.iter().fold(0, |bits, l| bits | 1 << (*l as u8)),
            tags: tag_bits(&q.tags) as u8,
            sets,
        })
    }

    fn passes(&self, id: i64, f: &Fact) -> bool {
        f.price >= self.price_min
            && f.price <= self.price_max
            && (self.lifecycles == 0 || self.lifecycles & (1 << f.lifecycle) != 0)
            && f.tags & self.tags == self.tags
            && self.categories.as_ref().is_none_or(|c| c.get(f.category as usize).copied().unwrap_or(false))
            && self.sets.iter().all(|s| s.contains(id))
    }
}

fn id_set(mut rows: rusqlite::Rows<'_>) -> ClientResult<IdSet> {
    let mut set = IdSet::default();
    while let Some(row) = rows.next()? {
        set.insert(row.get(0)?);
    }
    Ok(set)
}

pub fn image_url(cache: &Cache, id: &str) -> ClientResult<Option<String>> {
    Ok(cache
        .conn
        .prepare_cached("SELECT mime, data FROM catalog_images WHERE id = ?1")?
        .query_row([id], |r| Ok(format!("data:{};base64,{}", r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .optional()?)
}

pub fn summary(cache: &Cache, p: &Product, price: i64, withdrawn: bool) -> ClientResult<ProductSummary> {
    Ok(ProductSummary {
        model: p.model.clone(),
        name_zh: p.name_zh.clone(),
        name_en: p.name_en.clone(),
        category: p.category.clone(),
        lifecycle: p.lifecycle,
        price,
        tags: p.tags.clone(),
        image: match p.images.first() {
            Some(id) => image_url(cache, id)?,
            None => None,
        },
        withdrawn,
    })
}

fn facets(counts: impl IntoIterator<Item = (String, u32)>) -> Vec<FacetCount> {
    let mut out: Vec<FacetCount> =
        counts.into_iter().filter(|(_, count)| *count > 0).map(|(value, count)| FacetCount { value, count }).collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
    out
}

/// What can be bought now ranks before what cannot.
fn availability_rank(lifecycle: u8) -> i64 {
    match Lifecycle::ALL.get(lifecycle as usize) {
        Some(Lifecycle::OnSale) => 0,
        Some(Lifecycle::PreSale) => 1,
        Some(Lifecycle::Announced) => 2,
        _ => 3,
    }
}

/// A set of row ids, one bit each (ids are small and dense).
#[derive(Default)]
struct IdSet(Vec<u64>);

impl IdSet {
    fn insert(&mut self, id: i64) {
        let (word, bit) = ((id as usize) / 64, id % 64);
        if word >= self.0.len() {
            self.0.resize(word + 1, 0);
        }
        self.0[word] |= 1 << bit;
    }
    fn contains(&self, id: i64) -> bool {
        self.0.get((id as usize) / 64).is_some_and(|w| w & (1 << (id % 64)) != 0)
    }
}

/// Rows whose title holds every term of the expression.
fn title_hits(cache: &Cache, expression: &str) -> ClientResult<IdSet> {
    let mut stmt = cache.conn.prepare_cached("SELECT rowid FROM product_search WHERE product_search MATCH ?1")?;
    let set = id_set(stmt.query([format!("title : ({expression})")])?)?;
    Ok(set)
}

/// The running tally of one search: total, facets and the best rows so far.
struct Tally {
    keep: usize,
    best: BinaryHeap<([i64; 4], i64)>,
    total: u32,
    tops: Vec<u32>,
    lifecycles: [u32; Lifecycle::ALL.len()],
    tags: [u32; MarketingTag::ALL.len()],
}

impl Tally {
    fn count(&mut self, id: i64, f: &Fact, key: [i64; 4]) {
        self.total += 1;
        self.tops[f.top as usize] += 1;
        if let Some(count) = self.lifecycles.get_mut(f.lifecycle as usize) {
            *count += 1;
        }
        for (i, count) in self.tags.iter_mut().enumerate() {
            *count += u32::from((f.tags >> i) & 1);
        }
        if self.best.len() < self.keep {
            self.best.push((key, id));
        } else if self.best.peek().is_some_and(|worst| (key, id) < *worst) {
            self.best.pop();
            self.best.push((key, id));
        }
    }
}

pub fn search(cache: &Cache, q: &SearchQuery) -> ClientResult<SearchResult> {
    let limit = if q.limit == 0 { DEFAULT_LIMIT } else { q.limit.min(200) };
    let empty =
        SearchResult { total: 0, items: vec![], categories: vec![], lifecycles: vec![], tags: vec![], fuzzy: false };
    let text = q.text.trim();
    let expression = match text.is_empty() {
        true => None,
        // Text with nothing searchable in it (only punctuation) matches nothing.
        false => match tokens::match_expression(text) {
            Some(e) => Some(e),
            None => return Ok(empty),
        },
    };
    let facts = cache.catalog_facts()?;
    let filter = Filter::new(cache, &facts, q)?;
    let titles = match (&expression, q.sort) {
        (Some(e), SortOrder::Relevance) => Some(title_hits(cache, e)?),
        _ => None,
    };
    let order = |id: i64, f: &Fact| match (q.sort, &titles) {
        (SortOrder::Relevance, Some(titles)) => {
            [i64::from(!titles.contains(id)), availability_rank(f.lifecycle), -f.released_at, f.price]
        }
        (SortOrder::Relevance | SortOrder::Newest, _) => [-f.released_at, 0, 0, 0],
        (SortOrder::PriceAsc, _) => [f.price, 0, 0, 0],
        (SortOrder::PriceDesc, _) => [-f.price, 0, 0, 0],
    };

    // One pass: the total, the facets and the best `offset + limit` rows by the order asked for.
    let mut tally = Tally {
        keep: (q.offset + limit) as usize,
        best: BinaryHeap::new(),
        total: 0,
        tops: vec![0; facts.tops.len()],
        lifecycles: Default::default(),
        tags: Default::default(),
    };
    let mut visit = |id: i64| {
        if let Some(f) = facts.get(id) {
            if filter.passes(id, f) {
                tally.count(id, f, order(id, f));
            }
        }
    };
    match &expression {
        Some(e) => {
            let mut stmt =
                cache.conn.prepare_cached("SELECT rowid FROM product_search WHERE product_search MATCH ?1")?;
            let mut rows = stmt.query([e])?;
            while let Some(row) = rows.next()? {
                visit(row.get(0)?);
            }
        }
        None => facts.ids().for_each(visit),
    }
    if tally.total == 0 {
        return match &expression {
            Some(e) if !text_matches(cache, e)? => fuzzy_models(cache, q, &facts, &filter, limit),
            _ => Ok(empty),
        };
    }
    let mut items = Vec::new();
    for (_, id) in tally.best.into_sorted_vec().into_iter().skip(q.offset as usize) {
        if let (Some(product), Some(f)) = (body(cache, id)?, facts.get(id)) {
            items.push(summary(cache, &product, f.price, false)?);
        }
    }
    Ok(SearchResult {
        total: tally.total,
        items,
        categories: facets(facts.tops.iter().cloned().zip(tally.tops)),
        lifecycles: facets(Lifecycle::ALL.iter().zip(tally.lifecycles).map(|(l, n)| (wire_name(l), n))),
        tags: facets(MarketingTag::ALL.iter().zip(tally.tags).map(|(t, n)| (wire_name(t), n))),
        fuzzy: false,
    })
}

fn body(cache: &Cache, id: i64) -> ClientResult<Option<Product>> {
    let body: Option<String> = cache
        .conn
        .prepare_cached("SELECT body FROM product_bodies WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    Ok(body.and_then(|b| serde_json::from_str(&b).ok()))
}

/// Whether the text matches anything at all, filters aside.
fn text_matches(cache: &Cache, expression: &str) -> ClientResult<bool> {
    let mut stmt = cache.conn.prepare_cached("SELECT 1 FROM product_search WHERE product_search MATCH ?1 LIMIT 1")?;
    Ok(stmt.exists([expression])?)
}

/// When a model-like text matched nothing, the model numbers within a small edit distance that
/// pass the other filters.
fn fuzzy_models(
    cache: &Cache,
    q: &SearchQuery,
    facts: &Facts,
    filter: &Filter,
    limit: u32,
) -> ClientResult<SearchResult> {
    let typed: String = q.text.to_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let mut result =
        SearchResult { total: 0, items: vec![], categories: vec![], lifecycles: vec![], tags: vec![], fuzzy: true };
    if typed.len() < 4 || !typed.chars().any(|c| c.is_ascii_digit()) || !q.text.is_ascii() {
        result.fuzzy = false;
        return Ok(result);
    }
    let allowed = if typed.len() <= 6 { 1 } else { 2 };
    let mut close: Vec<(usize, String)> = Vec::new();
    {
        let mut stmt = cache.conn.prepare_cached("SELECT id, model FROM products WHERE withdrawn = 0")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            // The same filters, without the text.
            if !facts.get(id).is_some_and(|f| filter.passes(id, f)) {
                continue;
            }
            let model = row.get_ref(1)?.as_str().unwrap_or_default();
            let compact: String = model.to_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
            // Compare with the model's prefix of the typed length too, for a model typed in part.
            let whole = tokens::levenshtein(&typed, &compact);
            let prefix =
                compact.get(..typed.len().min(compact.len())).map(|p| tokens::levenshtein(&typed, p)).unwrap_or(whole);
            let distance = whole.min(prefix + 1);
            if distance <= allowed {
                close.push((distance, model.to_owned()));
            }
        }
    }
    close.sort();
    result.total = close.len() as u32;
    for (_, model) in close.into_iter().take(limit as usize) {
        if let Some((product, price, withdrawn)) = super::rows::product_row(cache, &model)? {
            result.items.push(summary(cache, &product, price, withdrawn)?);
        }
    }
    Ok(result)
}
