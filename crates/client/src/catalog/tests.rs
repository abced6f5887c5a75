//! Search relevance in Chinese and English, filters, facets, tombstones and resumable sync, on a
//! small hand-made catalog applied through the real sync path into a real SQLite file.
use std::collections::BTreeMap;

use portal_api::*;

use super::{search::search, sync::apply_page, view, FacetCount, SearchQuery, SortOrder, SpecRange};
use crate::cache::Cache;

pub(crate) const NOW: i64 = 1_800_000_000;

fn category(code: &str, zh: &str, specs: Vec<SpecDef>) -> SyncItem {
    SyncItem::Category {
        version: 1,
        code: code.into(),
        data: Some(Category {
            code: code.into(),
            parent: None,
            name_zh: zh.into(),
            name_en: code.into(),
            sort: 1,
            specs,
            serialised: code == "tv",
        }),
    }
}

pub(crate) fn product(
    model: &str,
    category: &str,
    zh: &str,
    en: &str,
    price: i64,
    specs: &[(&str, SpecValue)],
) -> Product {
    Product {
        model: model.into(),
        category: category.into(),
        series: "S".into(),
        name_zh: zh.into(),
        name_en: en.into(),
        description_zh: String::new(),
        description_en: String::new(),
        lifecycle: Lifecycle::OnSale,
        tags: vec![MarketingTag::Hot],
        specs: specs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect::<BTreeMap<_, _>>(),
        images: vec![],
        skus: vec![Sku {
            code: format!("{model}-1"),
            variant_zh: "白".into(),
            variant_en: "White".into(),
            barcode: "6901234567892".into(),
            list_price: price,
            promotion: None,
            distributor_price: None,
        }],
        channels: vec![],
        released_at: NOW - price,
    }
}

pub(crate) fn item(p: Product) -> SyncItem {
    SyncItem::Product { version: 2, code: p.model.clone(), data: Some(p) }
}

pub(crate) fn page(items: Vec<SyncItem>, cursor: &str, has_more: bool, reset: bool) -> SyncPage {
    SyncPage { cursor: cursor.into(), items, has_more, reset, in_stock: None }
}

fn number(key: &str) -> SpecDef {
    SpecDef { key: key.into(), name_zh: key.into(), name_en: key.into(), kind: SpecKind::Number { unit: "in".into() } }
}

pub(crate) fn catalog() -> (tempfile::TempDir, Cache) {
    let dir = tempfile::tempdir().unwrap();
    let mut cache = Cache::open(&dir.path().join("c.sqlite")).unwrap();
    let first = page(
        vec![
            category("tv", "电视", vec![number("screen_size")]),
            category("fridge", "冰箱", vec![number("capacity")]),
            category("ac", "空调", vec![]),
            item(product(
                "65E8K",
                "tv",
                "E8系列 65英寸 4K OLED 液晶电视",
                "E8 Series 65\" 4K OLED TV",
                8999_00,
                &[("screen_size", SpecValue::Number(65.0))],
            )),
            item(product(
                "75U7N",
                "tv",
                "U7系列 75英寸 Mini LED 电视",
                "U7 Series 75\" Mini LED TV",
                6999_00,
                &[("screen_size", SpecValue::Number(75.0))],
            )),
        ],
        "c1.e.5",
        true,
        true,
    );
    apply_page(&mut cache, &first, "consumer", NOW).unwrap();
    let second = page(
        vec![
            item(product(
                "BCD-540WKPZM",
                "fridge",
                "十字对开门 变频冰箱 540升",
                "Cross-door inverter refrigerator",
                5499_00,
                &[("capacity", SpecValue::Number(540.0))],
            )),
            item(product(
                "KFR-35GW-A1",
                "ac",
                "1.5匹 变频 壁挂式空调",
                "1.5 HP inverter wall air conditioner",
                3299_00,
                &[],
            )),
        ],
        "c1.e.7",
        false,
        false,
    );
    apply_page(&mut cache, &second, "consumer", NOW).unwrap();
    (dir, cache)
}

fn models(cache: &Cache, q: SearchQuery) -> Vec<String> {
    let mut found: Vec<String> = search(cache, &q).unwrap().items.into_iter().map(|p| p.model).collect();
    found.sort();
    found
}

fn text(cache: &Cache, t: &str) -> Vec<String> {
    models(cache, SearchQuery { text: t.into(), ..Default::default() })
}

#[test]
fn two_character_chinese_words_inside_names() {
    let (_dir, cache) = catalog();
    assert_eq!(text(&cache, "电视"), ["65E8K", "75U7N"]);
    assert_eq!(text(&cache, "冰箱"), ["BCD-540WKPZM"]);
    assert_eq!(text(&cache, "空调"), ["KFR-35GW-A1"]);
    assert_eq!(text(&cache, "变频"), ["BCD-540WKPZM", "KFR-35GW-A1"]);
    assert_eq!(text(&cache, "液晶电视"), ["65E8K"]);
    assert_eq!(text(&cache, "对开门"), ["BCD-540WKPZM"]);
}

#[test]
fn one_character_chinese_queries_match_as_prefixes() {
    let (_dir, cache) = catalog();
    assert_eq!(text(&cache, "电"), ["65E8K", "75U7N"]);
    assert_eq!(text(&cache, "冰"), ["BCD-540WKPZM"]);
    assert!(text(&cache, "鸭").is_empty());
}

#[test]
fn english_mixed_and_model_numbers() {
    let (_dir, cache) = catalog();
    assert_eq!(text(&cache, "OLED"), ["65E8K"]);
    assert_eq!(text(&cache, "oled 电视"), ["65E8K"]);
    assert_eq!(text(&cache, "inverter"), ["BCD-540WKPZM", "KFR-35GW-A1"]);
    assert_eq!(text(&cache, "refrig"), ["BCD-540WKPZM"], "the last word is a prefix while typing");
    assert_eq!(text(&cache, "65E8"), ["65E8K"]);
    assert_eq!(text(&cache, "kfr35gw"), ["KFR-35GW-A1"]);
    assert_eq!(text(&cache, "KFR-35GW"), ["KFR-35GW-A1"]);
}

#[test]
fn typos_in_model_numbers_find_the_closest() {
    let (_dir, cache) = catalog();
    let result = search(&cache, &SearchQuery { text: "65E9K".into(), ..Default::default() }).unwrap();
    assert!(result.fuzzy);
    assert_eq!(result.items[0].model, "65E8K");
    let result = search(&cache, &SearchQuery { text: "BCD-540WKPZN".into(), ..Default::default() }).unwrap();
    assert_eq!(result.items[0].model, "BCD-540WKPZM");
    assert!(text(&cache, "ZZZZ99").is_empty());
}

#[test]
fn filters_sorting_and_facets() {
    let (_dir, cache) = catalog();
    assert_eq!(models(&cache, SearchQuery { category: Some("tv".into()), ..Default::default() }), ["65E8K", "75U7N"]);
    assert_eq!(
        models(&cache, SearchQuery { price_min: Some(5000_00), price_max: Some(7000_00), ..Default::default() }),
        ["75U7N", "BCD-540WKPZM"]
    );
    let spec = SpecRange { key: "screen_size".into(), min: Some(70.0), max: Some(80.0) };
    assert_eq!(models(&cache, SearchQuery { specs: vec![spec], ..Default::default() }), ["75U7N"]);
    let by_price = search(&cache, &SearchQuery { sort: SortOrder::PriceAsc, ..Default::default() }).unwrap();
    let prices: Vec<i64> = by_price.items.iter().map(|p| p.price).collect();
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
    let all = search(&cache, &SearchQuery::default()).unwrap();
    assert_eq!(all.total, 4);
    assert_eq!(all.categories[0].value, "tv");
    assert_eq!(all.categories[0].count, 2);
    assert_eq!(all.tags[0].value, "hot");
    assert_eq!(all.tags[0].count, 4);
}

#[test]
fn withdrawn_products_leave_search_but_stay_in_comparisons() {
    let (_dir, mut cache) = catalog();
    let tombstone = SyncItem::Product { version: 9, code: "65E8K".into(), data: None };
    apply_page(&mut cache, &page(vec![tombstone], "c1.e.9", false, false), "consumer", NOW).unwrap();
    assert_eq!(text(&cache, "电视"), ["75U7N"]);
    let cmp = view::compare(&cache, &["65E8K".into(), "75U7N".into()]).unwrap();
    assert_eq!(cmp.products.len(), 2);
    assert!(cmp.products[0].withdrawn && !cmp.products[1].withdrawn);
    let row = cmp.rows.iter().find(|r| r.key == "screen_size").unwrap();
    assert!(row.differs);
    assert!(view::product(&cache, "65E8K").unwrap().unwrap().withdrawn);
}

#[test]
fn a_reset_page_replaces_the_catalog_and_cursor_follows_applied_pages() {
    let (_dir, mut cache) = catalog();
    let (cursor, role, synced) = super::sync::state(&cache).unwrap();
    assert_eq!(cursor.as_deref(), Some("c1.e.7"));
    assert_eq!(role.as_deref(), Some("consumer"));
    assert_eq!(synced, Some(NOW));
    let fresh = page(vec![item(product("NEW-1", "tv", "新品电视", "New TV", 100_00, &[]))], "c1.f.1", false, true);
    apply_page(&mut cache, &fresh, "consumer", NOW).unwrap();
    assert_eq!(text(&cache, "电视"), ["NEW-1"]);
}

#[test]
fn a_failed_page_leaves_the_previous_state_whole() {
    let (_dir, mut cache) = catalog();
    // Dropping the search index makes the page's writes fail part-way.
    cache.conn.execute_batch("DROP TABLE product_search").unwrap();
    let broken = page(vec![item(product("X-1", "tv", "坏", "Broken", 1, &[]))], "c1.e.8", false, false);
    assert!(apply_page(&mut cache, &broken, "consumer", NOW).is_err());
    let (cursor, _, _) = super::sync::state(&cache).unwrap();
    assert_eq!(cursor.as_deref(), Some("c1.e.7"), "the cursor did not move past a page that did not land");
    assert!(view::product(&cache, "X-1").unwrap().is_none(), "nothing of the failed page was written");
}

#[test]
fn relevance_ranks_title_hits_before_spec_hits_and_pages_follow_the_order() {
    let (_dir, mut cache) = catalog();
    // Cheaper, hence newer in this fixture: without the title tier it would come first.
    let mount =
        product("WM-9", "accessory", "电视挂架", "Wall mount", 99_00, &[("fits", SpecValue::Text("OLED".into()))]);
    apply_page(&mut cache, &page(vec![item(mount)], "c1.e.8", false, false), "consumer", NOW).unwrap();
    let found = search(&cache, &SearchQuery { text: "oled".into(), ..Default::default() }).unwrap();
    let order: Vec<&str> = found.items.iter().map(|p| p.model.as_str()).collect();
    assert_eq!(order, ["65E8K", "WM-9"]);
    let newest = search(&cache, &SearchQuery { text: "oled".into(), sort: SortOrder::Newest, ..Default::default() });
    assert_eq!(newest.unwrap().items[0].model, "WM-9");

    // Pages of one: the second page is the second of the whole order, and the total stays whole.
    let second =
        search(&cache, &SearchQuery { sort: SortOrder::PriceAsc, limit: 1, offset: 1, ..Default::default() }).unwrap();
    assert_eq!(second.total, 5);
    assert_eq!(second.items.len(), 1);
    assert_eq!(second.items[0].model, "KFR-35GW-A1");
}

#[test]
fn tag_and_lifecycle_filters_with_their_facets() {
    let (_dir, mut cache) = catalog();
    let mut soon = product("PRE-1", "tv", "预售电视", "Pre-sale TV", 1999_00, &[]);
    soon.lifecycle = Lifecycle::PreSale;
    soon.tags = vec![MarketingTag::PreSale, MarketingTag::New];
    apply_page(&mut cache, &page(vec![item(soon)], "c1.e.8", false, false), "consumer", NOW).unwrap();
    let tagged = |tags: Vec<MarketingTag>| models(&cache, SearchQuery { tags, ..Default::default() });
    assert_eq!(tagged(vec![MarketingTag::New]), ["PRE-1"]);
    assert_eq!(tagged(vec![MarketingTag::New, MarketingTag::Hot]), Vec::<String>::new(), "every tag must hold");
    let pre = models(&cache, SearchQuery { lifecycles: vec![Lifecycle::PreSale], ..Default::default() });
    assert_eq!(pre, ["PRE-1"]);
    let tvs = search(&cache, &SearchQuery { text: "电视".into(), ..Default::default() }).unwrap();
    assert_eq!(tvs.total, 3);
    let count = |facets: &[FacetCount], value: &str| facets.iter().find(|f| f.value == value).map(|f| f.count);
    assert_eq!(count(&tvs.lifecycles, "on_sale"), Some(2));
    assert_eq!(count(&tvs.lifecycles, "pre_sale"), Some(1));
    assert_eq!(count(&tvs.lifecycles, "discontinued"), None, "empty facets are left out");
    assert_eq!(count(&tvs.tags, "pre_sale"), Some(1));
    assert_eq!(count(&tvs.tags, "hot"), Some(2));
    // What can be bought now comes first among equally good title hits.
    assert_eq!(tvs.items.last().unwrap().model, "PRE-1");
}

#[test]
fn a_typo_keeps_the_filters_and_a_filtered_out_match_is_not_a_typo() {
    let (_dir, cache) = catalog();
    let in_tvs =
        search(&cache, &SearchQuery { text: "65E9K".into(), category: Some("tv".into()), ..Default::default() });
    assert_eq!(in_tvs.unwrap().items[0].model, "65E8K");
    let in_fridges =
        search(&cache, &SearchQuery { text: "65E9K".into(), category: Some("fridge".into()), ..Default::default() });
    assert!(in_fridges.unwrap().items.is_empty(), "a typo's suggestions obey the category filter");
    let filtered =
        search(&cache, &SearchQuery { text: "65E8K".into(), category: Some("ac".into()), ..Default::default() })
            .unwrap();
    assert!(filtered.items.is_empty() && !filtered.fuzzy, "an exact model outside the filter is not a typo");
}

#[test]
fn one_character_at_the_end_of_a_word_is_found() {
    let (_dir, mut cache) = catalog();
    let pad = product("CH-1", "accessory", "无线充电", "Wireless charging pad", 199_00, &[]);
    apply_page(&mut cache, &page(vec![item(pad)], "c1.e.8", false, false), "consumer", NOW).unwrap();
    assert!(text(&cache, "电").contains(&"CH-1".to_string()), "电 ends 充电");
    assert_eq!(text(&cache, "充电"), ["CH-1"]);
}

#[test]
fn a_scanned_barcode_finds_its_sku_offline_and_an_unknown_one_nothing() {
    let (_dir, mut cache) = catalog();
    let hit = view::sku(&cache, "6901234567892", NOW).unwrap().expect("the fixture's barcode");
    assert_eq!(hit.sku.code, hit.product.skus[0].code);
    assert_eq!(hit.unit_price, hit.sku.list_price);
    assert_eq!(view::sku(&cache, "65E8K-1", NOW).unwrap().unwrap().product.model, "65E8K", "by SKU code too");
    assert!(hit.serialised, "a TV is sold by serial");
    assert!(!view::sku(&cache, "BCD-540WKPZM-1", NOW).unwrap().unwrap().serialised, "this fixture's fridges are not");
    assert!(view::sku(&cache, "0000000000000", NOW).unwrap().is_none());
    // Withdrawn: no longer sold.
    let gone = SyncItem::Product { version: 9, code: "65E8K".into(), data: None };
    apply_page(&mut cache, &page(vec![gone], "c1.e.9", false, false), "consumer", NOW).unwrap();
    assert!(view::sku(&cache, "65E8K-1", NOW).unwrap().is_none());
}

#[test]
fn at_a_store_means_in_stock_where_the_store_keeps_a_ledger_else_on_display() {
    let (_dir, mut cache) = catalog();
    let store = |code: &str, lat: f64, on_display: &[&str]| SyncItem::Store {
        version: 20,
        code: code.into(),
        data: Some(RetailStore {
            code: code.into(),
            name_zh: code.into(),
            name_en: code.into(),
            city_zh: "上海".into(),
            city_en: "Shanghai".into(),
            address: "".into(),
            latitude: lat,
            longitude: 121.47,
            opening_hours: "10:00-22:00".into(),
            on_display: on_display.iter().map(|m| m.to_string()).collect(),
        }),
    };
    let mut stores = page(
        vec![store("SH-001", 31.3, &["BCD-540WKPZM"]), store("BJ-001", 31.2, &["KFR-35GW-A1"])],
        "c1.e.20",
        false,
        false,
    );
    stores.in_stock = Some(vec![StoreStock { store: "SH-001".into(), skus: vec!["65E8K-1".into()] }]);
    apply_page(&mut cache, &stores, "consumer", NOW).unwrap();
    let at =
        |cache: &Cache, store: &str| models(cache, SearchQuery { store: Some(store.into()), ..Default::default() });
    assert_eq!(at(&cache, "SH-001"), ["65E8K"], "in stock, not what is merely on display");
    assert_eq!(at(&cache, "BJ-001"), ["KFR-35GW-A1"], "no ledger: on display");

    let near = view::nearest_stores(&cache, 31.2, 121.47, Some("65E8K"), 5).unwrap();
    assert_eq!(
        (near[0].store.code.as_str(), near[0].in_stock),
        ("SH-001", Some(true)),
        "in stock first, though farther"
    );
    assert_eq!(near[1].in_stock, None, "unknown where there is no ledger");

    // A page in the middle of a sync leaves the snapshot; the last page replaces it.
    apply_page(&mut cache, &page(vec![], "c1.e.21", true, false), "consumer", NOW).unwrap();
    assert_eq!(at(&cache, "SH-001"), ["65E8K"]);
    let mut sold_out = page(vec![], "c1.e.21", false, false);
    sold_out.in_stock = Some(vec![StoreStock { store: "SH-001".into(), skus: vec![] }]);
    apply_page(&mut cache, &sold_out, "consumer", NOW).unwrap();
    assert!(at(&cache, "SH-001").is_empty(), "sold out there");
}
