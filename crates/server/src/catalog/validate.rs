//! Validation of a whole catalog import: every problem is reported by row and field, and nothing
//! is applied unless there are none.
use std::collections::{HashMap, HashSet};

use portal_api::*;

/// Maps (section, index within it, SKU index) to the row a person sees: the list position for
/// JSON, the CSV line for CSV.
pub type RowOf<'a> = &'a (dyn Fn(&str, usize, Option<usize>) -> usize + Sync);

pub fn json_rows(_: &str, index: usize, _: Option<usize>) -> usize {
    index + 1
}

/// True for a valid EAN-13 (digits and checksum).
pub fn ean13_ok(code: &str) -> bool {
    let digits: Vec<u32> = code.chars().filter_map(|c| c.to_digit(10)).collect();
    if code.len() != 13 || digits.len() != 13 {
        return false;
    }
    let sum: u32 = digits[..12].iter().enumerate().map(|(i, d)| if i % 2 == 0 { *d } else { d * 3 }).sum();
    (10 - sum % 10) % 10 == digits[12]
}

pub fn ean13_with_checksum(first12: &str) -> String {
    let sum: u32 = first12
        .chars()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d } else { d * 3 })
        .sum();
    format!("{first12}{}", (10 - sum % 10) % 10)
}

fn code_ok(code: &str, upper: bool) -> bool {
    (1..=40).contains(&code.len())
        && code.chars().all(|c| {
            c.is_ascii_digit()
                || "-_.".contains(c)
                || if upper { c.is_ascii_uppercase() } else { c.is_ascii_lowercase() }
        })
}

/// Checks `doc` on its own and against the categories already in the catalog.
/// The longest product or variant name, and the longest description, in characters.
pub const MAX_NAME: usize = 120;
pub const MAX_DESCRIPTION: usize = 4_000;

pub fn check(doc: &CatalogDocument, existing_categories: &[Category], row_of: RowOf<'_>) -> Vec<ImportProblem> {
    let mut problems = Vec::new();
    let mut problem = |row: usize, field: String, message: &str| {
        problems.push(ImportProblem { row, field, message: message.to_owned() })
    };

    let mut categories: HashMap<&str, &Category> = existing_categories.iter().map(|c| (c.code.as_str(), c)).collect();
    let mut seen = HashSet::new();
    for c in &doc.categories {
        categories.insert(c.code.as_str(), c);
    }
    for (i, c) in doc.categories.iter().enumerate() {
        let row = row_of("categories", i, None);
        if !code_ok(&c.code, false) {
            problem(
                row,
                "category.code".into(),
                "a category code has 1–40 lower-case letters, digits, '-', '_' or '.'",
            );
        }
        if !seen.insert(c.code.as_str()) {
            problem(row, "category.code".into(), "this category code appears twice");
        }
        if c.name_zh.trim().is_empty() || c.name_en.trim().is_empty() {
            problem(row, "category.name".into(), "a category needs a Chinese and an English name");
        }
        if let Some(parent) = &c.parent {
            if !categories.contains_key(parent.as_str()) || parent == &c.code {
                problem(row, "category.parent".into(), "the parent category does not exist");
            }
        }
        let mut keys = HashSet::new();
        for (j, s) in c.specs.iter().enumerate() {
            if !code_ok(&s.key, false) || !keys.insert(s.key.as_str()) {
                problem(row, format!("category.specs[{j}].key"), "spec keys are unique lower-case codes");
            }
        }
    }

    let mut models = HashSet::new();
    let mut sku_codes = HashSet::new();
    let mut barcodes = HashSet::new();
    for (i, p) in doc.products.iter().enumerate() {
        let row = row_of("products", i, None);
        if !code_ok(&p.model, true) || p.model.len() < 3 {
            problem(row, "model".into(), "a model number has 3–40 upper-case letters, digits, '-', '_' or '.'");
        }
        if !models.insert(p.model.as_str()) {
            problem(row, "model".into(), "this model number appears twice");
        }
        if p.name_zh.trim().is_empty() || p.name_en.trim().is_empty() {
            problem(row, "name".into(), "a product needs a Chinese and an English name");
        }
        if p.name_zh.chars().count() > MAX_NAME || p.name_en.chars().count() > MAX_NAME {
            problem(row, "name".into(), "a product's name has at most 120 characters");
        }
        if p.description_zh.chars().count() > MAX_DESCRIPTION || p.description_en.chars().count() > MAX_DESCRIPTION {
            problem(row, "description".into(), "a product's description has at most 4000 characters");
        }
        let Some(category) = categories.get(p.category.as_str()) else {
            problem(row, "category".into(), "no such category");
            continue;
        };
        for (key, value) in &p.specs {
            let field = format!("specs.{key}");
            match category.specs.iter().find(|d| &d.key == key).map(|d| &d.kind) {
                None => problem(row, field, "this spec is not defined for the product's category"),
                Some(SpecKind::Number { .. }) if !matches!(value, SpecValue::Number(n) if n.is_finite()) => {
                    problem(row, field, "this spec is a number")
                }
                Some(SpecKind::Choice { options }) => match value {
                    SpecValue::Text(t) if options.contains(t) => {}
                    _ => problem(row, field, "this spec must be one of the category's options"),
                },
                _ => {}
            }
        }
        if p.skus.is_empty() {
            problem(row, "skus".into(), "a product needs at least one SKU");
        }
        for (j, sku) in p.skus.iter().enumerate() {
            let row = row_of("products", i, Some(j));
            let field = |name: &str| format!("skus[{j}].{name}");
            if !code_ok(&sku.code, true) || !sku_codes.insert(sku.code.as_str()) {
                problem(row, field("code"), "SKU codes are unique upper-case codes");
            }
            if !ean13_ok(&sku.barcode) {
                problem(row, field("barcode"), "not a valid EAN-13 barcode (13 digits with a correct check digit)");
            } else if !barcodes.insert(sku.barcode.as_str()) {
                problem(row, field("barcode"), "this barcode is used by another SKU");
            }
            if sku.list_price <= 0 {
                problem(row, field("list_price"), "the list price must be above zero");
            }
            if sku.variant_zh.chars().count() > MAX_NAME || sku.variant_en.chars().count() > MAX_NAME {
                problem(row, field("variant"), "a variant's name has at most 120 characters");
            }
            if let Some(promo) = &sku.promotion {
                if promo.price <= 0 || promo.price >= sku.list_price {
                    problem(row, field("promotion.price"), "a promotion price is above zero and below the list price");
                }
                if promo.ends_at <= promo.starts_at {
                    problem(row, field("promotion.ends_at"), "a promotion ends after it starts");
                }
            }
            if matches!(sku.distributor_price, Some(p) if p <= 0 || p > sku.list_price) {
                problem(
                    row,
                    field("distributor_price"),
                    "a distributor price is above zero and at most the list price",
                );
            }
        }
        for (j, ch) in p.channels.iter().enumerate() {
            if !(ch.url.starts_with("https://") || ch.url.starts_with("http://")) {
                problem(row, format!("channels[{j}].url"), "a channel link is an http(s) address");
            }
        }
    }

    for (i, s) in doc.stores.iter().enumerate() {
        let row = row_of("stores", i, None);
        if !code_ok(&s.code, true) {
            problem(row, "store.code".into(), "a store code has upper-case letters, digits, '-', '_' or '.'");
        }
        if !(-90.0..=90.0).contains(&s.latitude) || !(-180.0..=180.0).contains(&s.longitude) {
            problem(row, "store.location".into(), "latitude is within ±90 and longitude within ±180");
        }
        if s.name_zh.trim().is_empty() || s.address.trim().is_empty() {
            problem(row, "store.name".into(), "a store needs a name and an address");
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ean13() {
        assert!(ean13_ok("6901234567892"));
        assert!(!ean13_ok("6901234567893"));
        assert!(!ean13_ok("690123456789"));
        assert_eq!(ean13_with_checksum("690123456789"), "6901234567892");
    }
}
