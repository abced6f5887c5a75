//! A flood of password sign-ins must not stall other requests: the p99 of `GET /v1/catalog/sync`
//! while 32 clients sign in as fast as they can, with argon2 bounded to the server's password
//! slots (today's default), beside the same flood with the hashing unbounded (as before the
//! slots existed: every sign-in on the blocking pool at once) and beside no flood at all.
//!
//!     cargo run --release -p portal-tests --bin auth-bench [-- --secs 10 --flooders 32]
//!
//! The server runs in this process on a loopback port (a real HTTP server over TCP, its SQLite
//! database in a temporary directory), with a demo catalog.
use std::{
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use portal_server::demo;
use portal_tests::bench::{arg, percentile, serve_in_process_with};

struct Figures {
    p50_ms: f64,
    p99_ms: f64,
    syncs: usize,
    sign_ins: u64,
    busy: u64,
}

async fn run(slots: Option<usize>, flooders: usize, secs: u64) -> anyhow::Result<Figures> {
    let dir = tempfile::tempdir()?;
    let (portal, base) = serve_in_process_with(dir.path(), |config| {
        if let Some(slots) = slots {
            config.password_hash_concurrency = slots;
        }
        // Every flooder signs in to one account from loopback: locks are not what is measured
        // (attempts in flight count towards them), the hashing's load is.
        config.password_max_failures = u32::MAX;
        config.password_max_failures_per_address = u32::MAX;
    })
    .await?;
    demo::seed(&portal, 2_000).await?;
    let http = reqwest::Client::new();
    let stop = Arc::new(AtomicBool::new(false));
    let (sign_ins, busy) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let mut tasks = Vec::new();
    for _ in 0..flooders {
        let (http, base, stop, sign_ins, busy) =
            (http.clone(), base.clone(), stop.clone(), sign_ins.clone(), busy.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let answer = http
                    .post(format!("{base}/v1/auth/sign-in/password"))
                    .json(&serde_json::json!({ "login": "promoter", "password": demo::DEMO_PASSWORD, "device_name": "flood" }))
                    .send()
                    .await;
                match answer.map(|r| r.status().as_u16()) {
                    Ok(200) => sign_ins.fetch_add(1, Ordering::Relaxed),
                    _ => busy.fetch_add(1, Ordering::Relaxed),
                };
            }
        }));
    }
    // Let the flood build up, then time the syncs.
    if flooders > 0 {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let mut latencies = Vec::new();
    let until = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < until {
        let started = Instant::now();
        let res = http.get(format!("{base}/v1/catalog/sync?limit=50")).send().await?;
        anyhow::ensure!(res.status().is_success(), "sync answered {}", res.status());
        res.bytes().await?;
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.ok();
    }
    latencies.sort_by(|a, b| a.total_cmp(b));
    Ok(Figures {
        p50_ms: percentile(&latencies, 0.5),
        p99_ms: percentile(&latencies, 0.99),
        syncs: latencies.len(),
        sign_ins: sign_ins.load(Ordering::Relaxed),
        busy: busy.load(Ordering::Relaxed),
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let secs = arg("--secs", 10) as u64;
    let flooders = arg("--flooders", 32);
    println!("catalog sync (limit 50) during {flooders} parallel password sign-ins, {secs} s each:");
    for (label, slots, flood) in [
        ("no flood", None, 0),
        ("flood, hashing unbounded (before)", Some(512), flooders),
        ("flood, hashing in password slots (now)", None, flooders),
    ] {
        let f = run(slots, flood, secs).await?;
        println!(
            "  {label:<40} sync p50 {:>7.1} ms  p99 {:>7.1} ms  ({} syncs; {} sign-ins, {} answered busy)",
            f.p50_ms, f.p99_ms, f.syncs, f.sign_ins, f.busy
        );
    }
    Ok(())
}
