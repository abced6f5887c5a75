//! Store operations' figures, measured: a checkout committed on the device (rules checked, receipt
//! and outbox row in one SQLite transaction) and a backlog of offline sales uploaded to a local
//! server, beside a baseline of the same sales sent one request each.
//!
//!     cargo run --release -p portal-tests --bin store-bench [-- --sales 10000]
//!     scripts/with-postgres cargo run --release -p portal-tests --bin store-bench   # both databases
//!
//! The server runs in this process on loopback ports (real HTTP servers over TCP): one instance on
//! SQLite in a temporary directory, and three instances on one PostgreSQL database when a cluster
//! is there; the devices' caches are real SQLite files. The same figures, side by side, plus 50
//! devices per instance uploading at once.
use std::sync::atomic::Ordering;
use std::time::Instant;

use portal_api::{endpoints as ep, *};
use portal_client::{api::ApiClient, cache::Cache, outbox, store_ops};
use portal_server::demo;
use portal_tests::bench::{arg, databases, percentile, serve_in_process_with};
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
        offer: None,
        coupon: None,
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
        let result =
            api.call(Some(token), &ep::ApplyStoreOps { body: StoreOps { ops: store_ops::ops(&due).0 } }).await?;
        anyhow::ensure!(result.outcomes.iter().all(|o| o.status == OpStatus::Applied), "every sale applied");
        store_ops::acknowledge(cache, user, &result.outcomes, 0)?;
        requests += 1;
    }
}

/// Devices uploading at once in the concurrency figure, and the sales each holds.
const DEVICES_PER_INSTANCE: usize = 50;
const SALES_PER_DEVICE: usize = 40;

/// One backend's figures.
struct Figures {
    backlog_secs: f64,
    requests: usize,
    baseline_secs: f64,
    instances: usize,
    concurrent_ops_per_sec: f64,
    concurrent_p99_ms: f64,
    concurrent_sales: usize,
    /// Requests that failed (timed out) and were sent again.
    retried: usize,
    /// Transactions the database made run again (they met another), during the devices' run.
    run_again: u64,
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let sales = arg("--sales", 10_000);
    let dir = tempfile::tempdir()?;

    // 1. Checkout commits on the device, offline: every sale checked and written with its outbox
    // row (the device's side, the same whatever the server's database).
    let user_for_device = Uuid::now_v7();
    let mut cache = Cache::open(&dir.path().join("device-commits.sqlite"))?;
    let shift = Uuid::now_v7();
    let store = demo::STORE_SHANGHAI;
    store_ops::record(
        &mut cache,
        user_for_device,
        store,
        StoreAction::OpenShift { shift_id: shift, opening_cash: 0 },
        10,
        AT,
    )?;
    let mut commits = Vec::with_capacity(sales);
    for n in 0..sales {
        let action = sale(shift, n);
        let t = Instant::now();
        store_ops::record(
            &mut cache,
            user_for_device,
            store,
            action,
            store_ops::PROMOTER_DISCOUNT_LIMIT_PERCENT,
            AT + 1 + n as i64 / 100,
        )?;
        commits.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    commits.sort_by(f64::total_cmp);
    drop(cache);

    let mut measured = Vec::new();
    for (name, database) in databases(dir.path()) {
        let sub = dir.path().join(name);
        std::fs::create_dir_all(&sub)?;
        measured.push((name, measure(&sub, &database, sales).await?));
    }

    println!("store operations: {sales} offline sales (2 lines, split payment, a gift; a third serialised)");
    println!();
    println!("{:<52} {:>12} {:>12}", "device", "measured", "target");
    println!(
        "{:<52} {:>10.2}ms {:>12}",
        "checkout commit p50 (rules + receipt + outbox)",
        percentile(&commits, 0.5),
        ""
    );
    println!("{:<52} {:>10.2}ms {:>12}", "checkout commit p99", percentile(&commits, 0.99), "≤ 10 ms");
    println!();
    print!("{:<52}", "server");
    for (name, _) in &measured {
        print!(" {name:>12}");
    }
    println!(" {:>12}", "target");
    let row = |label: String, values: Vec<String>, target: &str| {
        print!("{label:<52}");
        for v in values {
            print!(" {v:>12}");
        }
        println!(" {target:>12}");
    };
    row(
        format!("backlog of {sales} sales uploaded, one device"),
        measured.iter().map(|(_, f)| format!("{:.2}s", f.backlog_secs)).collect(),
        "≤ 15 s",
    );
    row("  requests of 200 operations".into(), measured.iter().map(|(_, f)| f.requests.to_string()).collect(), "");
    row(
        "baseline: one request per sale (same sales)".into(),
        measured.iter().map(|(_, f)| format!("{:.2}s", f.baseline_secs)).collect(),
        "",
    );
    row(
        format!("devices uploading at once ({DEVICES_PER_INSTANCE} per instance)"),
        measured.iter().map(|(_, f)| format!("{}×{}", f.instances, DEVICES_PER_INSTANCE)).collect(),
        "",
    );
    row(
        "  sales applied per second".into(),
        measured.iter().map(|(_, f)| format!("{:.0}/s", f.concurrent_ops_per_sec)).collect(),
        "",
    );
    row(
        "  request p99 (a batch of the device's sales)".into(),
        measured.iter().map(|(_, f)| format!("{:.0}ms", f.concurrent_p99_ms)).collect(),
        "",
    );
    row(
        "  requests timed out and sent again".into(),
        measured.iter().map(|(_, f)| f.retried.to_string()).collect(),
        "",
    );
    row(
        "  transactions run again (met another)".into(),
        measured.iter().map(|(_, f)| f.run_again.to_string()).collect(),
        "",
    );
    row("  sales in the run".into(), measured.iter().map(|(_, f)| f.concurrent_sales.to_string()).collect(), "");
    Ok(())
}

/// Signs a promoter in on `portal` and returns its access token and id.
async fn sign_in(portal: &portal_server::Portal, login: &str) -> anyhow::Result<(String, Uuid)> {
    let auth = portal
        .identity
        .sign_in_with_password(
            PasswordSignInRequest {
                login: login.into(),
                password: demo::DEMO_PASSWORD.into(),
                device_name: "bench".into(),
            },
            "127.0.0.1",
        )
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.0))?;
    Ok((auth.tokens.access_token, auth.profile.user_id))
}

/// A device's cache holding `count` offline sales of `user` at `store`.
fn device_with_sales(
    path: &std::path::Path,
    user: Uuid,
    store: Uuid,
    count: usize,
    first: usize,
) -> anyhow::Result<Cache> {
    let mut cache = Cache::open(path)?;
    let shift = Uuid::now_v7();
    store_ops::record(&mut cache, user, store, StoreAction::OpenShift { shift_id: shift, opening_cash: 0 }, 10, AT)?;
    for n in 0..count {
        store_ops::record(&mut cache, user, store, sale(shift, first + n), 10, AT + 1 + n as i64 / 100)?;
    }
    Ok(cache)
}

async fn measure(dir: &std::path::Path, database: &str, sales: usize) -> anyhow::Result<Figures> {
    let postgres = database.starts_with("postgres");
    let instances = if postgres { 3 } else { 1 };
    let mut servers = Vec::new();
    for _ in 0..instances {
        let database = database.to_owned();
        servers.push(
            serve_in_process_with(dir, move |c| {
                c.database = database;
                c.database_pool_size = 16;
            })
            .await?,
        );
    }
    let (portal, base) = servers[0].clone();
    demo::seed_accounts(portal.db.as_ref()).await?;
    let (token, user) = sign_in(&portal, "promoter").await?;
    let store = demo::STORE_SHANGHAI;
    let api = ApiClient::new(base.parse()?);

    // The day's backlog of one device goes up when the network comes back.
    let mut cache = device_with_sales(&dir.join("device.sqlite"), user, store, sales, 0)?;
    let t = Instant::now();
    let requests = upload(&mut cache, user, &api, &token, 200).await?;
    let backlog_secs = t.elapsed().as_secs_f64();

    // Baseline: the same number of sales, one request each (what a client without batching does).
    let baseline_count = arg("--baseline-sales", 1000).min(sales);
    let mut baseline_cache = device_with_sales(&dir.join("baseline.sqlite"), user, store, baseline_count, sales)?;
    let t = Instant::now();
    upload(&mut baseline_cache, user, &api, &token, 1).await?;
    let baseline_secs = t.elapsed().as_secs_f64() * sales as f64 / baseline_count as f64;

    // Many devices at once, over every instance: each a promoter's tablet at a store of its own
    // (as in the field: thousands of stores, a few tablets each).
    let hash = portal_server::identity::password::hash(demo::DEMO_PASSWORD.into(), None)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.0))?;
    let mut devices = Vec::new();
    for i in 0..instances * DEVICES_PER_INSTANCE {
        let store_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0001_0000_0000 + i as u128);
        let code = format!("BENCH-{i:03}");
        portal
            .db
            .upsert_store(Store { id: store_id, code: code.clone(), name: code.clone(), city: "上海".into() })
            .await?;
        let login = format!("bench{i:03}");
        portal
            .db
            .create_user(portal_server::db::NewUser {
                id: Uuid::now_v7(),
                display_name: format!("促销员 {i}"),
                role: Role::Promoter,
                store_id: Some(store_id),
                dealer_id: None,
                password_hash: Some(hash.clone()),
                created_at: AT - 86_400,
                identities: vec![portal_server::db::NewIdentity {
                    kind: IdentityKind::Username,
                    value: login.clone(),
                    verified: true,
                }],
            })
            .await?;
        let (portal, base) = &servers[i % instances];
        let (token, user) = sign_in(portal, &login).await?;
        let cache = device_with_sales(
            &dir.join(format!("tablet-{i}.sqlite")),
            user,
            store_id,
            SALES_PER_DEVICE,
            1_000_000 + i * SALES_PER_DEVICE,
        )?;
        devices.push((cache, user, ApiClient::new(base.parse()?), token));
    }
    let run_again_before = portal_server::db::postgres::TRANSACTIONS_RUN_AGAIN.load(Ordering::Relaxed);
    let t = Instant::now();
    let tasks: Vec<_> = devices
        .into_iter()
        .map(|(mut cache, user, api, token)| {
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let due = outbox::due(&cache, user, i64::MAX, 20)?;
                    if due.is_empty() {
                        return anyhow::Ok(latencies);
                    }
                    let sent = Instant::now();
                    // As the app does: a request that fails is sent again (applied once all the same).
                    let result = match api
                        .call(Some(&token), &ep::ApplyStoreOps { body: StoreOps { ops: store_ops::ops(&due).0 } })
                        .await
                    {
                        Ok(result) => result,
                        Err(_) => {
                            latencies.push(f64::INFINITY);
                            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                            continue;
                        }
                    };
                    latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
                    anyhow::ensure!(result.outcomes.iter().all(|o| o.status != OpStatus::Rejected), "none refused");
                    store_ops::acknowledge(&mut cache, user, &result.outcomes, 0)?;
                }
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = t.elapsed().as_secs_f64();
    let run_again = portal_server::db::postgres::TRANSACTIONS_RUN_AGAIN.load(Ordering::Relaxed) - run_again_before;
    let retried = latencies.iter().filter(|l| l.is_infinite()).count();
    latencies.retain(|l| l.is_finite());
    latencies.sort_by(f64::total_cmp);
    let concurrent_sales = instances * DEVICES_PER_INSTANCE * SALES_PER_DEVICE;
    let report = portal
        .store_ops
        .day_report(
            &portal_server::auth::Caller {
                user: portal.db.get_user(user).await?.expect("promoter"),
                session_id: Uuid::nil(),
            },
            store,
            Some(portal_server::common::local_day(AT)),
        )
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.0))?;
    anyhow::ensure!(report.sales as usize == sales + baseline_count, "every sale arrived once ({})", report.sales);
    Ok(Figures {
        backlog_secs,
        requests,
        baseline_secs,
        instances,
        concurrent_ops_per_sec: concurrent_sales as f64 / elapsed,
        concurrent_p99_ms: percentile(&latencies, 0.99),
        concurrent_sales,
        retried,
        run_again,
    })
}
