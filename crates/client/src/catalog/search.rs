//! Offline search: full text over Chinese (bigrams) and English, model numbers with typo tolerance,
//! filters, sorting and facet counts.
use std::collections::BTreeMap;

use portal_api::Product;
use rusqlite::{params_from_iter, types::Value};

use super::{sync::tag_text, tokens, FacetCount, ProductSummary, SearchQuery, SearchResult, SortOrder};
use crate::{cache::Cache, error::ClientResult};

pub const DEFAULT_LIMIT: u32 = 24;

struct Built {
    from: String,
    conditions: Vec<String>,
    values: Vec<Value>,
}

fn build(q: &SearchQuery) -> Option<Built> {
    let mut b = Built { from: "products p".into(), conditions: vec!["p.withdrawn = 0".into()], values: Vec::new() };
    let text = q.text.trim();
    if !text.is_empty() {
        // Text with nothing searchable in it (only punctuation) matches nothing.
        let expression = tokens::match_expression(text)?;
        b.from = "products p JOIN product_search s ON s.rowid = p.id".into();
        b.conditions.push("product_search MATCH ?".into());
        b.values.push(Value::Text(expression));
    }
    if let Some(category) = &q.category {
        b.conditions.push("(p.category = ? OR p.category LIKE ? || '.%')".into());
        b.values.push(Value::Text(category.clone()));
        b.values.push(Value::Text(category.clone()));
    }
    if let Some(min) = q.price_min {
        b.conditions.push("p.price >= ?".into());
        b.values.push(Value::Integer(min));
    }
    if let Some(max) = q.price_max {
        b.conditions.push("p.price <= ?".into());
        b.values.push(Value::Integer(max));
    }
    for range in &q.specs {
        b.conditions.push(
            "EXISTS (SELECT 1 FROM product_specs ps WHERE ps.product_id = p.id AND ps.key = ? AND ps.num >= ? AND ps.num <= ?)"
                .into(),
        );
        b.values.push(Value::Text(range.key.clone()));
        b.values.push(Value::Real(range.min.unwrap_or(f64::MIN)));
        b.values.push(Value::Real(range.max.unwrap_or(f64::MAX)));
    }
    for tag in &q.tags {
        b.conditions.push("p.tags LIKE ?".into());
        b.values.push(Value::Text(format!("%|{}|%", tag_text(*tag))));
    }
    if !q.lifecycles.is_empty() {
        let marks = vec!["?"; q.lifecycles.len()].join(", ");
        b.conditions.push(format!("p.lifecycle IN ({marks})"));
        for l in &q.lifecycles {
            b.values.push(Value::Text(serde_json::to_value(l).ok()?.as_str()?.to_owned()));
        }
    }
    if let Some(store) = &q.store {
        b.conditions.push("EXISTS (SELECT 1 FROM store_display d WHERE d.store = ? AND d.model = p.model)".into());
        b.values.push(Value::Text(store.clone()));
    }
    Some(b)
}

pub fn image_url(cache: &Cache, id: &str) -> ClientResult<Option<String>> {
    use rusqlite::OptionalExtension;
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

fn facets(counts: BTreeMap<String, u32>) -> Vec<FacetCount> {
    let mut out: Vec<FacetCount> = counts.into_iter().map(|(value, count)| FacetCount { value, count }).collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
    out
}

pub fn search(cache: &Cache, q: &SearchQuery) -> ClientResult<SearchResult> {
    let limit = if q.limit == 0 { DEFAULT_LIMIT } else { q.limit.min(200) };
    let empty =
        SearchResult { total: 0, items: vec![], categories: vec![], lifecycles: vec![], tags: vec![], fuzzy: false };
    let Some(b) = build(q) else { return Ok(empty) };
    let filter = format!("FROM {} WHERE {}", b.from, b.conditions.join(" AND "));

    // Facets and the total over every match.
    let (mut categories, mut lifecycles, mut tags) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    let mut total = 0;
    {
        let mut stmt = cache.conn.prepare_cached(&format!("SELECT p.category, p.lifecycle, p.tags {filter}"))?;
        let mut rows = stmt.query(params_from_iter(b.values.iter()))?;
        while let Some(row) = rows.next()? {
            total += 1;
            let category: String = row.get(0)?;
            let top = category.split('.').next().unwrap_or_default().to_owned();
            *categories.entry(top).or_insert(0) += 1;
            *lifecycles.entry(row.get::<_, String>(1)?).or_insert(0) += 1;
            for tag in row.get::<_, String>(2)?.split('|').filter(|t| !t.is_empty()) {
                *tags.entry(tag.to_owned()).or_insert(0) += 1;
            }
        }
    }
    if total == 0 {
        return fuzzy_models(cache, q, limit);
    }
    let order = match q.sort {
        SortOrder::Relevance if !q.text.trim().is_empty() => "bm25(product_search), p.price",
        SortOrder::Relevance => "p.released_at DESC, p.model",
        SortOrder::PriceAsc => "p.price, p.model",
        SortOrder::PriceDesc => "p.price DESC, p.model",
        SortOrder::Newest => "p.released_at DESC, p.model",
    };
    let mut items = Vec::new();
    {
        let mut stmt = cache.conn.prepare_cached(&format!(
            "SELECT p.body, p.price {filter} ORDER BY {order} LIMIT {limit} OFFSET {}",
            q.offset
        ))?;
        let mut rows = stmt.query(params_from_iter(b.values.iter()))?;
        while let Some(row) = rows.next()? {
            let body: String = row.get(0)?;
            if let Ok(product) = serde_json::from_str::<Product>(&body) {
                items.push(summary(cache, &product, row.get(1)?, false)?);
            }
        }
    }
    Ok(SearchResult {
        total,
        items,
        categories: facets(categories),
        lifecycles: facets(lifecycles),
        tags: facets(tags),
        fuzzy: false,
    })
}

/// When nothing matched a model-like query, the model numbers within a small edit distance.
fn fuzzy_models(cache: &Cache, q: &SearchQuery, limit: u32) -> ClientResult<SearchResult> {
    let typed: String = q.text.to_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let mut result =
        SearchResult { total: 0, items: vec![], categories: vec![], lifecycles: vec![], tags: vec![], fuzzy: true };
    if typed.len() < 4 || !typed.chars().any(|c| c.is_ascii_digit()) || q.text.chars().any(|c| !c.is_ascii()) {
        result.fuzzy = false;
        return Ok(result);
    }
    let allowed = if typed.len() <= 6 { 1 } else { 2 };
    let mut close: Vec<(usize, String)> = Vec::new();
    {
        let mut stmt = cache.conn.prepare_cached("SELECT model FROM products WHERE withdrawn = 0")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let model: String = row.get(0)?;
            let compact: String = model.to_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
            // Compare with the model's prefix of the typed length too, for a model typed in part.
            let whole = tokens::levenshtein(&typed, &compact);
            let prefix =
                compact.get(..typed.len().min(compact.len())).map(|p| tokens::levenshtein(&typed, p)).unwrap_or(whole);
            let distance = whole.min(prefix + 1);
            if distance <= allowed {
                close.push((distance, model));
            }
        }
    }
    close.sort();
    result.total = close.len() as u32;
    for (_, model) in close.into_iter().take(limit as usize) {
        if let Some((product, price, withdrawn)) = super::view::product_row(cache, &model)? {
            result.items.push(summary(cache, &product, price, withdrawn)?);
        }
    }
    Ok(result)
}
