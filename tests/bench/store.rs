//! Store operations' figures, measured: a checkout committed on the device (rules checked, receipt
//! and outbox row in one SQLite transaction) and a backlog of offline sales uploaded to a local
//! server, beside a baseline of the same sales sent one request each.
//!
//!     cargo run --release -p portal-tests --bin store-bench [-- --sales 10000]
//!
//! The server runs in this process on a loopback port (a real HTTP server over TCP, its SQLite
//! database in a temporary directory); the device's cache is a real SQLite file.
use std::time::Instant;

use portal_api::*;
use portal_client::{api::ApiClient, cache::Cache, outbox, store_ops};
use portal_server::demo;
use portal_tests::bench::{arg, percentile, serve_in_process};
use uuid::Uuid;

/// When the sales are made: 2026-11-22 10:00 in Shanghai (a real time, so that the server takes
/// the device's clock; 10,000 sales spread over less than two minutes of it, inside one day).
const AT: i64 = 1_795_312_800;

fn sale(shift: Uuid, n: usize) -> StoreAction {
    let serialised = n % 3 == 0;
    StoreAction::Sale {
        sale_id: Uuid::now_v7(),
        shift_id: shift,
        receipt_no: format!("BENCH-{n:06}"),
        customer_phone: (n % 5 == 0).then(|| "13900000005".to_owned()),
        customer_consent: false,
        lines: vec![
            SaleLine {
                sku: format!("TV-{}", n % 40),
                quantity: 1,
                unit_price: 4999_00,
                discount: 100_00,
                serial: serialised.then(|| format!("SN-{n:08}")),
            },
            SaleLine { sku: "CABLE".into(), quantity: 2, unit_price: 49_00, discount: 0, serial: None },
        ],
        order_discount: 0,
        payments: vec![
            Payment { method: PaymentMethod::Card, amount: 4000_00 },
            Payment { method: PaymentMethod::Cash, amount: 1000_00 },
        ],
        gifts: vec![SkuQuantity { sku: "GIFT-MUG".into(), quantity: 1 }],
    }
}

/// Sends the device's outbox, `batch` operations a request; returns how many requests it took.
async fn upload(cache: &mut Cache, user: Uuid, api: &ApiClient, token: &str, batch: u32) -> anyhow::Result<usize> {
    let mut requests = 0;
    loop {
        let due = outbox::due(cache, user, i64::MAX, batch)?;
        if due.is_empty() {
            return Ok(requests);
        }
        let result = api.store_ops(token, &StoreOps { ops: store_ops::ops(&due).0 }).await?;
        anyhow::ensure!(result.outcomes.iter().all(|o| o.status == OpStatus::Applied), "every sale applied");
        store_ops::acknowledge(cache, user, &result.outcomes, 0)?;
        requests += 1;
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let sales = arg("--sales", 10_000);
    let dir = tempfile::tempdir()?;
    let (portal, base) = serve_in_process(dir.path()).await?;
    demo::seed_accounts(portal.db.as_ref()).await?;
    let auth = portal
        .sign_in_with_password(
            PasswordSignInRequest {
                login: "promoter".into(),
                password: demo::DEMO_PASSWORD.into(),
                device_name: "bench".into(),
            },
            "127.0.0.1",
        )
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.0))?;
    let (token, user) = (auth.tokens.access_token, auth.profile.user_id);
    let store = demo::STORE_SHANGHAI;
    let api = ApiClient::new(base.parse()?);

    // 1. Checkout commits on the device, offline: every sale checked and written with its outbox row.
    let mut cache = Cache::open(&dir.path().join("device.sqlite"))?;
    let shift = Uuid::now_v7();
    store_ops::record(&mut cache, user, store, StoreAction::OpenShift { shift_id: shift, opening_cash: 0 }, 10, AT)?;
    let mut commits = Vec::with_capacity(sales);
    for n in 0..sales {
        let action = sale(shift, n);
        let t = Instant::now();
        store_ops::record(
            &mut cache,
            user,
            store,
            action,
            store_ops::PROMOTER_DISCOUNT_LIMIT_PERCENT,
            AT + 1 + n as i64 / 100,
        )?;
        commits.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    commits.sort_by(f64::total_cmp);

    // 2. The day's backlog goes up when the network comes back.
    let t = Instant::now();
    let requests = upload(&mut cache, user, &api, &token, 200).await?;
    let backlog = t.elapsed();

    // Baseline: the same number of sales, one request each (what a client without batching does).
    let baseline_count = arg("--baseline-sales", 1000).min(sales);
    let mut baseline_cache = Cache::open(&dir.path().join("baseline.sqlite"))?;
    let baseline_shift = Uuid::now_v7();
    let open = StoreAction::OpenShift { shift_id: baseline_shift, opening_cash: 0 };
    store_ops::record(&mut baseline_cache, user, store, open, 10, AT)?;
    for n in 0..baseline_count {
        store_ops::record(&mut baseline_cache, user, store, sale(baseline_shift, sales + n), 10, AT + 1)?;
    }
    let t = Instant::now();
    upload(&mut baseline_cache, user, &api, &token, 1).await?;
    let baseline = t.elapsed().as_secs_f64() * sales as f64 / baseline_count as f64;

    let report = portal
        .day_report(
            &portal_server::identity::accounts::Caller {
                user: portal.db.get_user(user).await?.expect("promoter"),
                session_id: Uuid::nil(),
            },
            store,
            Some(portal_server::store_ops::local_day(AT)),
        )
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.0))?;
    anyhow::ensure!(report.sales as usize == sales + baseline_count, "every sale arrived once");

    println!("store operations: {sales} offline sales (2 lines, split payment, a gift; a third serialised)");
    println!();
    println!("{:<52} {:>12} {:>12}", "figure", "measured", "target");
    println!(
        "{:<52} {:>10.2}ms {:>12}",
        "checkout commit p50 (rules + receipt + outbox)",
        percentile(&commits, 0.5),
        ""
    );
    println!("{:<52} {:>10.2}ms {:>12}", "checkout commit p99", percentile(&commits, 0.99), "≤ 10 ms");
    println!(
        "{:<52} {:>10.2}s {:>12}",
        format!("backlog of {sales} sales uploaded ({requests} requests)"),
        backlog.as_secs_f64(),
        "≤ 15 s"
    );
    println!(
        "{:<52} {:>10.2}s {:>12}",
        format!("baseline: one request per sale (from {baseline_count})"),
        baseline,
        ""
    );
    Ok(())
}
