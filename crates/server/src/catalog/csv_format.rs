//! Products as CSV, one row per SKU. Categories and stores travel as JSON.
//!
//! Columns: model, category, series, name_zh, name_en, description_zh, description_en, lifecycle,
//! tags (`new|hot`), specs (`key=value;key=value`), released_at (YYYY-MM-DD), images (`id|id`),
//! channels (`code=url|code=url`), sku, variant_zh, variant_en, barcode, list_price (yuan),
//! promotion_price, promotion_start, promotion_end (YYYY-MM-DD), distributor_price.
//! Rows of one product are consecutive and repeat its product columns.
use portal_api::*;

pub const HEADER: [&str; 22] = [
    "model",
    "category",
    "series",
    "name_zh",
    "name_en",
    "description_zh",
    "description_en",
    "lifecycle",
    "tags",
    "specs",
    "released_at",
    "images",
    "channels",
    "sku",
    "variant_zh",
    "variant_en",
    "barcode",
    "list_price",
    "promotion_price",
    "promotion_start",
    "promotion_end",
    "distributor_price",
];

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

fn parse_yuan(s: &str) -> Option<i64> {
    let (whole, frac) = s.trim().split_once('.').unwrap_or((s.trim(), "0"));
    if frac.len() > 2 || whole.is_empty() {
        return None;
    }
    let frac = format!("{frac:0<2}");
    Some(whole.parse::<i64>().ok()? * 100 + frac.parse::<i64>().ok()?)
}

/// A date, or a UTC date-time when the instant is not midnight (so exports re-import unchanged).
fn timestamp(secs: i64) -> String {
    let tod = secs.rem_euclid(86_400);
    if tod == 0 {
        date(secs)
    } else {
        datetime(secs)
    }
}

fn datetime(secs: i64) -> String {
    let tod = secs.rem_euclid(86_400);
    format!("{}T{:02}:{:02}:{:02}Z", date(secs), tod / 3600, tod / 60 % 60, tod % 60)
}

/// `YYYY-MM-DD` (midnight UTC) or `YYYY-MM-DDTHH:MM:SSZ`.
fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    match s.split_once('T') {
        None => parse_date(s),
        Some((day, time)) => {
            let mut parts = time.trim_end_matches('Z').split(':');
            let (h, m, sec): (i64, i64, i64) =
                (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?.parse().ok()?);
            if parts.next().is_some() || h > 23 || m > 59 || sec > 59 {
                return None;
            }
            Some(parse_date(day)? + h * 3600 + m * 60 + sec)
        }
    }
}

pub(crate) use portal_store_ops::day::utc_date as date;

/// Midnight UTC of a `YYYY-MM-DD` date, in unix seconds.
pub(crate) fn parse_date(s: &str) -> Option<i64> {
    let mut parts = s.trim().split('-');
    let (y, m, d): (i64, i64, i64) =
        (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?.parse().ok()?);
    if parts.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(portal_store_ops::day::days_from_civil(y, m as u32, d as u32) * 86_400)
}

fn enum_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn enum_parse<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(s.trim().to_owned())).ok()
}

pub fn write(products: &[Product]) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(HEADER).expect("writing to memory");
    for p in products {
        let tags = p.tags.iter().map(enum_text).collect::<Vec<_>>().join("|");
        let specs = p
            .specs
            .iter()
            .map(|(k, v)| match v {
                SpecValue::Number(n) => format!("{k}={n}"),
                SpecValue::Text(t) => format!("{k}={t}"),
            })
            .collect::<Vec<_>>()
            .join(";");
        let channels = p.channels.iter().map(|c| format!("{}={}", c.code, c.url)).collect::<Vec<_>>().join("|");
        for s in &p.skus {
            let promo = s.promotion.as_ref();
            out.write_record([
                p.model.clone(),
                p.category.clone(),
                p.series.clone(),
                p.name_zh.clone(),
                p.name_en.clone(),
                p.description_zh.clone(),
                p.description_en.clone(),
                enum_text(&p.lifecycle),
                tags.clone(),
                specs.clone(),
                timestamp(p.released_at),
                p.images.join("|"),
                channels.clone(),
                s.code.clone(),
                s.variant_zh.clone(),
                s.variant_en.clone(),
                s.barcode.clone(),
                yuan(s.list_price),
                promo.map(|x| yuan(x.price)).unwrap_or_default(),
                promo.map(|x| timestamp(x.starts_at)).unwrap_or_default(),
                // A promotion that ends at the end of a day is written as that day.
                promo
                    .map(|x| if x.ends_at.rem_euclid(86_400) == 86_399 { date(x.ends_at) } else { datetime(x.ends_at) })
                    .unwrap_or_default(),
                s.distributor_price.map(yuan).unwrap_or_default(),
            ])
            .expect("writing to memory");
        }
    }
    String::from_utf8(out.into_inner().expect("flush to memory")).expect("CSV of UTF-8 strings")
}

const CHANNEL_NAMES: &[(&str, &str, &str)] = &[
    ("official", "官方商城", "Official store"),
    ("tmall", "天猫旗舰店", "Tmall flagship"),
    ("jd", "京东自营", "JD.com"),
    ("suning", "苏宁易购", "Suning"),
];

/// Parses the CSV. Syntax problems are reported by line; `lines[i]` is the CSV line of each
/// product's first row and `sku_lines[i][j]` of each SKU, for the validation that follows.
pub struct Parsed {
    pub products: Vec<Product>,
    pub lines: Vec<usize>,
    pub sku_lines: Vec<Vec<usize>>,
    pub problems: Vec<ImportProblem>,
}

pub fn read(text: &str) -> Parsed {
    let mut parsed = Parsed { products: Vec::new(), lines: Vec::new(), sku_lines: Vec::new(), problems: Vec::new() };
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let header_ok = reader.headers().map(|h| h.iter().map(str::trim).eq(HEADER.iter().copied())).unwrap_or(false);
    if !header_ok {
        parsed.problems.push(ImportProblem {
            row: 1,
            field: "header".into(),
            message: format!("the header must be: {}", HEADER.join(",")),
        });
        return parsed;
    }
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let mut problem = |field: &str, message: &str| {
            parsed.problems.push(ImportProblem { row: line, field: field.into(), message: message.into() })
        };
        let record = match record {
            Ok(r) if r.len() == HEADER.len() => r,
            Ok(r) => {
                problem("row", &format!("expected {} columns, found {}", HEADER.len(), r.len()));
                continue;
            }
            Err(e) => {
                problem("row", &e.to_string());
                continue;
            }
        };
        let f =
            |name: &str| record.get(HEADER.iter().position(|h| *h == name).unwrap()).unwrap_or("").trim().to_owned();
        let price = |name: &str, problem: &mut dyn FnMut(&str, &str)| -> Option<i64> {
            let v = f(name);
            if v.is_empty() {
                return None;
            }
            let parsed = parse_yuan(&v);
            if parsed.is_none() {
                problem(name, "a price in yuan, like 4999.00");
            }
            parsed
        };
        let list_price = price("list_price", &mut problem).unwrap_or(0);
        let promo_price = price("promotion_price", &mut problem);
        let distributor_price = price("distributor_price", &mut problem);
        let promotion = match promo_price {
            None => None,
            Some(price) => match (parse_timestamp(&f("promotion_start")), f("promotion_end")) {
                (Some(starts_at), end) if parse_timestamp(&end).is_some() => {
                    // A date alone means the promotion runs to the end of that day.
                    let ends_at = parse_timestamp(&end).unwrap() + if end.contains('T') { 0 } else { 86_399 };
                    Some(Promotion { price, starts_at, ends_at })
                }
                _ => {
                    problem(
                        "promotion_start",
                        "a promotion needs a start and an end (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)",
                    );
                    None
                }
            },
        };
        let sku = Sku {
            code: f("sku"),
            variant_zh: f("variant_zh"),
            variant_en: f("variant_en"),
            barcode: f("barcode"),
            list_price,
            promotion,
            distributor_price,
        };
        let model = f("model");
        if let Some(last) = parsed.products.last_mut().filter(|p| p.model == model) {
            last.skus.push(sku);
            parsed.sku_lines.last_mut().unwrap().push(line);
            continue;
        }
        let lifecycle = enum_parse(&f("lifecycle")).unwrap_or_else(|| {
            problem("lifecycle", "one of announced, pre_sale, on_sale, discontinued");
            Lifecycle::OnSale
        });
        let mut tags = Vec::new();
        for t in f("tags").split('|').filter(|t| !t.trim().is_empty()) {
            match enum_parse(t) {
                Some(tag) => tags.push(tag),
                None => problem("tags", "tags are new, hot, promotion, pre_sale, recommended, separated by |"),
            }
        }
        let mut specs = std::collections::BTreeMap::new();
        for pair in f("specs").split(';').filter(|p| !p.trim().is_empty()) {
            match pair.split_once('=') {
                Some((k, v)) => {
                    let v = v.trim();
                    let value = v.parse::<f64>().map(SpecValue::Number).unwrap_or_else(|_| SpecValue::Text(v.into()));
                    specs.insert(k.trim().to_owned(), value);
                }
                None => problem("specs", "specs are key=value pairs separated by ;"),
            }
        }
        let mut channels = Vec::new();
        for pair in f("channels").split('|').filter(|p| !p.trim().is_empty()) {
            match pair
                .split_once('=')
                .and_then(|(code, url)| CHANNEL_NAMES.iter().find(|c| c.0 == code.trim()).map(|c| (c, url.trim())))
            {
                Some(((code, zh, en), url)) => channels.push(Channel {
                    code: code.to_string(),
                    name_zh: zh.to_string(),
                    name_en: en.to_string(),
                    url: url.to_owned(),
                }),
                None => problem("channels", "channels are code=url pairs (official, tmall, jd, suning) separated by |"),
            }
        }
        let released_at = parse_timestamp(&f("released_at")).unwrap_or_else(|| {
            problem("released_at", "a date YYYY-MM-DD or a UTC time YYYY-MM-DDTHH:MM:SSZ");
            0
        });
        parsed.products.push(Product {
            model,
            category: f("category"),
            series: f("series"),
            name_zh: f("name_zh"),
            name_en: f("name_en"),
            description_zh: f("description_zh"),
            description_en: f("description_en"),
            lifecycle,
            tags,
            specs,
            images: f("images").split('|').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
            skus: vec![sku],
            channels,
            released_at,
        });
        parsed.lines.push(line);
        parsed.sku_lines.push(vec![line]);
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::demo;

    #[test]
    fn dates_and_prices() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(parse_date("2026-11-22").map(date).as_deref(), Some("2026-11-22"));
        assert_eq!(timestamp(1_795_311_010), "2026-11-22T01:30:10Z");
        assert_eq!(parse_timestamp("2026-11-22T01:30:10Z"), Some(1_795_311_010));
        assert_eq!(parse_timestamp("2026-11-22T25:00:00Z"), None);
        assert_eq!(parse_yuan("4999.5"), Some(499_950));
        assert_eq!(parse_yuan("12"), Some(1200));
        assert_eq!(parse_yuan("1.234"), None);
        assert_eq!(yuan(499_950), "4999.50");
    }

    #[test]
    fn csv_round_trip_keeps_every_product() {
        for now in [parse_date("2026-11-22").unwrap(), 1_795_311_010] {
            round_trip(now);
        }
    }

    fn round_trip(now: i64) {
        let doc = demo::generate(200, 3, now);
        let text = write(&doc.products);
        let parsed = read(&text);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert_eq!(parsed.products.len(), doc.products.len());
        for (a, b) in parsed.products.iter().zip(&doc.products) {
            assert_eq!(a, b, "CSV round-trips every field");
        }
    }

    #[test]
    fn bad_rows_are_reported_by_line_and_field() {
        let mut text = HEADER.join(",") + "\n";
        text += "65E8K,tv.oled,E8,电视,TV,d,d,on_sale,new|shiny,screen_size=65,2026-01-01,,jd=https://jd.com,SKU-1,灰,Grey,6901234567892,abc,,,,\n";
        let parsed = read(&text);
        let fields: Vec<_> = parsed.problems.iter().map(|p| (p.row, p.field.as_str())).collect();
        assert!(fields.contains(&(2, "tags")), "{fields:?}");
        assert!(fields.contains(&(2, "list_price")), "{fields:?}");
    }
}
