//! What the benchmarks share: their flags, percentiles, and a real server in the same process on a
//! loopback port (its SQLite database in `dir`).
use std::{net::SocketAddr, path::Path, sync::Arc};

use portal_server::{Config, Portal};

/// The value after `name` on the command line, or `default`.
pub fn arg(name: &str, default: usize) -> usize {
    arg_text(name).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The text after `name` on the command line.
pub fn arg_text(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

/// The databases a benchmark measures side by side: SQLite in `dir`, and PostgreSQL when
/// `PORTAL_TEST_POSTGRES` names a cluster (run it under scripts/with-postgres): (name, address).
/// `PORTAL_BENCH_ONLY_POSTGRES` leaves SQLite out.
pub fn databases(dir: &Path) -> Vec<(&'static str, String)> {
    let mut out = vec![];
    if std::env::var_os("PORTAL_BENCH_ONLY_POSTGRES").is_none() {
        out.push(("SQLite", dir.join("server.sqlite").display().to_string()));
    }
    match std::env::var("PORTAL_TEST_POSTGRES") {
        Ok(cluster) => {
            out.push(("PostgreSQL", portal_server::db::scratch_database(&cluster).expect("a scratch database")))
        }
        Err(_) => eprintln!("PostgreSQL not measured: run under scripts/with-postgres to see both side by side"),
    }
    out
}

/// A figure of this process's memory from /proc (`VmRSS`, `VmHWM`), in KiB.
pub fn memory_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix(&format!("{field}:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The `p` quantile (0–1) of sorted figures.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Opens a portal on `dir` and serves it over HTTP on a loopback port; returns it and its base URL.
pub async fn serve_in_process(dir: &Path) -> anyhow::Result<(Arc<Portal>, String)> {
    serve_in_process_with(dir, |_| {}).await
}

/// The same, with the configuration changed by `adjust` first.
pub async fn serve_in_process_with(
    dir: &Path,
    adjust: impl FnOnce(&mut Config),
) -> anyhow::Result<(Arc<Portal>, String)> {
    let mut config = Config {
        listen: "127.0.0.1:0".parse()?,
        database: dir.join("server.sqlite").display().to_string(),
        key_file: dir.join("server.key"),
        ..Config::default()
    };
    adjust(&mut config);
    let portal = portal_server::open(config)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let router = portal_server::http::app(portal.clone());
    tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await.ok();
    });
    Ok((portal, base))
}

/// A token for an account, minted as the server would (a real session row behind it), valid for
/// two hours.
pub async fn token_for(portal: &Portal, user: uuid::Uuid) -> anyhow::Result<String> {
    use portal_server::{common::now, db::SessionRecord, identity::tokens::AccessClaims};
    let session = SessionRecord {
        id: uuid::Uuid::now_v7(),
        user_id: user,
        device_name: "bench".into(),
        created_at: now(),
        last_seen_at: now(),
        generation: 0,
        rotated_at: now(),
        revoked_at: None,
    };
    let sid = session.id;
    portal.db.create_session(session).await?;
    Ok(portal.keys.access_token(&AccessClaims { sid, uid: user, exp: now() + 7200, gen: 0 }))
}
