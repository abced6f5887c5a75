//! The product center's figures, measured: first full sync, a 1,000-SKU delta, search latency beside
//! a LIKE-scan baseline, and memory after browsing the whole catalog.
//!
//!     cargo run --release -p portal-tests --bin catalog-bench [-- --skus 100000 --queries 1000 --baseline-queries 1000]
//!
//! The server runs in this process on a loopback port (a real HTTP server over TCP); the client
//! core runs in a child process of its own and syncs into a real SQLite file, as the app does, so
//! the memory printed is the client's alone (the app's Rust side; the web view's is not included).
use std::time::Instant;

use portal_api::*;
use portal_client::{
    catalog::{SearchQuery, SortOrder},
    vault::MemorySecrets,
    PortalApp,
};
use portal_server::catalog::demo;
use portal_tests::bench::{arg, databases, percentile, serve_in_process, serve_in_process_with};
use rand::{rngs::StdRng, Rng, SeedableRng};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// The bytes on the wire of a first full sync (pages of 2,000, as the app asks), asking for
/// `accept_encoding`; the body is counted as it arrives, not decompressed.
async fn full_sync_bytes(base: &str, accept_encoding: &str) -> anyhow::Result<usize> {
    let http = reqwest::Client::builder().no_gzip().no_brotli().no_zstd().build()?;
    let mut cursor: Option<String> = None;
    let mut total = 0;
    loop {
        let mut url = format!("{base}/v1/catalog/sync?limit=2000");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let res = http.get(&url).header("accept-encoding", accept_encoding).send().await?.error_for_status()?;
        let encoded = res.headers().get("content-encoding").is_some();
        let bytes = res.bytes().await?;
        total += bytes.len();
        // The page itself, to follow the cursor (decoded when it came compressed).
        let page: serde_json::Value = if encoded {
            let decoded = reqwest::Client::new().get(&url).send().await?.bytes().await?;
            serde_json::from_slice(&decoded)?
        } else {
            serde_json::from_slice(&bytes)?
        };
        if !page["has_more"].as_bool().unwrap_or(false) {
            return Ok(total);
        }
        cursor = page["cursor"].as_str().map(str::to_owned);
    }
}

fn rss_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (field("VmRSS:"), field("VmHWM:"))
}

const QUERIES: &[&str] = &[
    "电视",
    "冰箱",
    "空调",
    "变频",
    "洗衣机",
    "电",
    "oled",
    "mini led 电视",
    "65 电视",
    "变频 冰箱",
    "1.5匹 空调",
    "washer",
    "refrigerator",
    "inverter",
    "充电器",
    "earbuds",
    "对开门",
    "滚筒",
    "KFR-35",
    "BCD-540",
    "85",
    "4K",
];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--client") {
        return client(&args[i + 1], std::path::Path::new(&args[i + 2])).await;
    }
    let skus = arg("--skus", 100_000);
    let dir = tempfile::tempdir()?;
    let (portal, base) = serve_in_process(dir.path()).await?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64;
    let doc = demo::generate(skus, 2026, now);
    let products = doc.products.len();
    portal.catalog.write_images(&demo::images()).await.map_err(|e| anyhow::anyhow!("{}", e.0))?;
    portal.catalog.apply_document(doc.clone()).await.map_err(|e| anyhow::anyhow!("{}", e.0))?;
    println!("catalog: {products} products, {skus} SKUs");
    let plain = full_sync_bytes(&base, "identity").await?;
    let compressed = full_sync_bytes(&base, "gzip, br, zstd").await?;
    println!(
        "first full sync on the wire: {:.1} MB uncompressed (before), {:.1} MB as the app gets it ({:.1}x fewer; target ≥ 8x)",
        plain as f64 / 1e6,
        compressed as f64 / 1e6,
        plain as f64 / compressed.max(1) as f64
    );

    // Let the kernel write the freshly imported catalog out first, so that writeback of the setup
    // does not land inside the timed sync.
    std::process::Command::new("sync").status().ok();

    // The client runs in a process of its own (this binary with --client), so that its memory is
    // measured without the server's and the generator's.
    let cache = dir.path().join("app-cache.sqlite");
    let mut child = tokio::process::Command::new(std::env::current_exe()?)
        .args(std::env::args().skip(1))
        .arg("--client")
        .arg(&base)
        .arg(&cache)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let mut to_child = child.stdin.take().expect("piped");
    let mut from_child = BufReader::new(child.stdout.take().expect("piped")).lines();
    while let Some(line) = from_child.next_line().await? {
        if line != "ready for the delta" {
            println!("{line}");
            continue;
        }
        // 2. A delta of 1,000 changed SKUs, made on the server while the client waits.
        let mut changed = Vec::new();
        let mut count = 0;
        for p in doc.products.iter().step_by(7) {
            let mut p = p.clone();
            for s in &mut p.skus {
                s.list_price += 100;
                count += 1;
            }
            changed.push(p);
            if count >= 1000 {
                break;
            }
        }
        portal
            .catalog
            .apply_document(CatalogDocument { products: changed, ..Default::default() })
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.0))?;
        to_child.write_all(format!("{count}\n").as_bytes()).await?;
    }
    anyhow::ensure!(child.wait().await?.success(), "the client process failed");
    drop(portal);

    // 5. The same first full sync served by each database, side by side (PostgreSQL under
    // scripts/with-postgres): a fresh app cache each time, the server in this process.
    println!();
    println!("first full sync of the same catalog (a fresh app cache), by the server's database:");
    let mut times = Vec::new();
    for (name, database) in databases(dir.path()) {
        let sub = dir.path().join(format!("served-{name}"));
        std::fs::create_dir_all(&sub)?;
        let (portal, base) = serve_in_process_with(&sub, |c| c.database = database).await?;
        let started = Instant::now();
        portal.catalog.write_images(&demo::images()).await.map_err(|e| anyhow::anyhow!("{}", e.0))?;
        portal.catalog.apply_document(doc.clone()).await.map_err(|e| anyhow::anyhow!("{}", e.0))?;
        let import = started.elapsed().as_secs_f64();
        let app = PortalApp::open(&sub.join("app.sqlite"), Box::new(MemorySecrets::default()), "bench", &base)?;
        let started = Instant::now();
        let status = app.sync_catalog().await?;
        let sync = started.elapsed().as_secs_f64();
        anyhow::ensure!(status.products as usize == products, "{name}: synced {} products", status.products);
        println!("  {name:<12} sync {:>7.0} ms   (catalog import {import:.1} s)", sync * 1000.0);
        times.push(sync);
    }
    if let [sqlite, postgres] = times[..] {
        println!("  PostgreSQL / SQLite: {:.2}x (target ≤ 1.5x)", postgres / sqlite);
    }
    Ok(())
}

/// The client's half: sync, delta, search, browse, in its own process.
async fn client(base: &str, cache: &std::path::Path) -> anyhow::Result<()> {
    let queries = arg("--queries", 1000);
    let app = PortalApp::open(cache, Box::new(MemorySecrets::default()), "bench", base)?;
    let (rss_before, _) = rss_mb();

    // 1. First full sync.
    let started = Instant::now();
    let status = app.sync_catalog().await?;
    let full = started.elapsed();
    println!("client synced {} products", status.products);
    println!("ready for the delta");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let count: usize = line.trim().parse()?;
    let started = Instant::now();
    app.sync_catalog().await?;
    let delta = started.elapsed();

    // 3. Search: FTS with bigrams vs a LIKE scan over the same rows, same filters.
    let mut rng = StdRng::seed_from_u64(7);
    let categories = ["tv", "fridge", "washer", "ac", "kitchen", "accessory"];
    let mut plans = Vec::new();
    for _ in 0..queries {
        let text = QUERIES[rng.gen_range(0..QUERIES.len())].to_string();
        let category = rng.gen_bool(0.3).then(|| categories[rng.gen_range(0..categories.len())].to_string());
        let price_max = rng.gen_bool(0.3).then(|| rng.gen_range(2000..12000) * 100);
        let sort = [SortOrder::Relevance, SortOrder::PriceAsc, SortOrder::Newest][rng.gen_range(0..3)];
        plans.push(SearchQuery { text, category, price_max, sort, limit: 24, ..Default::default() });
    }
    let mut fts = Vec::new();
    let mut by_text: std::collections::BTreeMap<String, Vec<(f64, u32)>> = Default::default();
    for q in &plans {
        let t = Instant::now();
        let r = app.search(q)?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        fts.push(ms);
        by_text.entry(q.text.clone()).or_default().push((ms, r.total));
    }
    let like_conn = rusqlite::Connection::open(&cache)?;
    let mut like = Vec::new();
    for q in plans.iter().take(arg("--baseline-queries", queries)) {
        let t = Instant::now();
        let mut sql = String::from(
            "SELECT b.body, p.price FROM products p JOIN product_bodies b ON b.id = p.id WHERE p.withdrawn = 0",
        );
        let mut values: Vec<rusqlite::types::Value> = Vec::new();
        for word in q.text.split_whitespace() {
            sql.push_str(" AND b.body LIKE ?");
            values.push(format!("%{word}%").into());
        }
        if let Some(c) = &q.category {
            sql.push_str(" AND (p.category = ? OR p.category LIKE ? || '.%')");
            values.push(c.clone().into());
            values.push(c.clone().into());
        }
        if let Some(max) = q.price_max {
            sql.push_str(" AND p.price <= ?");
            values.push(max.into());
        }
        let total: i64 = like_conn.query_row(
            &format!("SELECT COUNT(*) FROM ({sql})"),
            rusqlite::params_from_iter(values.iter()),
            |r| r.get(0),
        )?;
        sql.push_str(match q.sort {
            SortOrder::PriceAsc => " ORDER BY p.price LIMIT 24",
            _ => " ORDER BY p.released_at DESC LIMIT 24",
        });
        let mut stmt = like_conn.prepare_cached(&sql)?;
        let rows: Vec<(String, i64)> = stmt
            .query_map(rusqlite::params_from_iter(values.iter()), |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        std::hint::black_box((total, rows));
        like.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    fts.sort_by(f64::total_cmp);
    like.sort_by(f64::total_cmp);

    // 4. Browse the whole catalog: every page of results and every product page.
    let mut offset = 0;
    loop {
        let page = app.search(&SearchQuery { limit: 200, offset, ..Default::default() })?;
        if page.items.is_empty() {
            break;
        }
        for p in &page.items {
            std::hint::black_box(app.product(&p.model)?);
        }
        offset += 200;
    }
    let (rss_after, hwm) = rss_mb();

    println!();
    println!("{:<46} {:>12} {:>12}", "figure", "measured", "target");
    println!("{:<46} {:>10.0}ms {:>12}", "first full sync (HTTP + SQLite)", full.as_secs_f64() * 1000.0, "≤ 5000 ms");
    println!(
        "{:<46} {:>10.0}ms {:>12}",
        format!("delta sync, {count} changed SKUs"),
        delta.as_secs_f64() * 1000.0,
        "≤ 200 ms"
    );
    println!(
        "{:<46} {:>10.2}ms {:>12}",
        format!("search p50, {queries} queries (FTS bigrams)"),
        percentile(&fts, 0.5),
        ""
    );
    println!("{:<46} {:>10.2}ms {:>12}", "search p95 (FTS bigrams)", percentile(&fts, 0.95), "≤ 5 ms");
    println!("{:<46} {:>10.2}ms {:>12}", "search p99 (FTS bigrams)", percentile(&fts, 0.99), "");
    println!("{:<46} {:>10.2}ms {:>12}", "baseline: LIKE scan p50", percentile(&like, 0.5), "");
    println!("{:<46} {:>10.2}ms {:>12}", "baseline: LIKE scan p95", percentile(&like, 0.95), "");
    println!("{:<46} {:>10.0}MB {:>12}", "client RSS after browsing the whole catalog", rss_after, "≤ 200 MB");
    println!("{:<46} {:>10.0}MB {:>12}", "client peak RSS", hwm, "");
    println!("{:<46} {:>10.0}MB {:>12}", "client RSS growth from sync + browsing", rss_after - rss_before, "");
    println!();
    println!("slowest query texts (max over their filters and orders, with the most matches):");
    let mut worst: Vec<(f64, u32, String)> = by_text
        .into_iter()
        .map(|(text, runs)| {
            let max = runs.iter().map(|r| r.0).fold(0.0, f64::max);
            (max, runs.iter().map(|r| r.1).max().unwrap_or(0), text)
        })
        .collect();
    worst.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (ms, matches, text) in worst.iter().take(6) {
        println!("  {text:<20} {ms:>8.2}ms {matches:>8} matches");
    }
    Ok(())
}
