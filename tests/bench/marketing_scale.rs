//! Retraining the recommenders at a brand's scale: the interest that `--events` behaviour events
//! of `--people` people leave (one row per person, product and kind, as ingestion keeps them),
//! twenty customer segments, people who declined tracking, and the demo catalog at `--skus`
//! SKUs; then the server's own retraining (`Model::build`), its time and its peak resident
//! memory, beside a baseline from the same run: reading the same pages and training nothing.
//! Each step runs in a process of its own, so that a peak is that step's alone.
//!
//!     cargo run --release -p portal-tests --bin marketing-scale [-- --people 10000000 --events 50000000]
//!     scripts/with-postgres cargo run --release -p portal-tests --bin marketing-scale   # both
//!
//! The raw events are not loaded (training never reads them; the retention benchmark measures
//! their table): only what the events would have left in the aggregated interest.
use std::{collections::BTreeMap, io::Write, process::Command, time::Instant};

use portal_api::{EventKind, IdentityKind, Role};
use portal_marketing::als::SplitMix;
use portal_server::{
    common::now,
    config::Config,
    db::{NewIdentity, NewUser},
    demo,
};
use portal_tests::bench::{arg, arg_text, databases, memory_kib};
use uuid::Uuid;

const DAY: i64 = 86_400;
const SEGMENTS: u64 = 20;
const DECLINED: u64 = 1_000;
const KINDS: [EventKind; 4] =
    [EventKind::ProductView, EventKind::Favourite, EventKind::Compare, EventKind::ChannelClick];
/// The budget the issue sets for one retraining.
const BUDGET_SECS: f64 = 120.0;
const BUDGET_MIB: f64 = 2048.0;

fn person(n: u64) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | u128::from(n))
}

fn tag(n: u64) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_9000_0000_0000_0000 | u128::from(n))
}

/// One interest row: what a person's events of one kind on one product left.
struct InterestRow {
    model: usize,
    kind: EventKind,
    events: u32,
    last_at: i64,
}

/// Person `n`'s events, drawn from the same seed every run, aggregated as ingestion aggregates
/// them. Most events stay near the person's favourite product (people browse a range), the rest
/// follow overall popularity (a few products draw most interest).
fn rows_of(n: u64, mean_events: u64, models: usize, now: i64) -> Vec<InterestRow> {
    let mut rng = SplitMix(n.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5eed);
    let popular = |rng: &mut SplitMix| ((models as f64) * rng.fraction().powi(3)) as usize % models;
    let anchor = popular(&mut rng);
    let events = 1 + rng.below((2 * mean_events - 1) as usize) as u64;
    let mut rows: BTreeMap<(usize, usize), (u32, i64)> = BTreeMap::new();
    let mut seen: Vec<usize> = vec![];
    for _ in 0..events {
        // People come back to what they looked at before.
        let model = match rng.fraction() {
            f if f < 0.4 && !seen.is_empty() => seen[rng.below(seen.len())],
            f if f < 0.75 => (anchor + rng.below(20)) % models,
            _ => popular(&mut rng),
        };
        seen.push(model);
        let kind = match rng.below(20) {
            0..=11 => 0,
            12..=14 => 1,
            15..=17 => 2,
            _ => 3,
        };
        let at = now - rng.below(180 * DAY as usize) as i64;
        let row = rows.entry((model, kind)).or_insert((0, at));
        row.0 += 1;
        row.1 = row.1.max(at);
    }
    rows.into_iter()
        .map(|((model, kind), (events, last_at))| InterestRow { model, kind: KINDS[kind], events, last_at })
        .collect()
}

/// What one step measured, printed by the child as a last line and read by the parent.
#[derive(serde::Serialize, serde::Deserialize, Debug)]
struct Step {
    people: u64,
    rows: u64,
    secs: f64,
    peak_mib: f64,
}

/// A step's portal on the database the parent named (`--database`, `--dir`), and that address.
fn open_portal() -> anyhow::Result<(std::sync::Arc<portal_server::portal::Portal>, String)> {
    let database = arg_text("--database").expect("--database");
    let dir = arg_text("--dir").expect("--dir");
    let config = Config {
        database: database.clone(),
        key_file: std::path::Path::new(&dir).join("server.key"),
        tags_interval_secs: 0,
        ..Config::default()
    };
    Ok((portal_server::open(config)?, database))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    match arg_text("--phase").as_deref() {
        Some("load") => load().await,
        Some("read") => read().await,
        Some("train") => train().await,
        _ => parent(),
    }
}

fn parent() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let people = arg("--people", 10_000_000);
    let events = arg("--events", 50_000_000);
    let skus = arg("--skus", 30_000);
    println!("Retraining at scale: {events} events of {people} people, a catalog of {skus} SKUs");
    let mut table = vec![];
    for (name, database) in databases(dir.path()) {
        let sub = dir.path().join(name);
        std::fs::create_dir_all(&sub)?;
        for phase in ["load", "read", "train"] {
            let out = Command::new(std::env::current_exe()?)
                .args(["--phase", phase, "--database", &database, "--dir", &sub.display().to_string()])
                .args(["--people", &people.to_string(), "--events", &events.to_string(), "--skus", &skus.to_string()])
                .stderr(std::process::Stdio::inherit())
                .output()?;
            let stdout = String::from_utf8_lossy(&out.stdout);
            print!(
                "{}",
                stdout.lines().filter(|l| !l.starts_with("STEP ")).map(|l| format!("{l}\n")).collect::<String>()
            );
            anyhow::ensure!(out.status.success(), "[{name}] {phase} failed");
            let step: Step = serde_json::from_str(
                stdout
                    .lines()
                    .rev()
                    .find_map(|l| l.strip_prefix("STEP "))
                    .ok_or_else(|| anyhow::anyhow!("no figures"))?,
            )?;
            println!("[{name}] {phase}: {step:?}");
            std::io::stdout().flush()?;
            table.push((name, phase, step));
        }
    }
    println!();
    println!("| database | step | people | interest rows | seconds | peak memory (MiB) |");
    println!("|---|---|---:|---:|---:|---:|");
    for (name, phase, s) in &table {
        let step = match *phase {
            "load" => "load (not measured against the budget)",
            "read" => "baseline: read every page, train nothing",
            _ => "retrain (Model::build)",
        };
        println!("| {name} | {step} | {} | {} | {:.1} | {:.0} |", s.people, s.rows, s.secs, s.peak_mib);
    }
    for (name, _, s) in table.iter().filter(|(_, p, _)| *p == "train") {
        let within = s.secs <= BUDGET_SECS && s.peak_mib <= BUDGET_MIB;
        println!(
            "[{name}] retraining {:.1} s and {:.0} MiB against {BUDGET_SECS} s and {BUDGET_MIB} MiB: {}",
            s.secs,
            s.peak_mib,
            if within { "within" } else { "OVER" }
        );
    }
    Ok(())
}

fn report(step: Step) {
    println!("STEP {}", serde_json::to_string(&step).expect("figures"));
}

fn sizes() -> (u64, u64, usize) {
    (arg("--people", 10_000_000) as u64, arg("--events", 50_000_000) as u64, arg("--skus", 30_000))
}

async fn load() -> anyhow::Result<()> {
    let (people, events, skus) = sizes();
    let started = Instant::now();
    let (portal, database) = open_portal()?;
    demo::seed(&portal, skus).await?;
    let models: Vec<String> = portal
        .catalog
        .catalog_products()
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.0))?
        .into_iter()
        .map(|p| p.model)
        .collect();
    // People who declined tracking: their rows are loaded and must never be read.
    for k in 0..DECLINED {
        let id = person(k * (people / DECLINED).max(1));
        portal
            .db
            .create_user(NewUser {
                id,
                display_name: format!("Declined {k}"),
                role: Role::Consumer,
                store_id: None,
                dealer_id: None,
                password_hash: None,
                created_at: now(),
                identities: vec![NewIdentity {
                    kind: IdentityKind::Username,
                    value: format!("declined{k}"),
                    verified: true,
                }],
            })
            .await?;
        portal.db.set_tracking_consent(id, false, now()).await?;
    }
    drop(portal);
    let mean = (events / people.max(1)).max(1);
    let now = now();
    let rows = tokio::task::spawn_blocking(move || {
        if database.starts_with("postgres") {
            load_postgres(&database, people, mean, &models, now)
        } else {
            load_sqlite(&database, people, mean, &models, now)
        }
    })
    .await??;
    eprintln!("loaded {rows} interest rows of {people} people in {:.0} s", started.elapsed().as_secs_f64());
    report(Step { people, rows, secs: started.elapsed().as_secs_f64(), peak_mib: memory_kib("VmHWM") as f64 / 1024.0 });
    Ok(())
}

fn load_sqlite(path: &str, people: u64, mean: u64, models: &[String], now: i64) -> anyhow::Result<u64> {
    let mut conn = rusqlite::Connection::open(path.strip_prefix("sqlite://").unwrap_or(path))?;
    conn.execute_batch("PRAGMA synchronous = OFF; DROP INDEX IF EXISTS behaviour_interest_by_time;")?;
    let tx = conn.transaction()?;
    let mut rows = 0;
    {
        let mut interest = tx.prepare(
            "INSERT INTO behaviour_interest (user_id, model, kind, events, last_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        let mut member = tx.prepare("INSERT INTO customer_tag_members (tag_id, user_id) VALUES (?1, ?2)")?;
        for n in 0..people {
            let id = person(n).to_string();
            for r in rows_of(n, mean, models.len(), now) {
                interest.execute(rusqlite::params![id, models[r.model], r.kind.as_str(), r.events, r.last_at])?;
                rows += 1;
            }
            if n % 5 == 0 {
                member.execute(rusqlite::params![tag(n / 5 % SEGMENTS).to_string(), id])?;
            }
        }
    }
    tx.commit()?;
    conn.execute_batch("CREATE INDEX behaviour_interest_by_time ON behaviour_interest (last_at); ANALYZE;")?;
    Ok(rows)
}

fn load_postgres(url: &str, people: u64, mean: u64, models: &[String], now: i64) -> anyhow::Result<u64> {
    let mut client = postgres::Client::connect(url, postgres::NoTls)?;
    client.batch_execute("DROP INDEX IF EXISTS behaviour_interest_by_time")?;
    let mut rows = 0;
    {
        let mut interest =
            client.copy_in("COPY behaviour_interest (user_id, model, kind, events, last_at) FROM STDIN")?;
        let mut line = String::new();
        for n in 0..people {
            let id = person(n).to_string();
            line.clear();
            for r in rows_of(n, mean, models.len(), now) {
                use std::fmt::Write as _;
                writeln!(line, "{id}\t{}\t{}\t{}\t{}", models[r.model], r.kind.as_str(), r.events, r.last_at)?;
                rows += 1;
            }
            interest.write_all(line.as_bytes())?;
        }
        interest.finish()?;
    }
    {
        let mut members = client.copy_in("COPY customer_tag_members (tag_id, user_id) FROM STDIN")?;
        for n in (0..people).step_by(5) {
            writeln!(members, "{}\t{}", tag(n / 5 % SEGMENTS), person(n))?;
        }
        members.finish()?;
    }
    for sql in [
        "CREATE INDEX behaviour_interest_by_time ON behaviour_interest (last_at)",
        "VACUUM ANALYZE behaviour_interest",
        "ANALYZE customer_tag_members",
    ] {
        client.batch_execute(sql)?;
    }
    Ok(rows)
}

/// The baseline: every page training reads, read one after another and dropped.
async fn read() -> anyhow::Result<()> {
    let (portal, _) = open_portal()?;
    let started = Instant::now();
    let (mut people, mut rows, mut after) = (0u64, 0u64, None);
    loop {
        let page = portal.db.interest_page(now() - 180 * DAY, after, 20_000).await?;
        people += page.people.len() as u64;
        rows += page.people.iter().map(|p| p.interest.len() as u64).sum::<u64>();
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    report(Step { people, rows, secs: started.elapsed().as_secs_f64(), peak_mib: memory_kib("VmHWM") as f64 / 1024.0 });
    Ok(())
}

/// The server's own retraining, as every instance runs it.
async fn train() -> anyhow::Result<()> {
    let (portal, _) = open_portal()?;
    let started = Instant::now();
    let model = portal.marketing.build_recommender().await.map_err(|e| anyhow::anyhow!("{}", e.0))?;
    let secs = started.elapsed().as_secs_f64();
    println!("trained: {} people, {} products on sale", model.people, model.on_sale());
    report(Step { people: model.people as u64, rows: 0, secs, peak_mib: memory_kib("VmHWM") as f64 / 1024.0 });
    Ok(())
}
