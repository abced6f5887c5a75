//! Password sign-in and token refresh with a million users loaded: throughput and latency, on
//! SQLite (one instance) and on PostgreSQL (three instances on one database), side by side, each
//! beside its own baseline measured in the same run (the same load with 1,000 users loaded).
//!
//!     cargo run --release -p portal-tests --bin users-bench                   # SQLite only
//!     scripts/with-postgres cargo run --release -p portal-tests --bin users-bench   # both
//!     … -- --users 1000000 --secs 10 --clients 32
//!
//! The servers run in this process on loopback ports (real HTTP over TCP); the clients spread
//! their requests over the instances, as a load balancer would. Each sign-in is a random user of
//! those loaded (by phone number, so the identity index is searched across all of them); each
//! client then refreshes its own session over and over (each refresh rotates the token).
//!
//! The users are loaded straight into the database (SQLite: one transaction of prepared inserts;
//! PostgreSQL: COPY), all with one argon2id hash of the demo password: creating a million
//! accounts through the API would take hours of hashing and measure nothing of sign-in.
use std::{
    io::Write,
    sync::Arc,
    time::{Duration, Instant},
};

use portal_api::*;
use portal_server::demo;
use portal_tests::bench::{arg, databases, percentile, serve_in_process_with};
use uuid::Uuid;

const BASELINE_USERS: usize = 1_000;
const CREATED_AT: i64 = 1_780_000_000;

fn phone(n: usize) -> String {
    format!("+86186{n:08}")
}

/// Adds users `from..to` (phone `+86186…`, the demo password) straight into the database.
fn load_users(database: &str, from: usize, to: usize, password_hash: &str) -> anyhow::Result<()> {
    if database.starts_with("postgres") {
        let mut client = postgres::Client::connect(database, postgres::NoTls)?;
        let ids: Vec<Uuid> = (from..to).map(|_| Uuid::now_v7()).collect();
        let mut tx = client.transaction()?;
        let mut users = tx.copy_in("COPY users (id, display_name, role, password_hash, created_at) FROM STDIN")?;
        for (i, id) in ids.iter().enumerate() {
            writeln!(users, "{id}\t用户 {}\tconsumer\t{password_hash}\t{CREATED_AT}", from + i)?;
        }
        users.finish()?;
        let mut identities = tx.copy_in("COPY identities (kind, value, user_id, verified, linked_at) FROM STDIN")?;
        for (i, id) in ids.iter().enumerate() {
            writeln!(identities, "phone\t{}\t{id}\tt\t{CREATED_AT}", phone(from + i))?;
        }
        identities.finish()?;
        tx.commit()?;
        client.batch_execute("ANALYZE users; ANALYZE identities")?;
    } else {
        let mut conn = rusqlite::Connection::open(database)?;
        conn.busy_timeout(Duration::from_secs(30))?;
        let tx = conn.transaction()?;
        {
            let mut user = tx.prepare(
                "INSERT INTO users (id, display_name, role, password_hash, created_at) VALUES (?1, ?2, 'consumer', ?3, ?4)",
            )?;
            let mut identity = tx.prepare(
                "INSERT INTO identities (kind, value, user_id, verified, linked_at) VALUES ('phone', ?1, ?2, 1, ?3)",
            )?;
            for n in from..to {
                let id = Uuid::now_v7().to_string();
                user.execute(rusqlite::params![id, format!("用户 {n}"), password_hash, CREATED_AT])?;
                identity.execute(rusqlite::params![phone(n), id, CREATED_AT])?;
            }
        }
        tx.commit()?;
        conn.execute_batch("ANALYZE")?;
    }
    Ok(())
}

#[derive(Default)]
struct Figures {
    per_sec: f64,
    run_again: u64,
    p50_ms: f64,
    p99_ms: f64,
    failed: usize,
}

fn figures(mut latencies: Vec<f64>, failed: usize, secs: f64) -> Figures {
    latencies.sort_by(f64::total_cmp);
    if latencies.is_empty() {
        return Figures { failed, ..Figures::default() };
    }
    Figures {
        per_sec: latencies.len() as f64 / secs,
        p50_ms: percentile(&latencies, 0.5),
        p99_ms: percentile(&latencies, 0.99),
        failed,
        run_again: 0,
    }
}

/// `clients` sign in as random users of the first `users` for `secs`, over `bases` in turn; then
/// each refreshes the session it got, over and over, for `secs`.
async fn measure(bases: &[String], users: usize, clients: usize, secs: u64) -> anyhow::Result<(Figures, Figures)> {
    let http = reqwest::Client::new();
    let bases = Arc::new(bases.to_vec());
    let deadline = Instant::now() + Duration::from_secs(secs);
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let (http, bases) = (http.clone(), bases.clone());
            tokio::spawn(async move {
                let (mut latencies, mut failed, mut last) = (Vec::new(), 0, None);
                let mut k = c;
                while Instant::now() < deadline {
                    let n = rand::random::<u64>() as usize % users;
                    let base = &bases[k % bases.len()];
                    k += 1;
                    let started = Instant::now();
                    let answer = http
                        .post(format!("{base}/v1/auth/sign-in/password"))
                        .json(&PasswordSignInRequest {
                            login: phone(n),
                            password: demo::DEMO_PASSWORD.into(),
                            device_name: "bench".into(),
                        })
                        .send()
                        .await;
                    match answer {
                        Ok(r) if r.status().is_success() => {
                            let auth: AuthResponse = r.json().await?;
                            latencies.push(started.elapsed().as_secs_f64() * 1000.0);
                            last = Some(auth.tokens.refresh_token);
                        }
                        _ => failed += 1,
                    }
                }
                anyhow::Ok((latencies, failed, last))
            })
        })
        .collect();
    let run_again = || portal_server::db::postgres::TRANSACTIONS_RUN_AGAIN.load(std::sync::atomic::Ordering::Relaxed);
    let before = run_again();
    let (mut sign_in_latencies, mut sign_in_failed, mut tokens) = (Vec::new(), 0, Vec::new());
    for task in tasks {
        let (latencies, failed, last) = task.await??;
        sign_in_latencies.extend(latencies);
        sign_in_failed += failed;
        tokens.extend(last);
    }
    let sign_in =
        Figures { run_again: run_again() - before, ..figures(sign_in_latencies, sign_in_failed, secs as f64) };
    let before = run_again();

    let deadline = Instant::now() + Duration::from_secs(secs);
    let tasks: Vec<_> = tokens
        .into_iter()
        .enumerate()
        .map(|(c, mut token)| {
            let (http, bases) = (http.clone(), bases.clone());
            tokio::spawn(async move {
                let (mut latencies, mut failed) = (Vec::new(), 0);
                let mut k = c;
                while Instant::now() < deadline {
                    let base = &bases[k % bases.len()];
                    k += 1;
                    let started = Instant::now();
                    let answer = http
                        .post(format!("{base}/v1/auth/refresh"))
                        .json(&RefreshRequest { refresh_token: token.clone() })
                        .send()
                        .await;
                    match answer {
                        Ok(r) if r.status().is_success() => {
                            let pair: TokenPair = r.json().await?;
                            latencies.push(started.elapsed().as_secs_f64() * 1000.0);
                            token = pair.refresh_token;
                        }
                        _ => {
                            failed += 1;
                            break;
                        }
                    }
                }
                anyhow::Ok((latencies, failed))
            })
        })
        .collect();
    let (mut refresh_latencies, mut refresh_failed) = (Vec::new(), 0);
    for task in tasks {
        let (latencies, failed) = task.await??;
        refresh_latencies.extend(latencies);
        refresh_failed += failed;
    }
    let refresh =
        Figures { run_again: run_again() - before, ..figures(refresh_latencies, refresh_failed, secs as f64) };
    Ok((sign_in, refresh))
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let users = arg("--users", 1_000_000).max(BASELINE_USERS);
    let secs = arg("--secs", 10) as u64;
    let clients = arg("--clients", 32);
    let dir = tempfile::tempdir()?;
    let hash = portal_server::identity::password::hash(demo::DEMO_PASSWORD.into(), None)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.0))?;

    let mut columns: Vec<(String, usize, f64, Figures, Figures)> = Vec::new();
    for (name, database) in databases(dir.path()) {
        let instances = if database.starts_with("postgres") { 3 } else { 1 };
        let sub = dir.path().join(name);
        std::fs::create_dir_all(&sub)?;
        let mut bases = Vec::new();
        for _ in 0..instances {
            let database = database.clone();
            let (_, base) = serve_in_process_with(&sub, move |c| {
                c.database = database;
                // Every client is on loopback: the per-address lock would see one attacker.
                c.password_max_failures_per_address = u32::MAX;
            })
            .await?;
            bases.push(base);
        }
        let load = database.clone();
        let h = hash.clone();
        tokio::task::spawn_blocking(move || load_users(&load, 0, BASELINE_USERS, &h)).await??;
        let (sign_in, refresh) = measure(&bases, BASELINE_USERS, clients, secs).await?;
        columns.push((format!("{name} 1k"), instances, 0.0, sign_in, refresh));

        let started = Instant::now();
        let load = database.clone();
        let h = hash.clone();
        tokio::task::spawn_blocking(move || load_users(&load, BASELINE_USERS, users, &h)).await??;
        let load_secs = started.elapsed().as_secs_f64();
        let (sign_in, refresh) = measure(&bases, users, clients, secs).await?;
        columns.push((format!("{name} {}k", users / 1000), instances, load_secs, sign_in, refresh));
    }

    println!("sign-in and refresh: {clients} clients, {secs} s each; baseline: the same with {BASELINE_USERS} users");
    println!();
    print!("{:<44}", "");
    for (label, ..) in &columns {
        print!(" {label:>16}");
    }
    println!();
    let row = |label: &str, cell: &dyn Fn(&(String, usize, f64, Figures, Figures)) -> String| {
        print!("{label:<44}");
        for c in &columns {
            print!(" {:>16}", cell(c));
        }
        println!();
    };
    row("server instances", &|c| c.1.to_string());
    row("users loaded in (s)", &|c| if c.2 > 0.0 { format!("{:.1}", c.2) } else { "-".into() });
    row("password sign-ins per second", &|c| format!("{:.1}", c.3.per_sec));
    row("  p50 (ms)", &|c| format!("{:.0}", c.3.p50_ms));
    row("  p99 (ms)", &|c| format!("{:.0}", c.3.p99_ms));
    row("  answered busy or failed", &|c| c.3.failed.to_string());
    row("  transactions run again (met another)", &|c| c.3.run_again.to_string());
    row("refreshes per second", &|c| format!("{:.0}", c.4.per_sec));
    row("  p50 (ms)", &|c| format!("{:.1}", c.4.p50_ms));
    row("  p99 (ms)", &|c| format!("{:.1}", c.4.p99_ms));
    row("  failed", &|c| c.4.failed.to_string());
    row("  transactions run again (met another)", &|c| c.4.run_again.to_string());
    Ok(())
}
