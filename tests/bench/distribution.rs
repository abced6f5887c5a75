//! Distribution's figures at a brand's scale: 24,000 dealers and 2,000,000 order lines of history
//! loaded (with their shipments counted in, credit movements, and a month of their stores' sales),
//! then, each beside a baseline from the same run:
//! - placing an order with its credit reservation, open loop at `--rate` orders a second over the
//!   instances (baseline: reading a dealer's credit at the same rate);
//! - a distributor's order list and statement (baseline: reading the dealer's credit);
//! - allocating one scarce SKU across `--open` confirmed orders (baseline: reading what waits);
//! - settling last month's rebates over every dealer (baseline: settling it again, nothing new).
//!
//!     cargo run --release -p portal-tests --bin distribution-bench [-- --dealers 24000 --lines 2000000]
//!     scripts/with-postgres cargo run --release -p portal-tests --bin distribution-bench   # both
//!
//! The servers run in this process on loopback ports (real HTTP over TCP): one instance on SQLite,
//! three instances on one PostgreSQL database. The history is written straight into the tables
//! (COPY on PostgreSQL, one transaction on SQLite); everything measured goes through the API.
use std::{sync::Arc, time::Instant};

use portal_api::*;
use portal_server::{
    common::now,
    db::{NewIdentity, NewUser},
    demo, Portal,
};
use portal_tests::bench::{arg, databases, percentile, serve_in_process_with, token_for};
use uuid::Uuid;

mod load {
    include!("distribution_load.rs");
}

/// The figures.
const PLACE_P99_MS: f64 = 20.0;
const LIST_P99_MS: f64 = 50.0;
const ALLOCATE_SECS: f64 = 1.0;
const SETTLE_SECS: f64 = 60.0;
/// Distributors placing orders, one per dealer.
const BUYERS: usize = 200;

struct Figures {
    instances: usize,
    load_secs: f64,
    place: Latency,
    place_baseline: Latency,
    list: Latency,
    statement: Latency,
    read_baseline: Latency,
    allocate_secs: f64,
    allocate_baseline_secs: f64,
    allocated_orders: u32,
    settle_secs: f64,
    settle_again_secs: f64,
    settled: SettleReport,
}

#[derive(Clone, Copy, Default)]
struct Latency {
    p50: f64,
    p99: f64,
    per_sec: f64,
    count: usize,
}

fn latency(mut ms: Vec<f64>, secs: f64) -> Latency {
    ms.sort_by(f64::total_cmp);
    Latency { p50: percentile(&ms, 0.5), p99: percentile(&ms, 0.99), per_sec: ms.len() as f64 / secs, count: ms.len() }
}

async fn send(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<serde_json::Value>,
) -> anyhow::Result<(u16, f64, String)> {
    let started = Instant::now();
    let mut request = http.request(method, url).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    let text = response.text().await?;
    Ok((status, started.elapsed().as_secs_f64() * 1000.0, text))
}

/// Requests at `rate` a second for `secs` seconds, each made by `make(n)`, open loop (a slow
/// answer does not hold the next request back); the latencies of those answered 2xx.
async fn open_loop<F, Fut>(rate: usize, secs: usize, make: F) -> anyhow::Result<Latency>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<(u16, f64, String)>> + Send + 'static,
{
    let mut ticker = tokio::time::interval(std::time::Duration::from_micros(1_000_000 / rate as u64));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(rate * secs);
    for n in 0..rate * secs {
        ticker.tick().await;
        tasks.push(tokio::spawn(make(n)));
    }
    let mut ms = Vec::with_capacity(tasks.len());
    for task in tasks {
        let (status, took, body) = task.await??;
        anyhow::ensure!((200..300).contains(&status), "HTTP {status}: {body}");
        ms.push(took);
    }
    Ok(latency(ms, started.elapsed().as_secs_f64()))
}

async fn measure(name: &str, database: String, dir: &std::path::Path) -> anyhow::Result<Figures> {
    let dealers = arg("--dealers", 24_000);
    let lines = arg("--lines", 2_000_000);
    let rate = arg("--rate", 200);
    let secs = arg("--secs", 20);
    let open = arg("--open", 5_000);
    let postgres = database.starts_with("postgres");
    let instances = if postgres { arg("--instances", 3) } else { 1 };
    let mut servers: Vec<(Arc<Portal>, String)> = Vec::new();
    for _ in 0..instances {
        let database = database.clone();
        servers.push(
            serve_in_process_with(dir, move |c| {
                c.database = database;
                c.database_pool_size = 16;
            })
            .await?,
        );
    }
    let portal = servers[0].0.clone();
    demo::seed(&portal, 300).await?;
    let book = portal.catalog.price_book().await.map_err(|e| anyhow::anyhow!("{}", e.0))?;
    let mut skus: Vec<(String, i64)> = book.dealer_prices.iter().map(|(s, p)| (s.clone(), *p)).collect();
    skus.sort();
    let ruled: Vec<String> = portal
        .db
        .order_rules(skus.iter().map(|(s, _)| s.clone()).collect())
        .await?
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    skus.retain(|(s, _)| !ruled.contains(s));
    anyhow::ensure!(skus.len() >= 10, "the demo catalog sells to dealers");
    let promoter =
        portal.db.find_identity(IdentityKind::Phone, "+8613900000003").await?.expect("the demo promoter").user_id;
    let admin = portal.db.find_identity(IdentityKind::Phone, "+8613900000001").await?.expect("the demo admin").user_id;

    eprintln!("{name}: loading {dealers} dealers and {lines} order lines…");
    let started = Instant::now();
    let plan = load::Plan { dealers, lines, open, skus: skus.clone(), promoter, admin, now: now() };
    let dbpath = database.clone();
    tokio::task::spawn_blocking(move || load::load(&dbpath, &plan)).await??;
    let load_secs = started.elapsed().as_secs_f64();
    eprintln!("{name}: loaded in {load_secs:.0} s");

    // The buyers: a distributor for each of the first dealers, with a token each.
    let mut buyers = Vec::with_capacity(BUYERS);
    for n in 0..BUYERS {
        let user = Uuid::now_v7();
        portal
            .db
            .create_user(NewUser {
                id: user,
                display_name: format!("bench distributor {n}"),
                role: Role::Distributor,
                store_id: None,
                dealer_id: Some(load::dealer(n)),
                password_hash: None,
                created_at: now(),
                identities: vec![NewIdentity {
                    kind: IdentityKind::Phone,
                    value: format!("+8613700{n:06}"),
                    verified: true,
                }],
            })
            .await?;
        buyers.push((load::dealer(n), load::store_of(n, dealers), token_for(&portal, user).await?));
    }
    let admin_token = token_for(&portal, admin).await?;
    let http = reqwest::Client::builder().pool_max_idle_per_host(256).build()?;
    let bases: Vec<String> = servers.iter().map(|(_, b)| b.clone()).collect();
    // Warm each instance (connections, the price book).
    for base in &bases {
        let (dealer, _, token) = &buyers[0];
        send(&http, reqwest::Method::GET, format!("{base}/v1/dealers/{dealer}/credit"), token, None).await?;
    }

    eprintln!("{name}: placing orders at {rate}/s for {secs} s over {instances} instance(s)…");
    let buyers = Arc::new(buyers);
    let skus = Arc::new(skus);
    let place_baseline = {
        let (http, bases, buyers) = (http.clone(), bases.clone(), buyers.clone());
        open_loop(rate, secs.min(10), move |n| {
            let (http, base, (dealer, _, token)) =
                (http.clone(), bases[n % bases.len()].clone(), buyers[n % BUYERS].clone());
            async move {
                send(&http, reqwest::Method::GET, format!("{base}/v1/dealers/{dealer}/credit"), &token, None).await
            }
        })
        .await?
    };
    // Each instance's connections prepare their statements on first use: a few seconds of orders
    // first, not counted.
    let placing = |rate: usize, secs: usize, offset: usize| {
        let (http, bases, buyers, skus) = (http.clone(), bases.clone(), buyers.clone(), skus.clone());
        open_loop(rate, secs, move |n| {
            let n = n + offset;
            let (http, base, (dealer, store, token)) =
                (http.clone(), bases[n % bases.len()].clone(), buyers[n % BUYERS].clone());
            let lines: Vec<serde_json::Value> = (0..3)
                .map(|k| serde_json::json!({ "sku": skus[(n + k * 7) % skus.len()].0, "quantity": 1 + (n + k) % 3 }))
                .collect();
            let body = serde_json::json!({ "id": Uuid::now_v7(), "dealer_id": dealer, "ship_to": store,
                                           "shortfall": "back_order", "lines": lines });
            async move { send(&http, reqwest::Method::POST, format!("{base}/v1/orders"), &token, Some(body)).await }
        })
    };
    placing(rate, 3, 1_000_000).await?;
    let place = placing(rate, secs, 0).await?;

    eprintln!("{name}: order lists and statements…");
    let month = load::last_month(now());
    let reads = |path: fn(Uuid, &str) -> String| {
        let (http, bases, buyers, month) = (http.clone(), bases.clone(), buyers.clone(), month.clone());
        open_loop(100, 10, move |n| {
            let (http, base, (dealer, _, token)) =
                (http.clone(), bases[n % bases.len()].clone(), buyers[n % BUYERS].clone());
            let url = format!("{base}{}", path(dealer, &month));
            async move { send(&http, reqwest::Method::GET, url, &token, None).await }
        })
    };
    let read_baseline = reads(|d, _| format!("/v1/dealers/{d}/credit")).await?;
    let list = reads(|d, _| format!("/v1/dealers/{d}/orders?limit=50")).await?;
    let statement = reads(|d, m| format!("/v1/dealers/{d}/statement?from={m}-01&to={m}-28")).await?;

    eprintln!("{name}: allocating one scarce SKU across {open} orders…");
    let base = &bases[0];
    let demand_url = format!("{base}/v1/admin/allocations/demand?sku={}", load::SCARCE);
    let (status, baseline_ms, body) = send(&http, reqwest::Method::GET, demand_url, &admin_token, None).await?;
    anyhow::ensure!(status == 200, "{body}");
    let run = serde_json::json!({ "id": Uuid::now_v7(), "sku": load::SCARCE, "available": open * 2, "basis": "ordered",
                                  "priority_tiers": ["gold"] });
    let (status, allocate_ms, body) =
        send(&http, reqwest::Method::POST, format!("{base}/v1/admin/allocations"), &admin_token, Some(run)).await?;
    anyhow::ensure!(status == 200, "{body}");
    let allocated: AllocationReport = serde_json::from_str(&body)?;

    eprintln!("{name}: settling last month's rebates over every dealer…");
    let rule = serde_json::json!({ "name": "bench monthly", "basis": "sold_onward", "period": "month", "paid_as": "credit",
                                   "starts_on": "2026-01-01", "tiers": [{ "from": 1, "basis_points": 200 }] });
    let (status, _, body) =
        send(&http, reqwest::Method::POST, format!("{base}/v1/admin/rebate-rules"), &admin_token, Some(rule)).await?;
    anyhow::ensure!(status == 200, "{body}");
    let settle = serde_json::json!({ "period": "month", "day": format!("{month}-15") });
    let settle_http = reqwest::Client::builder().timeout(std::time::Duration::from_secs(600)).build()?;
    let (status, settle_ms, body) = send(
        &settle_http,
        reqwest::Method::POST,
        format!("{base}/v1/admin/rebates/settle"),
        &admin_token,
        Some(settle.clone()),
    )
    .await?;
    anyhow::ensure!(status == 200, "{body}");
    let settled: SettleReport = serde_json::from_str(&body)?;
    let (status, again_ms, body) = send(
        &settle_http,
        reqwest::Method::POST,
        format!("{base}/v1/admin/rebates/settle"),
        &admin_token,
        Some(settle),
    )
    .await?;
    anyhow::ensure!(status == 200, "{body}");

    Ok(Figures {
        instances,
        load_secs,
        place,
        place_baseline,
        list,
        statement,
        read_baseline,
        allocate_secs: allocate_ms / 1000.0,
        allocate_baseline_secs: baseline_ms / 1000.0,
        allocated_orders: allocated.orders,
        settle_secs: settle_ms / 1000.0,
        settle_again_secs: again_ms / 1000.0,
        settled,
    })
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let dir = tempfile::tempdir()?;
        let mut measured = Vec::new();
        for (name, database) in databases(dir.path()) {
            let run_dir = tempfile::tempdir_in(dir.path())?;
            let figures = measure(name, database, run_dir.path()).await?;
            measured.push((name, figures));
        }
        println!(
            "\nDistribution at {} dealers and {} order lines:",
            arg("--dealers", 24_000),
            arg("--lines", 2_000_000)
        );
        let row = |label: &str, f: &dyn Fn(&Figures) -> String| {
            let cells: Vec<String> = measured.iter().map(|(_, m)| f(m)).collect();
            println!("| {label} | {} |", cells.join(" | "));
        };
        let names: Vec<String> = measured.iter().map(|(n, m)| format!("{n} ({}×)", m.instances)).collect();
        println!("| figure | {} |", names.join(" | "));
        println!("|---|{}|", vec!["---"; measured.len()].join("|"));
        row("history loaded in", &|m| format!("{:.0} s", m.load_secs));
        row("place an order, p50 / p99", &|m| {
            format!("{:.1} / {:.1} ms at {:.0}/s ({} orders)", m.place.p50, m.place.p99, m.place.per_sec, m.place.count)
        });
        row("baseline: read the credit line, p50 / p99", &|m| {
            format!("{:.1} / {:.1} ms at {:.0}/s", m.place_baseline.p50, m.place_baseline.p99, m.place_baseline.per_sec)
        });
        row("order list, p50 / p99", &|m| format!("{:.1} / {:.1} ms", m.list.p50, m.list.p99));
        row("statement, p50 / p99", &|m| format!("{:.1} / {:.1} ms", m.statement.p50, m.statement.p99));
        row("baseline: read the credit line, p50 / p99", &|m| {
            format!("{:.1} / {:.1} ms", m.read_baseline.p50, m.read_baseline.p99)
        });
        row("allocate one SKU", &|m| format!("{:.2} s over {} orders", m.allocate_secs, m.allocated_orders));
        row("baseline: read what waits for it", &|m| format!("{:.3} s", m.allocate_baseline_secs));
        row("settle a month's rebates", &|m| {
            format!("{:.1} s ({} dealers, {} credited)", m.settle_secs, m.settled.dealers, m.settled.credits)
        });
        row("baseline: settle it again (nothing new)", &|m| format!("{:.1} s", m.settle_again_secs));
        for (name, m) in &measured {
            let checks = [
                ("place p99", m.place.p99 <= PLACE_P99_MS),
                ("list p99", m.list.p99 <= LIST_P99_MS),
                ("statement p99", m.statement.p99 <= LIST_P99_MS),
                ("allocation", m.allocate_secs <= ALLOCATE_SECS),
                ("settlement", m.settle_secs <= SETTLE_SECS),
            ];
            let missed: Vec<&str> = checks.iter().filter(|(_, ok)| !ok).map(|(n, _)| *n).collect();
            println!(
                "{name}: {}",
                if missed.is_empty() {
                    "every figure within the issue's".into()
                } else {
                    format!("missed: {}", missed.join(", "))
                }
            );
        }
        Ok(())
    })
}
