// The distribution benchmark's history, written straight into the tables: dealers, their stores,
// orders with their lines, shipments counted in and credit movements over the last year, a month
// of the stores' sales, and the confirmed orders waiting for one scarce SKU. (Included by
// distribution.rs.)
use std::io::Write as _;

use uuid::Uuid;

/// The SKU the open orders wait for.
pub const SCARCE: &str = "BENCH-SCARCE";
const LINES_PER_ORDER: usize = 5;
const DAY: i64 = 86_400;
/// Each store's sales in the settled month.
const SALES_PER_STORE: usize = 10;

pub struct Plan {
    pub dealers: usize,
    pub lines: usize,
    pub open: usize,
    pub skus: Vec<(String, i64)>,
    pub promoter: Uuid,
    pub admin: Uuid,
    pub now: i64,
}

fn id(kind: u128, n: usize) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | (kind << 40) | n as u128)
}

pub fn dealer(n: usize) -> Uuid {
    id(0xa1, n)
}

/// Four dealers share a store's neighbourhood: a store for every four dealers.
pub fn store_of(n: usize, dealers: usize) -> Uuid {
    id(0xb1, n % (dealers / 4).max(1))
}

/// `YYYY-MM` of the month before `now`'s (China time).
pub fn last_month(now: i64) -> String {
    let (y, m, _) = civil(now);
    let (y, m) = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
    format!("{y:04}-{m:02}")
}

/// (year, month, day) of unix seconds in China time.
fn civil(at: i64) -> (i64, u32, u32) {
    let days = (at + 8 * 3600).div_euclid(DAY);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// A value for either database.
enum V {
    T(String),
    I(i64),
    B(bool),
    N,
}

trait Sink {
    fn table(&mut self, name: &str, columns: &[&str], rows: &mut dyn Iterator<Item = Vec<V>>) -> anyhow::Result<u64>;
}

struct Sqlite<'a>(&'a rusqlite::Transaction<'a>);

impl Sink for Sqlite<'_> {
    fn table(&mut self, name: &str, columns: &[&str], rows: &mut dyn Iterator<Item = Vec<V>>) -> anyhow::Result<u64> {
        let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
        let mut stmt =
            self.0.prepare(&format!("INSERT INTO {name} ({}) VALUES ({})", columns.join(", "), marks.join(", ")))?;
        let mut n = 0;
        for row in rows {
            let values: Vec<rusqlite::types::Value> = row
                .into_iter()
                .map(|v| match v {
                    V::T(s) => rusqlite::types::Value::Text(s),
                    V::I(i) => rusqlite::types::Value::Integer(i),
                    V::B(b) => rusqlite::types::Value::Integer(i64::from(b)),
                    V::N => rusqlite::types::Value::Null,
                })
                .collect();
            stmt.execute(rusqlite::params_from_iter(values))?;
            n += 1;
        }
        Ok(n)
    }
}

struct Postgres(postgres::Client);

impl Sink for Postgres {
    fn table(&mut self, name: &str, columns: &[&str], rows: &mut dyn Iterator<Item = Vec<V>>) -> anyhow::Result<u64> {
        let mut copy = self.0.copy_in(&format!("COPY {name} ({}) FROM STDIN", columns.join(", ")))?;
        let mut line = String::new();
        let mut n = 0;
        for row in rows {
            line.clear();
            for (i, v) in row.into_iter().enumerate() {
                if i > 0 {
                    line.push('\t');
                }
                match v {
                    V::T(s) => line.push_str(&s.replace('\\', "\\\\").replace('\t', "\\t").replace('\n', "\\n")),
                    V::I(i) => line.push_str(&i.to_string()),
                    V::B(b) => line.push(if b { 't' } else { 'f' }),
                    V::N => line.push_str("\\N"),
                }
            }
            line.push('\n');
            copy.write_all(line.as_bytes())?;
            n += 1;
        }
        copy.finish()?;
        Ok(n)
    }
}

pub fn load(database: &str, plan: &Plan) -> anyhow::Result<()> {
    if database.starts_with("postgres") {
        let mut sink = Postgres(postgres::Client::connect(database, postgres::NoTls)?);
        write(&mut sink, plan)?;
        sink.0.batch_execute("ANALYZE")?;
    } else {
        let mut conn = rusqlite::Connection::open(database)?;
        conn.execute_batch("PRAGMA synchronous = OFF;")?;
        let tx = conn.transaction()?;
        write(&mut Sqlite(&tx), plan)?;
        tx.commit()?;
        conn.execute_batch("ANALYZE;")?;
    }
    Ok(())
}

fn write(sink: &mut dyn Sink, plan: &Plan) -> anyhow::Result<()> {
    let dealers = plan.dealers;
    let stores = (dealers / 4).max(1);
    let t = |s: String| V::T(s);
    sink.table(
        "stores",
        &["id", "code", "name", "city"],
        &mut (0..stores).map(|n| vec![t(id(0xb1, n).to_string()), t(format!("BS-{n:06}")), t(format!("门店 {n}")), t("上海".into())]),
    )?;
    sink.table(
        "dealers",
        &["id", "code", "name", "region"],
        &mut (0..dealers).map(|n| vec![t(dealer(n).to_string()), t(format!("BD-{n:06}")), t(format!("经销商 {n}")), t("华东".into())]),
    )?;
    sink.table(
        "dealer_stores",
        &["dealer_id", "store_id"],
        &mut (0..dealers).map(|n| vec![t(dealer(n).to_string()), t(store_of(n, dealers).to_string())]),
    )?;
    sink.table(
        "dealer_tiers",
        &["dealer_id", "tier"],
        &mut (0..dealers).map(|n| vec![t(dealer(n).to_string()), t(if n % 5 == 0 { "gold" } else { "silver" }.into())]),
    )?;
    sink.table(
        "credit_lines",
        &["dealer_id", "credit_limit", "reserved", "receivables", "updated_at"],
        &mut (0..dealers).map(|n| vec![t(dealer(n).to_string()), V::I(1_000_000_000_00), V::I(0), V::I(0), V::I(plan.now)]),
    )?;

    // The history: orders over the last year, each received three days after it was placed.
    let orders = plan.lines / LINES_PER_ORDER;
    let year = 365 * DAY;
    let placed = |n: usize| plan.now - year + (n as i64 * 7_919) % (year - 7 * DAY);
    let sku = |n: usize, k: usize| &plan.skus[(n * 3 + k * 11) % plan.skus.len()];
    let quantity = |n: usize, k: usize| (1 + (n + k) % 6) as i64;
    let total = |n: usize| (0..LINES_PER_ORDER).map(|k| sku(n, k).1 * quantity(n, k)).sum::<i64>();
    let by = plan.admin.to_string();
    sink.table(
        "orders",
        &["id", "dealer_id", "ship_to", "status", "shortfall", "total", "credit_held", "placed_by", "body_hash", "placed_at", "updated_at"],
        &mut (0..orders).map(|n| {
            vec![
                t(id(0xc1, n).to_string()),
                t(dealer(n % dealers).to_string()),
                t(store_of(n % dealers, dealers).to_string()),
                t("invoiced".into()),
                t("back_order".into()),
                V::I(total(n)),
                V::I(0),
                t(by.clone()),
                t(format!("bench-{n}")),
                V::I(placed(n)),
                V::I(placed(n) + 4 * DAY),
            ]
        }),
    )?;
    sink.table(
        "order_lines",
        &["order_id", "line", "sku", "quantity", "unit_price", "list_price", "floor", "below_floor", "special_price", "shipped", "received", "cancelled"],
        &mut (0..orders).flat_map(|n| {
            (0..LINES_PER_ORDER).map(move |k| {
                let (code, price) = sku(n, k);
                vec![
                    V::T(id(0xc1, n).to_string()),
                    V::I(k as i64),
                    V::T(code.clone()),
                    V::I(quantity(n, k)),
                    V::I(*price),
                    V::I(*price),
                    V::N,
                    V::B(false),
                    V::B(false),
                    V::I(quantity(n, k)),
                    V::I(quantity(n, k)),
                    V::I(0),
                ]
            })
        }),
    )?;
    sink.table(
        "shipments",
        &["id", "order_id", "store_id", "shipped_by", "shipped_at", "received_at", "received_by", "lines_hash"],
        &mut (0..orders).map(|n| {
            vec![
                t(id(0xd1, n).to_string()),
                t(id(0xc1, n).to_string()),
                t(store_of(n % dealers, dealers).to_string()),
                t(by.clone()),
                V::I(placed(n) + DAY),
                V::I(placed(n) + 3 * DAY),
                t(plan.promoter.to_string()),
                t(format!("bench-{n}")),
            ]
        }),
    )?;
    sink.table(
        "shipment_lines",
        &["shipment_id", "sku", "quantity", "received", "damaged"],
        &mut (0..orders).flat_map(|n| {
            (0..LINES_PER_ORDER).map(move |k| {
                vec![
                    V::T(id(0xd1, n).to_string()),
                    V::T(sku(n, k).0.clone()),
                    V::I(quantity(n, k)),
                    V::I(quantity(n, k)),
                    V::I(0),
                ]
            })
        })
        // A SKU appears once per shipment.
        .filter({
            let mut last: Option<(String, String)> = None;
            let mut seen: Vec<String> = Vec::new();
            move |row: &Vec<V>| {
                let (V::T(shipment), V::T(code)) = (&row[0], &row[1]) else { return true };
                if last.as_ref().map(|(s, _)| s) != Some(shipment) {
                    seen.clear();
                }
                last = Some((shipment.clone(), code.clone()));
                if seen.contains(code) {
                    false
                } else {
                    seen.push(code.clone());
                    true
                }
            }
        }),
    )?;
    sink.table(
        "credit_movements",
        &["dealer_id", "kind", "amount", "order_id", "by_user", "reason", "at"],
        &mut (0..orders).flat_map(|n| {
            let (dealer_id, order, by) = (dealer(n % dealers).to_string(), id(0xc1, n).to_string(), by.clone());
            [("reserve", placed(n)), ("invoice", placed(n) + 4 * DAY)].into_iter().map(move |(kind, at)| {
                vec![V::T(dealer_id.clone()), V::T(kind.into()), V::I(total(n)), V::T(order.clone()), V::T(by.clone()), V::N, V::I(at)]
            })
        }),
    )?;

    // Last month's sales at every store, of what the dealers delivered.
    let month = last_month(plan.now);
    let sales = stores * SALES_PER_STORE;
    let sale_day = |n: usize| format!("{month}-{:02}", 1 + n % 28);
    sink.table(
        "sales",
        &["id", "store_id", "promoter_id", "shift_id", "receipt_no", "gross", "discounts", "total", "paid", "change_given", "day", "device_at"],
        &mut (0..sales).map(|n| {
            let price = plan.skus[n % plan.skus.len()].1 * 2;
            vec![
                V::T(id(0xe1, n).to_string()),
                V::T(id(0xb1, n % stores).to_string()),
                V::T(plan.promoter.to_string()),
                V::T(id(0xf1, n % stores).to_string()),
                V::T(format!("B-{n}")),
                V::I(price),
                V::I(0),
                V::I(price),
                V::I(price),
                V::I(0),
                V::T(sale_day(n)),
                V::I(plan.now - 20 * DAY),
            ]
        }),
    )?;
    sink.table(
        "sale_lines",
        &["sale_id", "line", "sku", "quantity", "unit_price", "discount", "net", "returned"],
        &mut (0..sales).map(|n| {
            let (code, price) = &plan.skus[n % plan.skus.len()];
            vec![V::T(id(0xe1, n).to_string()), V::I(0), V::T(code.clone()), V::I(1), V::I(price * 2), V::I(0), V::I(price * 2), V::I(0)]
        }),
    )?;

    // The orders waiting for the scarce SKU: confirmed, their credit held.
    sink.table(
        "orders",
        &["id", "dealer_id", "ship_to", "status", "shortfall", "total", "credit_held", "placed_by", "body_hash", "placed_at", "updated_at"],
        &mut (0..plan.open).map(|n| {
            vec![
                t(id(0xc2, n).to_string()),
                t(dealer(n % dealers).to_string()),
                t(store_of(n % dealers, dealers).to_string()),
                t("confirmed".into()),
                t("back_order".into()),
                V::I(1_000_00 * (1 + (n % 4) as i64 * 3)),
                V::I(1_000_00 * (1 + (n % 4) as i64 * 3)),
                t(by.clone()),
                t(format!("open-{n}")),
                V::I(plan.now - DAY + n as i64),
                V::I(plan.now - DAY + n as i64),
            ]
        }),
    )?;
    sink.table(
        "order_lines",
        &["order_id", "line", "sku", "quantity", "unit_price", "list_price", "below_floor", "special_price"],
        &mut (0..plan.open).map(|n| {
            vec![
                V::T(id(0xc2, n).to_string()),
                V::I(0),
                V::T(SCARCE.into()),
                V::I(1 + (n % 4) as i64 * 3),
                V::I(1_000_00),
                V::I(1_000_00),
                V::B(false),
                V::B(false),
            ]
        }),
    )?;
    Ok(())
}
