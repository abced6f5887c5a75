//! Precision marketing's figures, measured on each database side by side, each beside a baseline
//! from the same run:
//! - retraining every recommender on about 1,000,000 planted behaviour events (baseline: the same
//!   model without collaborative filtering);
//! - the offline evaluation on those events split by time (baseline: popularity);
//! - serving recommendation lists at 500 requests a second, the load from this process and the
//!   server in another, once the database has settled after the bulk load (baseline: `/healthz`
//!   at the same rate), in rounds that alternate the two (`--rounds 3`; each round's p99 with the
//!   CPU time the hypervisor took from this machine meanwhile, the median round's, and that of
//!   every request together; `PORTAL_BENCH_LATENCIES=<file>` writes every request's latency);
//! - the operators' report over 90 days of planted lists, impressions and clicks, its ended days
//!   rolled up (baseline: the same read raw, before the roll-up), and one trigger pass for 10,000 followers
//!   of a product back in stock at 500 stores (baseline: the next pass, with nothing new);
//! - ingesting events in batches of 500 from many installations (baseline: one event a request).
//!
//!     cargo run --release -p portal-tests --bin marketing-bench [-- --households 45000 --seconds 10]
//!     scripts/with-postgres cargo run --release -p portal-tests --bin marketing-bench   # both
use std::{
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};

use portal_api::*;
use portal_marketing::als::AlsParams;
use portal_server::{
    common::now,
    db::{NewIdentity, NewUser},
    demo,
    marketing::{evaluation, model::Model, planted},
};
use portal_tests::bench::{arg, databases, memory_kib, percentile, serve_in_process_with};
use tokio::io::{AsyncBufReadExt, BufReader};
use uuid::Uuid;

const SEED: u64 = 7;
/// Planted households that get an account to sign in with, for personal lists.
const SIGNED_IN: u32 = 20;
const PASSWORD: &str = "Bench#2026pass";

/// The server for the load figures, in a process of its own: `--serve <dir> <database>` prints
/// its address and serves until its input closes.
async fn serve_child(dir: PathBuf, database: String) -> anyhow::Result<()> {
    let (_portal, base) = serve_in_process_with(&dir, |c| {
        c.database = database;
        c.recommender_max_age_secs = 3600;
        c.tags_interval_secs = 0;
        // The load generator stands in for a load balancer: each installation its own address.
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        c.dev_mode = true;
    })
    .await?;
    println!("{base}");
    // Serves until the parent closes this process's input.
    tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        while std::io::stdin().read_line(&mut line).is_ok_and(|n| n > 0) {
            line.clear();
        }
    })
    .await?;
    Ok(())
}

struct Figures {
    events: usize,
    interest_rows: usize,
    train_secs: f64,
    train_peak_mib: f64,
    report_raw_ms: f64,
    report_90_ms: f64,
    report_lists: usize,
    roll_up_secs: f64,
    report_same: bool,
    trigger_first_ms: f64,
    trigger_next_ms: f64,
    trigger_sent: usize,
    baseline_train_secs: f64,
    ndcg: f64,
    popular_ndcg: f64,
    serve_rounds: Vec<Latency>,
    health_rounds: Vec<Latency>,
    ingest_per_sec: f64,
    single_per_sec: f64,
}

#[derive(Default, Clone)]
struct Latency {
    per_sec: f64,
    p50: f64,
    p99: f64,
    failed: usize,
    /// The share of the machine's CPU time its hypervisor gave to others meanwhile, %.
    stolen: f64,
    /// Every answered request's latency, ms, sorted.
    times: Vec<f64>,
}

/// The machine's CPU time so far, and how much of it was stolen (by its hypervisor), in ticks.
fn cpu_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let fields: Vec<u64> =
        stat.lines().next().unwrap_or_default().split_whitespace().skip(1).filter_map(|f| f.parse().ok()).collect();
    (fields.iter().take(8).sum(), fields.get(7).copied().unwrap_or(0))
}

/// `rate` requests a second for `seconds`, each started on time whatever the others do (an open
/// loop, as real users arrive); the latency of each from start to the whole answer read.
async fn load<F, Fut>(rate: usize, seconds: usize, request: F) -> Latency
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = bool> + Send + 'static,
{
    let total = rate * seconds;
    let ticks = cpu_ticks();
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(total);
    for i in 0..total {
        let due = started + Duration::from_secs_f64(i as f64 / rate as f64);
        tokio::time::sleep_until(due.into()).await;
        let fut = request(i);
        // From when the request was due: time spent waiting to be sent counts too.
        tasks.push(tokio::spawn(async move {
            let ok = fut.await;
            (due.elapsed().as_secs_f64() * 1000.0, ok)
        }));
    }
    let mut times = Vec::with_capacity(total);
    let mut failed = 0;
    // Each answered request's due time (s from the start) and latency (ms), for a closer look.
    let dump_to = std::env::var("PORTAL_BENCH_LATENCIES").ok();
    let mut dump = String::new();
    for (i, t) in tasks.into_iter().enumerate() {
        match t.await {
            Ok((ms, true)) => {
                if dump_to.is_some() {
                    dump.push_str(&format!("{} {ms:.3}\n", i as f64 / rate as f64));
                }
                times.push(ms)
            }
            _ => failed += 1,
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let (all, stolen) = cpu_ticks();
    let stolen = 100.0 * stolen.saturating_sub(ticks.1) as f64 / all.saturating_sub(ticks.0).max(1) as f64;
    if let Some(path) = dump_to {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap();
        let at = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        writeln!(f, "# a round, ended at {at}").unwrap();
        f.write_all(dump.as_bytes()).unwrap();
    }
    times.sort_by(f64::total_cmp);
    if times.is_empty() {
        return Latency { failed, stolen, ..Default::default() };
    }
    Latency {
        per_sec: total as f64 / elapsed,
        p50: percentile(&times, 0.5),
        p99: percentile(&times, 0.99),
        failed,
        stolen,
        times,
    }
}

/// Sends event batches, 8 in flight, each from an address of its own in `network`.0.0.0/8 (the
/// server believes the forwarded address from loopback); returns the seconds taken and how many
/// batches were kept.
async fn send_events(
    http: &reqwest::Client,
    base: &str,
    network: u8,
    bodies: Vec<serde_json::Value>,
) -> anyhow::Result<(f64, usize)> {
    let started = Instant::now();
    let semaphore = Arc::new(tokio::sync::Semaphore::new(8));
    let mut tasks = Vec::new();
    for (i, body) in bodies.into_iter().enumerate() {
        let permit = semaphore.clone().acquire_owned().await?;
        let request = http
            .post(format!("{base}/v1/events"))
            .header("x-forwarded-for", format!("{network}.{}.{}.{}", i / 65536 % 256, i / 256 % 256, i % 256))
            .json(&body);
        tasks.push(tokio::spawn(async move {
            let ok = request.send().await.is_ok_and(|r| r.status().is_success());
            drop(permit);
            ok
        }));
    }
    let mut ok = 0;
    for t in tasks {
        ok += usize::from(t.await.unwrap_or(false));
    }
    Ok((started.elapsed().as_secs_f64(), ok))
}

/// Lets the database settle after the bulk load, as it would long before a million events are
/// served against: PostgreSQL vacuumed, analysed and checkpointed (otherwise its maintenance of
/// the fresh rows runs through the serving figures, `/healthz` included); SQLite's log folded
/// into its file.
async fn settle(database: &str) -> anyhow::Result<()> {
    let database = database.to_owned();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        if database.starts_with("postgres") {
            let mut client = postgres::Client::connect(&database, postgres::NoTls)?;
            // One statement each: VACUUM runs outside a transaction block.
            client.batch_execute("VACUUM ANALYZE")?;
            client.batch_execute("CHECKPOINT")?;
        } else {
            rusqlite::Connection::open(&database)?.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;")?;
        }
        Ok(())
    })
    .await?
}

/// PostgreSQL's own maintenance so far (autovacuum and autoanalyze runs per table, checkpoints),
/// to tell what ran during the serving rounds.
async fn maintenance(database: &str) -> anyhow::Result<Vec<String>> {
    if !database.starts_with("postgres") {
        return Ok(vec![]);
    }
    let database = database.to_owned();
    tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<String>> {
        let mut client = postgres::Client::connect(&database, postgres::NoTls)?;
        let mut out: Vec<String> = client
            .query(
                "SELECT relname, autovacuum_count, autoanalyze_count FROM pg_stat_user_tables
                  WHERE autovacuum_count + autoanalyze_count > 0",
                &[],
            )?
            .iter()
            .map(|r| {
                let (table, vacuums, analyses): (String, i64, i64) = (r.get(0), r.get(1), r.get(2));
                format!("{table}: autovacuum #{vacuums}, autoanalyze #{analyses}")
            })
            .collect();
        // pg_stat_checkpointer from PostgreSQL 17, pg_stat_bgwriter before.
        let checkpoints = client
            .query_one("SELECT num_timed + num_requested FROM pg_stat_checkpointer", &[])
            .or_else(|_| client.query_one("SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter", &[]));
        if let Ok(row) = checkpoints {
            out.push(format!("checkpoint #{}", row.get::<_, i64>(0)));
        }
        Ok(out)
    })
    .await?
}

async fn measure(name: &str, database: String, dir: &std::path::Path) -> anyhow::Result<Figures> {
    let households = arg("--households", 45_000);
    let seconds = arg("--seconds", 10);
    let sub = dir.join(name);
    std::fs::create_dir_all(&sub)?;

    // 1. The data: the demo catalog and about a million planted events, straight into the database.
    let (portal, _) = serve_in_process_with(&sub, |c| {
        c.database = database.clone();
        c.tags_interval_secs = 0;
    })
    .await?;
    let started = Instant::now();
    demo::seed(&portal, demo::DEFAULT_SKUS).await?;
    let events =
        planted::seed_behaviour(&portal, households, 180, SEED).await.map_err(|e| anyhow::anyhow!("{}", e.0))?;
    println!(
        "[{name}] {events} events planted for {households} households in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    // Accounts for a few planted households, to ask for their personal lists.
    let hash =
        portal_server::identity::password::hash(PASSWORD.into(), None).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    for h in 0..SIGNED_IN {
        let id = planted::household_id(SEED, h, false);
        if portal.db.get_user(id).await?.is_none() {
            portal
                .db
                .create_user(NewUser {
                    id,
                    display_name: format!("Household {h}"),
                    role: Role::Consumer,
                    store_id: None,
                    dealer_id: None,
                    password_hash: Some(hash.clone()),
                    created_at: now(),
                    identities: vec![NewIdentity {
                        kind: IdentityKind::Username,
                        value: format!("household{h}"),
                        verified: true,
                    }],
                })
                .await?;
        }
    }

    // 2. Retraining from the database, with and without collaborative filtering; the process's
    // peak resident memory is reset before and read after (the portal's own memory beside it).
    let resident_before = memory_kib("VmRSS");
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let started = Instant::now();
    let model = portal.marketing.build_recommender().await.map_err(|e| anyhow::anyhow!("{}", e.0))?;
    let train_secs = started.elapsed().as_secs_f64();
    let train_peak_mib = memory_kib("VmHWM").saturating_sub(resident_before) as f64 / 1024.0;
    drop(model);
    let products = portal.catalog.catalog_products().await.map_err(|e| anyhow::anyhow!("{}", e.0))?;
    let models: Vec<String> =
        products.iter().filter(|p| p.lifecycle != Lifecycle::Discontinued).map(|p| p.model.clone()).collect();
    let started = Instant::now();
    let people = every_person(&portal, now() - 180 * 86_400).await?;
    let interest_rows: usize = people.iter().map(|p| p.interest.len()).sum();
    let without_als = AlsParams { iterations: 0, ..AlsParams::default() };
    let baseline =
        tokio::task::spawn_blocking(move || Model::train_people(products, &people, now(), &without_als)).await?;
    let baseline_train_secs = started.elapsed().as_secs_f64();
    drop(baseline);

    // 3. The offline evaluation on the same events.
    let e = evaluation::evaluate_database(&portal, 14, 10, AlsParams::default())
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.0))?;
    print!("{}", e.table(10));
    let ndcg = e.metrics(portal_server::marketing::model::HOME_DEFAULT).map(|m| m.ndcg).unwrap_or(0.0);
    let popular_ndcg = e.metrics("popular").map(|m| m.ndcg).unwrap_or(0.0);

    // 3b. The operators' report over 90 days, beside the same over 7.
    let operator = portal.db.find_identity(IdentityKind::Username, "operator").await?.expect("the demo operator");
    let caller = portal_server::auth::Caller {
        user: portal.db.get_user(operator.user_id).await?.expect("the demo operator"),
        session_id: Uuid::now_v7(),
    };
    let timed_report = |days: u32| {
        let (portal, caller) = (portal.clone(), caller.clone());
        async move {
            let started = Instant::now();
            portal.marketing.recommendation_report(&caller, days).await.map_err(|e| anyhow::anyhow!("{}", e.0))?;
            anyhow::Ok(started.elapsed().as_secs_f64() * 1000.0)
        }
    };
    // 90 days of home lists, each shown and one in ten clicked; the report read raw first (nothing
    // sealed), then each ended day rolled up and the report again: the same rows, faster.
    let planted_started = Instant::now();
    let (report_lists, report_events) =
        planted::seed_trail(&portal, arg("--report-lists-per-day", 2_000) as u32, 90, 10, households as u32, SEED)
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.0))?;
    println!(
        "[{name}] {report_lists} lists and {report_events} events of the report planted in {:.0} s",
        planted_started.elapsed().as_secs_f64()
    );
    let report = |days: u32| {
        let (portal, caller) = (portal.clone(), caller.clone());
        async move { portal.marketing.recommendation_report(&caller, days).await.map_err(|e| anyhow::anyhow!("{}", e.0)) }
    };
    let raw_report = report(90).await?;
    let report_raw_ms = timed_report(90).await?;
    let started = Instant::now();
    let sealed_days = portal.marketing.roll_up_report().await.map_err(|e| anyhow::anyhow!("{}", e.0))?;
    let roll_up_secs = started.elapsed().as_secs_f64();
    let rolled_report = report(90).await?;
    let report_90_ms = timed_report(90).await?;
    let report_same = raw_report.rows == rolled_report.rows;
    println!("[{name}] {sealed_days} days sealed in {roll_up_secs:.1} s; the report the same after: {report_same}");

    // 3c. One trigger pass: a product 10,000 people follow, back in stock at 500 stores; the
    // first pass writes their messages, the next finds nothing new (the steady state).
    let admin = portal.db.find_identity(IdentityKind::Username, "admin").await?.expect("the demo admin").user_id;
    let (trigger_first_ms, trigger_next_ms, trigger_sent) =
        trigger_pass_figures(&portal, &products_for_bench(&portal).await?, admin).await?;
    drop(portal);
    settle(&database).await?;

    // 4. Serving, from another process.
    let mut child = tokio::process::Command::new(std::env::current_exe()?)
        .arg("--serve")
        .arg(&sub)
        .arg(&database)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let _keep_open = child.stdin.take();
    let base = BufReader::new(child.stdout.take().expect("piped")).lines().next_line().await?.unwrap_or_default();
    let http = reqwest::Client::builder().pool_max_idle_per_host(256).build()?;
    let mut tokens = Vec::new();
    for h in 0..SIGNED_IN {
        let body =
            serde_json::json!({ "login": format!("household{h}"), "password": PASSWORD, "device_name": "bench" });
        let auth: serde_json::Value =
            http.post(format!("{base}/v1/auth/sign-in/password")).json(&body).send().await?.json().await?;
        tokens.push(auth["tokens"]["access_token"].as_str().unwrap_or_default().to_owned());
    }
    anyhow::ensure!(tokens.iter().all(|t| !t.is_empty()), "the households signed in");
    // The first list trains this instance's model; the load starts after it.
    let warm = http
        .get(format!("{base}/v1/recommendations?placement=home"))
        .bearer_auth(&tokens[0])
        .timeout(Duration::from_secs(600))
        .send()
        .await?;
    anyhow::ensure!(warm.status().is_success(), "a first list: {}", warm.status());
    let rate = 500;
    let tokens = Arc::new(tokens);
    // Rounds of the baseline and the lists in turn: a stall of this shared machine (its figures
    // vary by a third from run to run) then falls on both alike, and the median round is shown.
    let (mut health_rounds, mut serve_rounds) = (vec![], vec![]);
    let maintenance_before = maintenance(&database).await?;
    for _ in 0..arg("--rounds", 3) {
        let (client, at) = (http.clone(), base.clone());
        health_rounds.push(
            load(rate, seconds, move |_| {
                let request = client.get(format!("{at}/healthz"));
                async move { request.send().await.is_ok_and(|r| r.status().is_success()) }
            })
            .await,
        );
        let (client, at, tokens) = (http.clone(), base.clone(), tokens.clone());
        serve_rounds.push(
            load(rate, seconds, move |i| {
                let request = client
                    .get(format!("{at}/v1/recommendations?placement=home&limit=12"))
                    .bearer_auth(&tokens[i % tokens.len()]);
                async move {
                    match request.send().await {
                        Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                        _ => false,
                    }
                }
            })
            .await,
        );
    }

    let maintenance = maintenance(&database).await?.into_iter().filter(|m| !maintenance_before.contains(m));
    for line in maintenance {
        println!("[{name}] while serving: {line}");
    }

    // 5. Ingest: batches of 500 product views from many installations (each its own address
    // behind the trusted proxy), 8 batches in flight; beside one event a request.
    anyhow::ensure!(!models.is_empty(), "models to view");
    let batch_of = |install: usize, size: usize| {
        let events: Vec<serde_json::Value> = (0..size)
            .map(|j| {
                serde_json::json!({ "id": Uuid::now_v7(), "kind": "product_view", "at": now() - 5,
                                    "model": models[(install * 31 + j) % models.len()] })
            })
            .collect();
        serde_json::json!({ "install_id": Uuid::now_v7(), "events": events })
    };
    let batches: Vec<serde_json::Value> = (0..arg("--batches", 400)).map(|i| batch_of(i, 500)).collect();
    let total: usize = batches.len() * 500;
    let (secs, ok) = send_events(&http, &base, 10, batches).await?;
    let ingest_per_sec = total as f64 / secs;
    anyhow::ensure!(ok * 500 == total, "every batch kept ({ok} of {})", total / 500);
    let singles: Vec<serde_json::Value> = (0..2000).map(|i| batch_of(100_000 + i, 1)).collect();
    let (secs, _) = send_events(&http, &base, 11, singles).await?;
    let single_per_sec = 2000.0 / secs;
    drop(_keep_open);
    child.kill().await.ok();
    Ok(Figures {
        events,
        interest_rows,
        train_secs,
        train_peak_mib,
        report_raw_ms,
        report_90_ms,
        report_lists,
        roll_up_secs,
        report_same,
        trigger_first_ms,
        trigger_next_ms,
        trigger_sent,
        baseline_train_secs,
        ndcg,
        popular_ndcg,
        serve_rounds,
        health_rounds,
        ingest_per_sec,
        single_per_sec,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--serve") {
        return serve_child(PathBuf::from(&args[i + 1]), args[i + 2].clone()).await;
    }
    let dir = tempfile::tempdir()?;
    let mut results = Vec::new();
    for (name, database) in databases(dir.path()) {
        results.push((name, measure(name, database, dir.path()).await?));
    }
    println!();
    print!("{:<62}", "figure (2 cores for everything)");
    for (name, _) in &results {
        print!("{name:>30}");
    }
    println!("  target");
    let row = |label: &str, target: &str, value: &dyn Fn(&Figures) -> String| {
        print!("{label:<62}");
        for (_, f) in &results {
            print!("{:>30}", value(f));
        }
        println!("  {target}");
    };
    row("behaviour events planted", "", &|f| f.events.to_string());
    row("  rows training reads (one per person, product and kind)", "", &|f| f.interest_rows.to_string());
    row("retraining every recommender, s", "≤ 60", &|f| format!("{:.1}", f.train_secs));
    row("  its peak memory above the process's before, MiB", "", &|f| format!("{:.0}", f.train_peak_mib));
    row("  baseline: without collaborative filtering, s", "", &|f| format!("{:.1}", f.baseline_train_secs));
    row("blended NDCG@10 / popularity NDCG@10", "≥ 1.5", &|f| format!("{:.2}", f.ndcg / f.popular_ndcg.max(1e-9)));
    let rounds = |f: &Figures| f.serve_rounds.len();
    row("home lists at 500/s: rounds, each --seconds", "", &|f| rounds(f).to_string());
    row("  served per second (median of the rounds)", "", &|f| {
        format!("{:.0}", median(&f.serve_rounds, |l| l.per_sec))
    });
    row("  p50, ms (median of the rounds)", "", &|f| format!("{:.2}", median(&f.serve_rounds, |l| l.p50)));
    row("  p99, ms (median of the rounds)", "≤ 5", &|f| format!("{:.2}", median(&f.serve_rounds, |l| l.p99)));
    row("  p99 of every round's requests together, ms", "", &|f| format!("{:.2}", pooled_p99(&f.serve_rounds)));
    row("  p99 of each round, ms", "", &|f| each(&f.serve_rounds, |l| l.p99));
    row("  CPU stolen by the hypervisor in each round, %", "", &|f| each(&f.serve_rounds, |l| l.stolen));
    row("  failed (all rounds)", "0", &|f| f.serve_rounds.iter().map(|l| l.failed).sum::<usize>().to_string());
    row("  baseline: /healthz at 500/s, p99 ms (median of the rounds)", "", &|f| {
        format!("{:.2}", median(&f.health_rounds, |l| l.p99))
    });
    row("  baseline: p99 of every round's together, ms", "", &|f| format!("{:.2}", pooled_p99(&f.health_rounds)));
    row("  baseline: p99 of each round, ms", "", &|f| each(&f.health_rounds, |l| l.p99));
    row("  baseline: CPU stolen in each round, %", "", &|f| each(&f.health_rounds, |l| l.stolen));
    row("the operators' report over 90 days (days rolled up), ms", "≤ 1,000", &|f| format!("{:.0}", f.report_90_ms));
    row("  lists served in those 90 days (each shown, 1 in 10 clicked)", "", &|f| f.report_lists.to_string());
    row("  baseline: the same read raw (nothing rolled up), ms", "", &|f| format!("{:.0}", f.report_raw_ms));
    row("  rolling every ended day up, once, s", "", &|f| format!("{:.1}", f.roll_up_secs));
    row("  the same rows either way", "yes", &|f| (if f.report_same { "yes" } else { "NO" }).to_string());
    row("trigger pass: 10,000 followers, back at 500 stores, ms", "≤ 1,000", &|f| {
        format!("{:.0}", f.trigger_first_ms)
    });
    row("  messages it wrote", "10,000", &|f| f.trigger_sent.to_string());
    row("  baseline: the next pass (nothing new), ms", "", &|f| format!("{:.0}", f.trigger_next_ms));
    row("events ingested per second (batches of 500)", "≥ 50,000", &|f| format!("{:.0}", f.ingest_per_sec));
    row("  baseline: one event a request, per second", "", &|f| format!("{:.0}", f.single_per_sec));
    Ok(())
}

/// A product on sale and one of its SKUs.
async fn products_for_bench(portal: &portal_server::portal::Portal) -> anyhow::Result<(String, String)> {
    let products = portal.catalog.catalog_products().await.map_err(|e| anyhow::anyhow!("{}", e.0))?;
    let p = products
        .iter()
        .find(|p| p.lifecycle == Lifecycle::OnSale && !p.skus.is_empty())
        .ok_or_else(|| anyhow::anyhow!("a product on sale"))?;
    Ok((p.model.clone(), p.skus[0].code.clone()))
}

/// Plants 10,000 followers of `product` and its restock at 500 new stores, with a back-in-stock
/// trigger; times the first pass (which writes their messages) and the next (nothing new).
async fn trigger_pass_figures(
    portal: &Arc<portal_server::portal::Portal>,
    (model, sku): &(String, String),
    actor: Uuid,
) -> anyhow::Result<(f64, f64, usize)> {
    const FOLLOWERS: u32 = 10_000;
    const STORES: u32 = 500;
    let at = now();
    for i in 0..FOLLOWERS {
        let id = Uuid::now_v7();
        portal
            .db
            .create_user(NewUser {
                id,
                display_name: format!("Follower {i}"),
                role: Role::Consumer,
                store_id: None,
                dealer_id: None,
                password_hash: None,
                created_at: at,
                identities: vec![NewIdentity {
                    kind: IdentityKind::Username,
                    value: format!("follower{i}"),
                    verified: true,
                }],
            })
            .await?;
        let follow = FavouriteOp {
            id: Uuid::now_v7(),
            model: model.clone(),
            kind: FavouriteKind::Follow,
            active: true,
            changed_at: at,
        };
        portal.db.apply_favourite_ops(id, vec![(follow, "bench".into())], at).await?;
    }
    for i in 0..STORES {
        let store = Uuid::now_v7();
        portal
            .db
            .upsert_store(Store {
                id: store,
                code: format!("BENCH-{i:03}"),
                name: format!("门店 {i}"),
                city: "上海".into(),
            })
            .await?;
        let op = StoreOp {
            id: Uuid::now_v7(),
            store_id: store,
            device_at: at - 60,
            action: StoreAction::Receipt {
                lines: vec![SkuQuantity { sku: sku.clone(), quantity: 3 }],
                source: "brand".into(),
            },
        };
        let ctx = portal_server::db::OpContext {
            actor,
            customer: None,
            discount_limit_percent: 10,
            prices: vec![],
            manages_store: false,
            body_hash: portal_server::common::body_hash(&op),
            refusal: None,
            flags: vec![],
            coupon: None,
            day: portal_server::common::local_day(op.device_at),
            now: at,
        };
        portal.db.apply_store_ops(vec![(op, ctx)]).await?;
    }
    let trigger = Trigger {
        id: Uuid::now_v7(),
        name: format!("back in stock {}", Uuid::now_v7()),
        kind: TriggerKind::BackInStock,
        title_zh: "{product} 到货了".into(),
        title_en: "{product} is back".into(),
        body_zh: "在 {store}".into(),
        body_en: "At {store}".into(),
        cooldown_days: 7,
        active: true,
        created_at: at - 3600,
        active_since: at - 3600,
        sent: 0,
    };
    portal.db.create_trigger(trigger, actor).await?;
    // The pass asks for the trained recommenders: trained before the clock starts.
    portal.marketing.recommender().await.map_err(|e| anyhow::anyhow!("{}", e.0))?;
    let started = Instant::now();
    let sent = portal.marketing.trigger_pass().await.map_err(|e| anyhow::anyhow!("{}", e.0))?;
    let first = started.elapsed().as_secs_f64() * 1000.0;
    let started = Instant::now();
    portal.marketing.trigger_pass().await.map_err(|e| anyhow::anyhow!("{}", e.0))?;
    let next = started.elapsed().as_secs_f64() * 1000.0;
    Ok((first, next, sent))
}

/// The median of a figure over the rounds that had answers (the lower middle of an even count).
fn median(rounds: &[Latency], figure: impl Fn(&Latency) -> f64) -> f64 {
    let mut values: Vec<f64> = rounds.iter().filter(|l| !l.times.is_empty()).map(figure).collect();
    values.sort_by(f64::total_cmp);
    if values.is_empty() {
        return 0.0;
    }
    values[(values.len() - 1) / 2]
}

/// The p99 of every round's requests together.
fn pooled_p99(rounds: &[Latency]) -> f64 {
    let mut times: Vec<f64> = rounds.iter().flat_map(|l| l.times.iter().copied()).collect();
    times.sort_by(f64::total_cmp);
    if times.is_empty() {
        return 0.0;
    }
    percentile(&times, 0.99)
}

/// A figure of each round, in turn.
fn each(rounds: &[Latency], figure: impl Fn(&Latency) -> f64) -> String {
    rounds.iter().map(|l| format!("{:.1}", figure(l))).collect::<Vec<_>>().join(" / ")
}

/// Every person's behaviour since `since`, read the way training reads it (a page at a time).
async fn every_person(
    portal: &portal_server::portal::Portal,
    since: i64,
) -> anyhow::Result<Vec<portal_server::db::PersonHistory>> {
    let mut people = vec![];
    let mut after = None;
    loop {
        let page = portal.db.interest_page(since, after, 20_000).await?;
        people.extend(page.people);
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(people),
        }
    }
}
