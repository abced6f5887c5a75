//! Pricing an order's lines for a dealer: each SKU must be in the catalog (not withdrawn), ordered
//! once, in a quantity that keeps to its minimum and case pack, and priced from the dealer's price
//! lists (the catalog's dealer price when no list entry holds). A special price asked below the
//! dealer's price sends the order to price review, where the floor tells the reviewer how far it
//! goes (the floor is the brand's, never shown to the dealer: a dealer who could see it, or probe
//! for it, would ask it every time). Every bad line is reported; nothing is ordered
//! while one is.
use std::collections::HashMap;

use portal_api::{LineProblem, OrderLineDraft, QuoteLine};

use crate::{
    line_total,
    prices::{check_quantity, resolve, Buyer, PackRule, PriceEntry, PriceScope, QuantityProblem},
    Day, Fen,
};

/// What the catalog says of a SKU a dealer may order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkuFacts {
    pub name_zh: String,
    pub name_en: String,
    /// The catalog's price to dealers, when it has one.
    pub dealer_price: Option<Fen>,
    pub rule: PackRule,
}

fn scope_name(scope: &PriceScope) -> &'static str {
    match scope {
        PriceScope::Dealer(_) => "dealer",
        PriceScope::Tier(_) => "tier",
        PriceScope::Region(_) => "region",
        PriceScope::List => "list",
    }
}

fn problem(index: usize, sku: &str, key: &str, message: String, suggestions: Vec<u32>) -> LineProblem {
    LineProblem { index: index as u32, sku: sku.to_owned(), key: key.to_owned(), message, suggestions }
}

/// Each line priced, or its problem. `catalog` holds the SKUs found (a SKU absent is unknown or
/// withdrawn); `entries` the price-list entries valid on `day` for the buyer's scopes.
pub fn quote(
    lines: &[OrderLineDraft],
    catalog: &HashMap<String, SkuFacts>,
    entries: &[PriceEntry],
    buyer: &Buyer,
    day: Day,
) -> (Vec<QuoteLine>, Vec<LineProblem>) {
    let mut priced = Vec::with_capacity(lines.len());
    let mut problems = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let sku = line.sku.as_str();
        if lines[..index].iter().any(|l| l.sku == line.sku) {
            problems.push(problem(
                index,
                sku,
                "sku_twice",
                format!("{sku} is on an earlier line: add them up"),
                vec![],
            ));
            continue;
        }
        let Some(facts) = catalog.get(sku) else {
            problems.push(problem(
                index,
                sku,
                "unknown_sku",
                format!("{sku} is not in the catalog, or was withdrawn"),
                vec![],
            ));
            continue;
        };
        if let Err(e) = check_quantity(line.quantity, facts.rule) {
            let (key, suggestions) = match e {
                QuantityProblem::Zero => ("below_minimum", vec![facts.rule.min_order.max(1)]),
                QuantityProblem::BelowMinimum { min_order } => ("below_minimum", vec![min_order]),
                QuantityProblem::NotWholeCases { below, above, .. } => {
                    ("not_whole_cases", below.into_iter().chain([above]).collect())
                }
            };
            problems.push(problem(index, sku, key, format!("{sku}: {e}"), suggestions));
            continue;
        }
        let resolved = resolve(entries, sku, buyer, day).or_else(|| {
            facts.dealer_price.map(|price| crate::prices::Resolved { price, floor: None, scope: PriceScope::List })
        });
        let Some(resolved) = resolved else {
            problems.push(problem(index, sku, "no_price", format!("{sku} has no dealer price yet"), vec![]));
            continue;
        };
        let (unit_price, special_price) = match line.asked_price {
            None => (resolved.price, false),
            Some(asked) if asked <= 0 => {
                problems.push(problem(index, sku, "bad_price", format!("{sku}: a price asked is above zero"), vec![]));
                continue;
            }
            // Asking more than the price list's is asking for the price list's.
            Some(asked) if asked >= resolved.price => (resolved.price, false),
            Some(asked) => (asked, true),
        };
        let below_floor = special_price && resolved.floor.is_some_and(|floor| unit_price < floor);
        let Ok(total) = line_total(unit_price, line.quantity) else {
            problems.push(problem(index, sku, "bad_price", format!("{sku}: the line's total is too large"), vec![]));
            continue;
        };
        priced.push(QuoteLine {
            sku: sku.to_owned(),
            name_zh: facts.name_zh.clone(),
            name_en: facts.name_en.clone(),
            quantity: line.quantity,
            unit_price,
            list_price: resolved.price,
            floor: resolved.floor,
            special_price,
            below_floor,
            line_total: total,
            price_source: scope_name(&resolved.scope).to_owned(),
            min_order: facts.rule.min_order,
            case_pack: facts.rule.case_pack,
        });
    }
    (priced, problems)
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn facts(price: Option<Fen>, rule: PackRule) -> SkuFacts {
        SkuFacts { name_zh: "电视".into(), name_en: "TV".into(), dealer_price: price, rule }
    }

    fn line(sku: &str, quantity: u32, asked: Option<Fen>) -> OrderLineDraft {
        OrderLineDraft { sku: sku.into(), quantity, asked_price: asked }
    }

    #[test]
    fn each_bad_line_is_reported_and_good_ones_are_priced_from_the_lists() {
        let one = PackRule { min_order: 1, case_pack: 1 };
        let catalog: HashMap<String, SkuFacts> = [
            ("TV".to_owned(), facts(Some(3_000_00), one)),
            ("AC".to_owned(), facts(Some(2_000_00), PackRule { min_order: 2, case_pack: 2 })),
            ("WM".to_owned(), facts(None, one)),
        ]
        .into();
        let dealer = Uuid::from_u128(9);
        let entries = vec![PriceEntry {
            scope: PriceScope::Dealer(dealer),
            sku: "TV".into(),
            price: 2_800_00,
            floor: Some(2_500_00),
            valid_from: 0,
            valid_until: None,
        }];
        let buyer = Buyer { dealer, tier: None, region: None };
        let lines = [
            line("TV", 3, Some(2_600_00)),
            line("AC", 3, None),
            line("XX", 1, None),
            line("WM", 1, None),
            line("TV", 1, None),
        ];
        let (priced, problems) = quote(&lines, &catalog, &entries, &buyer, 5);
        assert_eq!(priced.len(), 1);
        let first = &priced[0];
        assert_eq!((first.unit_price, first.list_price), (2_600_00, 2_800_00));
        assert!(first.special_price && !first.below_floor, "reviewed, though above the floor");
        assert_eq!(priced[0].price_source, "dealer");
        let keys: Vec<(u32, &str)> = problems.iter().map(|p| (p.index, p.key.as_str())).collect();
        assert_eq!(keys, [(1, "not_whole_cases"), (2, "unknown_sku"), (3, "no_price"), (4, "sku_twice")]);
        assert_eq!(problems[0].suggestions, [2, 4]);
    }

    #[test]
    fn any_price_asked_below_the_dealers_goes_to_review_and_the_catalog_price_is_the_last_resort() {
        let catalog: HashMap<String, SkuFacts> =
            [("TV".to_owned(), facts(Some(3_000_00), PackRule { min_order: 1, case_pack: 1 }))].into();
        let buyer = Buyer { dealer: Uuid::from_u128(1), tier: None, region: None };
        let (priced, _) = quote(&[line("TV", 1, Some(2_999_00))], &catalog, &[], &buyer, 0);
        assert!(priced[0].special_price && !priced[0].below_floor, "without a floor nothing is below it");
        let (priced, _) = quote(&[line("TV", 2, Some(3_500_00))], &catalog, &[], &buyer, 0);
        assert_eq!((priced[0].unit_price, priced[0].line_total, priced[0].special_price), (3_000_00, 6_000_00, false));
    }
}
