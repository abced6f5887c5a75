//! A generator for a realistic demo catalog: categories with typed specs, products with real-looking
//! model numbers, SKUs with EAN-13 barcodes and prices, channels, images and stores with positions.
//! Deterministic for a given seed and clock.
use std::collections::BTreeMap;

use base64::{engine::general_purpose::STANDARD as B64, Engine};
use portal_api::*;
use rand::{rngs::StdRng, seq::SliceRandom, Rng, SeedableRng};

use super::validate::ean13_with_checksum;

const DAY: i64 = 86_400;

fn number(key: &str, zh: &str, en: &str, unit: &str) -> SpecDef {
    SpecDef { key: key.into(), name_zh: zh.into(), name_en: en.into(), kind: SpecKind::Number { unit: unit.into() } }
}

fn choice(key: &str, zh: &str, en: &str, options: &[&str]) -> SpecDef {
    SpecDef {
        key: key.into(),
        name_zh: zh.into(),
        name_en: en.into(),
        kind: SpecKind::Choice { options: options.iter().map(|s| s.to_string()).collect() },
    }
}

const ENERGY: &[&str] = &["1级", "2级", "3级"];

/// (code, parent, zh, en, specs)
fn categories() -> Vec<Category> {
    let tv = vec![
        number("screen_size", "屏幕尺寸", "Screen size", "英寸"),
        choice("resolution", "分辨率", "Resolution", &["1080p", "4K", "8K"]),
        choice("panel", "面板类型", "Panel", &["OLED", "Mini LED", "QLED", "LCD"]),
        number("refresh_rate", "刷新率", "Refresh rate", "Hz"),
        choice("energy_class", "能效等级", "Energy class", ENERGY),
    ];
    let fridge = vec![
        number("capacity", "总容积", "Capacity", "升"),
        choice("doors", "门体结构", "Doors", &["对开门", "三门", "十字对开门", "法式多门"]),
        choice("inverter", "变频", "Inverter", &["变频", "定频"]),
        number("noise", "噪音", "Noise", "dB"),
        choice("energy_class", "能效等级", "Energy class", ENERGY),
    ];
    let washer = vec![
        number("load", "洗涤容量", "Load", "公斤"),
        choice("drum", "类型", "Type", &["滚筒", "波轮", "洗烘一体"]),
        choice("inverter", "变频", "Inverter", &["变频", "定频"]),
        number("noise", "噪音", "Noise", "dB"),
        choice("energy_class", "能效等级", "Energy class", ENERGY),
    ];
    let ac = vec![
        choice("horsepower", "匹数", "Horsepower", &["1匹", "1.5匹", "2匹", "3匹"]),
        choice("inverter", "变频", "Inverter", &["变频", "定频"]),
        number("noise", "噪音", "Noise", "dB"),
        choice("energy_class", "能效等级", "Energy class", ENERGY),
    ];
    let kitchen = vec![
        choice("appliance", "品类", "Appliance", &["油烟机", "燃气灶", "洗碗机", "微波炉"]),
        number("power", "功率", "Power", "W"),
        choice("energy_class", "能效等级", "Energy class", ENERGY),
    ];
    let accessory = vec![
        choice("accessory", "品类", "Type", &["充电器", "数据线", "耳机", "保护壳"]),
        number("power", "功率", "Power", "W"),
        choice("compatible", "适用机型", "Compatible with", &["品牌X手机", "通用"]),
    ];
    let cat = |code: &str, parent: Option<&str>, zh: &str, en: &str, sort: i32, specs: &Vec<SpecDef>| Category {
        code: code.into(),
        parent: parent.map(Into::into),
        name_zh: zh.into(),
        name_en: en.into(),
        sort,
        specs: specs.clone(),
        // Big appliances carry serial numbers; kitchen appliances and accessories are sold by count.
        serialised: ["tv", "fridge", "washer", "ac"].contains(&code.split('.').next().unwrap_or(code)),
    };
    vec![
        cat("tv", None, "电视", "TVs", 1, &tv),
        cat("tv.oled", Some("tv"), "OLED 电视", "OLED TVs", 1, &tv),
        cat("tv.miniled", Some("tv"), "Mini LED 电视", "Mini LED TVs", 2, &tv),
        cat("tv.smart", Some("tv"), "智能电视", "Smart TVs", 3, &tv),
        cat("fridge", None, "冰箱", "Refrigerators", 2, &fridge),
        cat("washer", None, "洗衣机", "Washing machines", 3, &washer),
        cat("ac", None, "空调", "Air conditioners", 4, &ac),
        cat("ac.wall", Some("ac"), "壁挂式空调", "Wall-mounted ACs", 1, &ac),
        cat("ac.floor", Some("ac"), "立柜式空调", "Floor-standing ACs", 2, &ac),
        cat("kitchen", None, "厨房电器", "Kitchen appliances", 5, &kitchen),
        cat("accessory", None, "手机配件", "Phone accessories", 6, &accessory),
    ]
}

const COLORS: &[(&str, &str, &str, &str)] = &[
    ("GR", "星空灰", "Space Grey", "#5b6270"),
    ("WH", "冰川白", "Glacier White", "#e9edf2"),
    ("BK", "曜石黑", "Obsidian Black", "#1f2329"),
    ("GD", "香槟金", "Champagne Gold", "#c9a86a"),
];

const SERIES: &[&str] = &["E8", "U7", "A6", "X9", "Q5", "S3", "M2", "Z1"];

/// A small SVG picture per category and colour.
pub fn images() -> Vec<CatalogImage> {
    let mut out = Vec::new();
    for c in categories().iter().filter(|c| c.parent.is_none()) {
        for (code, _, _, hex) in COLORS {
            let shape = match c.code.as_str() {
                "tv" => {
                    r##"<rect x="8" y="14" width="84" height="52" rx="3"/><rect x="40" y="70" width="20" height="6"/>"##
                }
                "fridge" => {
                    r##"<rect x="28" y="6" width="44" height="88" rx="4"/><line x1="28" y1="40" x2="72" y2="40" stroke="#fff" stroke-width="2"/>"##
                }
                "washer" => {
                    r##"<rect x="18" y="10" width="64" height="80" rx="6"/><circle cx="50" cy="55" r="20" fill="#fff" opacity=".6"/>"##
                }
                "ac" => {
                    r##"<rect x="8" y="30" width="84" height="30" rx="8"/><line x1="18" y1="52" x2="82" y2="52" stroke="#fff" stroke-width="2"/>"##
                }
                "kitchen" => {
                    r##"<rect x="14" y="24" width="72" height="56" rx="4"/><rect x="22" y="32" width="40" height="40" fill="#fff" opacity=".5"/>"##
                }
                _ => {
                    r##"<rect x="34" y="10" width="32" height="60" rx="6"/><rect x="46" y="70" width="8" height="20"/>"##
                }
            };
            let svg = format!(
                r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><rect width="100" height="100" fill="#f4f6fa"/><g fill="{hex}" stroke="#8a93a3" stroke-width="1">{shape}</g></svg>"##
            );
            out.push(CatalogImage {
                id: format!("img-{}-{code}", c.code),
                mime: "image/svg+xml".into(),
                data: B64.encode(svg),
            });
        }
    }
    out
}

fn channels(model: &str, rng: &mut StdRng) -> Vec<Channel> {
    let ch = |code: &str, zh: &str, en: &str, url: String| Channel {
        code: code.into(),
        name_zh: zh.into(),
        name_en: en.into(),
        url,
    };
    let mut out = vec![
        ch("official", "官方商城", "Official store", format!("https://mall.brand.example/products/{model}")),
        ch("tmall", "天猫旗舰店", "Tmall flagship", format!("https://list.tmall.com/search_product.htm?q={model}")),
        ch("jd", "京东自营", "JD.com", format!("https://search.jd.com/Search?keyword={model}")),
    ];
    if rng.gen_bool(0.5) {
        out.push(ch("suning", "苏宁易购", "Suning", format!("https://search.suning.com/{model}/")));
    }
    out
}

struct Made {
    category: &'static str,
    model: String,
    series: String,
    name_zh: String,
    name_en: String,
    specs: BTreeMap<String, SpecValue>,
    base_price: i64,
}

fn text(s: &str) -> SpecValue {
    SpecValue::Text(s.into())
}

fn make(rng: &mut StdRng, n: usize) -> Made {
    let series = SERIES[n % SERIES.len()].to_string();
    let energy = *ENERGY.choose(rng).unwrap();
    let mut specs = BTreeMap::new();
    specs.insert("energy_class".to_string(), text(energy));
    match n % 6 {
        0 => {
            let size = *[43, 50, 55, 65, 75, 85, 98].choose(rng).unwrap();
            let (cat, panel) =
                *[("tv.oled", "OLED"), ("tv.miniled", "Mini LED"), ("tv.smart", "QLED"), ("tv.smart", "LCD")]
                    .choose(rng)
                    .unwrap();
            let resolution = if size >= 85 && rng.gen_bool(0.3) {
                "8K"
            } else if size <= 43 {
                "1080p"
            } else {
                "4K"
            };
            let hz = *[60, 120, 144, 240].choose(rng).unwrap();
            specs.insert("screen_size".into(), SpecValue::Number(size as f64));
            specs.insert("resolution".into(), text(resolution));
            specs.insert("panel".into(), text(panel));
            specs.insert("refresh_rate".into(), SpecValue::Number(hz as f64));
            let model =
                format!("{size}{series}{}", ["K", "N", "PRO", "MAX"][n / 6 % 4]) + &format!("-{:03}", n / 24 % 1000);
            Made {
                category: cat,
                name_zh: format!("{series}系列 {size}英寸 {resolution} {panel} 智能电视"),
                name_en: format!("{series} Series {size}\" {resolution} {panel} Smart TV"),
                model,
                series,
                specs,
                base_price: 1500_00 + size as i64 * 60_00 + if panel == "OLED" { 4000_00 } else { 0 },
            }
        }
        1 => {
            let capacity = *[218, 301, 403, 452, 508, 540, 603].choose(rng).unwrap();
            let doors = *["对开门", "三门", "十字对开门", "法式多门"].choose(rng).unwrap();
            let inverter = if rng.gen_bool(0.8) { "变频" } else { "定频" };
            specs.insert("capacity".into(), SpecValue::Number(capacity as f64));
            specs.insert("doors".into(), text(doors));
            specs.insert("inverter".into(), text(inverter));
            specs.insert("noise".into(), SpecValue::Number(rng.gen_range(32..42) as f64));
            let en_doors = match doors {
                "对开门" => "Side-by-side",
                "三门" => "Three-door",
                "十字对开门" => "Cross-door",
                _ => "French-door",
            };
            Made {
                category: "fridge",
                model: format!("BCD-{capacity}W{series}{:03}", n / 6 % 1000),
                name_zh: format!("{series}系列 {capacity}升 {doors} {inverter}冰箱"),
                name_en: format!(
                    "{series} Series {capacity} L {en_doors} {} Refrigerator",
                    if inverter == "变频" { "Inverter" } else { "Fixed-speed" }
                ),
                series,
                specs,
                base_price: 1200_00 + capacity as i64 * 10_00,
            }
        }
        2 => {
            let load = *[8, 10, 12, 13].choose(rng).unwrap();
            let drum = *["滚筒", "波轮", "洗烘一体"].choose(rng).unwrap();
            specs.insert("load".into(), SpecValue::Number(load as f64));
            specs.insert("drum".into(), text(drum));
            specs.insert("inverter".into(), text("变频"));
            specs.insert("noise".into(), SpecValue::Number(rng.gen_range(45..60) as f64));
            let en = match drum {
                "滚筒" => "Front-load",
                "波轮" => "Top-load",
                _ => "Washer-dryer",
            };
            Made {
                category: "washer",
                model: format!("XQG{load}0-{series}{:03}", n / 6 % 1000),
                name_zh: format!("{series}系列 {load}公斤 变频{drum}洗衣机"),
                name_en: format!("{series} Series {load} kg Inverter {en} Washer"),
                series,
                specs,
                base_price: 1300_00 + load as i64 * 150_00,
            }
        }
        3 => {
            let hp = *["1匹", "1.5匹", "2匹", "3匹"].choose(rng).unwrap();
            let floor = hp == "3匹" || (hp == "2匹" && rng.gen_bool(0.5));
            let inverter = if rng.gen_bool(0.85) { "变频" } else { "定频" };
            specs.insert("horsepower".into(), text(hp));
            specs.insert("inverter".into(), text(inverter));
            specs.insert("noise".into(), SpecValue::Number(rng.gen_range(18..30) as f64));
            let code = match hp {
                "1匹" => 26,
                "1.5匹" => 35,
                "2匹" => 50,
                _ => 72,
            };
            Made {
                category: if floor { "ac.floor" } else { "ac.wall" },
                model: format!("KFR-{code}{}/{series}{:03}", if floor { "LW" } else { "GW" }, n / 6 % 1000)
                    .replace('/', "-"),
                name_zh: format!("{series}系列 {hp} {inverter}{}空调", if floor { "立柜式" } else { "壁挂式" }),
                name_en: format!(
                    "{series} Series {} HP {} {} Air Conditioner",
                    hp.trim_end_matches('匹'),
                    if inverter == "变频" { "Inverter" } else { "Fixed-speed" },
                    if floor { "Floor-standing" } else { "Wall-mounted" }
                ),
                series,
                specs,
                base_price: 2000_00 + code as i64 * 40_00,
            }
        }
        4 => {
            let (zh, en, prefix) = *[
                ("油烟机", "Range Hood", "CXW"),
                ("燃气灶", "Gas Hob", "JZT"),
                ("洗碗机", "Dishwasher", "WQP"),
                ("微波炉", "Microwave", "MWO"),
            ]
            .choose(rng)
            .unwrap();
            let power = rng.gen_range(2..30) * 100;
            specs.insert("appliance".into(), text(zh));
            specs.insert("power".into(), SpecValue::Number(power as f64));
            Made {
                category: "kitchen",
                model: format!("{prefix}-{power}-{series}{:03}", n / 6 % 1000),
                name_zh: format!("{series}系列 {zh}"),
                name_en: format!("{series} Series {en}"),
                series,
                specs,
                base_price: 800_00 + power as i64 * 50,
            }
        }
        _ => {
            // What a brand's phone accessories cost: chargers by their power, cables by length,
            // earbuds by their kind, cases by material; only a charger has a power rating.
            let (zh, en, code) = *[
                ("充电器", "Charger", "CH"),
                ("数据线", "Cable", "CB"),
                ("耳机", "Earbuds", "EB"),
                ("保护壳", "Case", "CS"),
            ]
            .choose(rng)
            .unwrap();
            let compatible = if rng.gen_bool(0.6) { "品牌X手机" } else { "通用" };
            let for_en = if compatible == "通用" { "universal" } else { "for Brand X phones" };
            specs.remove("energy_class");
            specs.remove("power");
            specs.insert("accessory".into(), text(zh));
            specs.insert("compatible".into(), text(compatible));
            let (detail, zh_name, en_name, base_price) = match code {
                "CH" => {
                    let power = *[20, 33, 67, 120].choose(rng).unwrap();
                    specs.insert("power".into(), SpecValue::Number(power as f64));
                    (power, format!("{power}W {zh}"), format!("{power} W {en}"), 59_00 + power as i64 * 1_50)
                }
                "CB" => {
                    let metres = *[1, 2].choose(rng).unwrap();
                    (
                        metres,
                        format!("{metres}米 Type-C {zh}"),
                        format!("{metres} m USB-C {en}"),
                        29_00 + metres as i64 * 20_00,
                    )
                }
                "EB" => {
                    let (grade, zh_kind, en_kind, price) = *[
                        (1, "入耳式", "In-ear", 149_00),
                        (2, "降噪", "Noise-cancelling", 399_00),
                        (3, "运动", "Sport", 249_00),
                    ]
                    .choose(rng)
                    .unwrap();
                    (grade, format!("{zh_kind}{zh}"), format!("{en_kind} {en}"), price)
                }
                _ => {
                    let (grade, zh_kind, en_kind, price) =
                        *[(1, "硅胶", "Silicone", 39_00), (2, "皮革", "Leather", 99_00)].choose(rng).unwrap();
                    (grade, format!("{zh_kind}{zh}"), format!("{en_kind} {en}"), price)
                }
            };
            Made {
                category: "accessory",
                model: format!("PA-{code}{detail}-{series}{:03}", n / 6 % 1000),
                name_zh: format!("{series}系列 {zh_name}（{compatible}）"),
                name_en: format!("{series} Series {en_name} ({for_en})"),
                series,
                specs,
                base_price,
            }
        }
    }
}

/// About `sku_target` SKUs (three per product on average), the categories, and the stores.
pub fn generate(sku_target: usize, seed: u64, now: i64) -> CatalogDocument {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut products = Vec::new();
    let mut skus = 0;
    let mut seen = std::collections::HashSet::new();
    let mut n = 0;
    while skus < sku_target {
        let made = make(&mut rng, n);
        n += 1;
        if !seen.insert(made.model.clone()) {
            continue;
        }
        let lifecycle = match rng.gen_range(0..100) {
            0..5 => Lifecycle::Announced,
            5..13 => Lifecycle::PreSale,
            13..93 => Lifecycle::OnSale,
            _ => Lifecycle::Discontinued,
        };
        let released_at = match lifecycle {
            Lifecycle::Announced | Lifecycle::PreSale => now + rng.gen_range(5..60) * DAY,
            _ => now - rng.gen_range(1..720) * DAY,
        };
        let mut colours: Vec<_> = COLORS.to_vec();
        colours.shuffle(&mut rng);
        let count = rng.gen_range(2..=4).min(sku_target - skus).max(1);
        let mut product_skus = Vec::new();
        let mut promoted = false;
        for (code, zh, en, _) in colours.iter().take(count) {
            skus += 1;
            // Appliances vary by up to ¥1,900 between variants; an accessory by a tenth of its
            // price, ending in 9 yuan as shops price them.
            let list_price = if made.category == "accessory" {
                (made.base_price * (100 + rng.gen_range(0..10)) / 100 / 10_00 * 10_00 - 1_00).max(9_00)
            } else {
                (made.base_price + rng.gen_range(0..20) * 100_00) / 100 * 100 - 100
            };
            let promotion = rng.gen_bool(0.3).then(|| {
                promoted = true;
                Promotion {
                    price: list_price * rng.gen_range(75..95) / 100 / 100 * 100,
                    starts_at: now - rng.gen_range(1..10) * DAY,
                    ends_at: now + rng.gen_range(3..30) * DAY,
                }
            });
            product_skus.push(Sku {
                code: format!("{}-{code}", made.model),
                variant_zh: zh.to_string(),
                variant_en: en.to_string(),
                barcode: ean13_with_checksum(&format!("690{:09}", skus)),
                list_price,
                promotion,
                distributor_price: Some(list_price * 78 / 100),
            });
        }
        let mut tags = Vec::new();
        if released_at > now - 90 * DAY && lifecycle == Lifecycle::OnSale {
            tags.push(MarketingTag::New);
        }
        if rng.gen_bool(0.12) {
            tags.push(MarketingTag::Hot);
        }
        if promoted {
            tags.push(MarketingTag::Promotion);
        }
        if lifecycle == Lifecycle::PreSale {
            tags.push(MarketingTag::PreSale);
        }
        if rng.gen_bool(0.1) {
            tags.push(MarketingTag::Recommended);
        }
        let top = made.category.split('.').next().unwrap();
        let images = colours.iter().take(count).map(|(code, ..)| format!("img-{top}-{code}")).collect();
        let channels = channels(&made.model, &mut rng);
        products.push(Product {
            description_zh: format!("{}，品质之选。全国联保，送货上门。", made.name_zh),
            description_en: format!("{}. Nationwide warranty and home delivery.", made.name_en),
            model: made.model,
            category: made.category.into(),
            series: made.series,
            name_zh: made.name_zh,
            name_en: made.name_en,
            lifecycle,
            tags,
            specs: made.specs,
            images,
            skus: product_skus,
            channels,
            released_at,
        });
    }
    let stores = stores(&products, &mut rng);
    CatalogDocument { categories: categories(), products, stores }
}

fn stores(products: &[Product], rng: &mut StdRng) -> Vec<RetailStore> {
    // (code prefix, zh, en, latitude, longitude, districts)
    let cities: &[(&str, &str, &str, f64, f64, &[&str])] = &[
        ("SH", "上海", "Shanghai", 31.2304, 121.4737, &["南京东路", "徐家汇", "五角场"]),
        ("BJ", "北京", "Beijing", 39.9042, 116.4074, &["中关村", "王府井", "望京"]),
        ("SZ", "深圳", "Shenzhen", 22.5431, 114.0579, &["华强北", "南山", "福田"]),
        ("GZ", "广州", "Guangzhou", 23.1291, 113.2644, &["天河", "北京路"]),
        ("HZ", "杭州", "Hangzhou", 30.2741, 120.1551, &["湖滨", "滨江"]),
        ("CD", "成都", "Chengdu", 30.5728, 104.0668, &["春熙路", "高新区"]),
        ("WH", "武汉", "Wuhan", 30.5928, 114.3055, &["江汉路", "光谷"]),
        ("NJ", "南京", "Nanjing", 32.0603, 118.7969, &["新街口", "河西"]),
    ];
    let mut out = Vec::new();
    for (prefix, zh, en, lat, lon, districts) in cities {
        for (i, district) in districts.iter().enumerate() {
            let mut on_display: Vec<String> =
                products.choose_multiple(rng, 40.min(products.len())).map(|p| p.model.clone()).collect();
            on_display.sort();
            out.push(RetailStore {
                code: format!("{prefix}-{:03}", i + 1),
                name_zh: format!("{zh}{district}{}", if i == 0 { "旗舰店" } else { "体验店" }),
                name_en: format!("{en} {} store", if i == 0 { "flagship" } else { "experience" }),
                city_zh: zh.to_string(),
                city_en: en.to_string(),
                address: format!("{zh}市{district}{}号", rng.gen_range(1..300)),
                latitude: lat + rng.gen_range(-0.08..0.08),
                longitude: lon + rng.gen_range(-0.08..0.08),
                opening_hours: "10:00-22:00".into(),
                on_display,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::validate;

    #[test]
    fn generated_catalog_is_valid_and_sized() {
        let doc = generate(6000, 7, 1_800_000_000);
        let skus: usize = doc.products.iter().map(|p| p.skus.len()).sum();
        assert_eq!(skus, 6000);
        assert!(doc.products.len() > 1500 && doc.products.len() < 3100, "{}", doc.products.len());
        let problems = validate::check(&doc, &[], &validate::json_rows);
        assert!(problems.is_empty(), "{:?}", &problems[..problems.len().min(5)]);
        assert_eq!(doc.stores.len(), 19);
        assert_eq!(generate(300, 7, 1_800_000_000), generate(300, 7, 1_800_000_000), "deterministic");
    }
}
