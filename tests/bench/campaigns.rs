//! Campaigns at a brand's scale: `--people` consumers (1,000,000 by default) written straight into
//! the tables, then, each beside a baseline from the same run:
//! - a campaign to all of them (inbox, a 10% holdout) evaluated and queued by the senders of every
//!   instance at once (baseline: counting the same audience once);
//! - its messages delivered, in people a second;
//! - a second campaign whose senders are killed mid-send (their tasks aborted, every instance) and
//!   started again: each person reached once, nobody skipped, read back from the tables.
//!
//!     cargo run --release -p portal-tests --bin campaign-bench [-- --people 1000000]
//!     scripts/with-postgres cargo run --release -p portal-tests --bin campaign-bench   # both
//!
//! The servers run in this process on loopback ports (one instance on SQLite, three on one
//! PostgreSQL database); the campaigns are written, submitted, approved and started through the
//! API; the senders are the server's own passes (`CampaignService::sender_pass`).
use std::{sync::Arc, time::Instant};

use portal_api::*;
use portal_campaigns::policy::Caps;
use portal_server::{common::now, demo, Portal};
use portal_tests::bench::{arg, databases, serve_in_process_with, token_for};
use serde_json::json;
use uuid::Uuid;

/// The figure: a million-person segment evaluated and queued within a minute.
const QUEUE_SECS: f64 = 60.0;

struct Figures {
    instances: usize,
    people: usize,
    load_secs: f64,
    queue_secs: f64,
    count_secs: f64,
    queued: u64,
    held_out: u64,
    deliver_secs: f64,
    delivered: u64,
    killed_after_secs: f64,
    reached_once: bool,
    reached: u64,
    duplicates: u64,
    left_queued: u64,
}

/// Writes `people` consumers (ids in order, so the audience pages through them) in one go.
fn load_people(database: &str, people: usize) -> anyhow::Result<()> {
    let created = now() - 86_400;
    let id = |n: usize| Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_1000_0000 + n as u128).to_string();
    if database.starts_with("postgres") {
        let mut client = postgres::Client::connect(database, postgres::NoTls)?;
        let mut copy = client.copy_in("COPY users (id, display_name, role, created_at) FROM STDIN")?;
        let mut line = String::new();
        for n in 0..people {
            line.clear();
            line.push_str(&format!("{}\tbench {n}\tconsumer\t{created}\n", id(n)));
            std::io::Write::write_all(&mut copy, line.as_bytes())?;
        }
        copy.finish()?;
        client.batch_execute("ANALYZE users")?;
    } else {
        let mut conn = rusqlite::Connection::open(database)?;
        conn.execute_batch("PRAGMA synchronous = OFF;")?;
        let tx = conn.transaction()?;
        {
            let mut insert =
                tx.prepare("INSERT INTO users (id, display_name, role, created_at) VALUES (?1, ?2, 'consumer', ?3)")?;
            for n in 0..people {
                insert.execute(rusqlite::params![id(n), format!("bench {n}"), created])?;
            }
        }
        tx.commit()?;
        conn.execute_batch("ANALYZE;")?;
    }
    Ok(())
}

/// Writes, submits, approves and starts a campaign to every consumer through the API.
async fn start_campaign(
    http: &reqwest::Client,
    base: &str,
    operator: &str,
    admin: &str,
    name: &str,
) -> anyhow::Result<Uuid> {
    let id = Uuid::now_v7();
    let draft = json!({
        "id": id, "name": name, "category": "promotions", "audience": {},
        "content": { "title_zh": "会员日", "title_en": "Members' day", "body_zh": "全场九折", "body_en": "10% off" },
        "channels": ["inbox"], "holdout_percent": 10
    });
    let answer = http.post(format!("{base}/v1/campaigns")).bearer_auth(operator).json(&draft).send().await?;
    anyhow::ensure!(answer.status().is_success(), "create: {}", answer.text().await?);
    for (token, action) in [(operator, "submit"), (admin, "approve"), (operator, "start")] {
        let body = json!({ "action": action, "revision": 1 });
        let answer =
            http.post(format!("{base}/v1/campaigns/{id}/actions")).bearer_auth(token).json(&body).send().await?;
        anyhow::ensure!(answer.status().is_success(), "{action}: {}", answer.text().await?);
    }
    Ok(id)
}

/// The senders of every instance, passing back to back until `done` says so.
fn run_senders(servers: &[Arc<Portal>]) -> Vec<tokio::task::JoinHandle<()>> {
    servers
        .iter()
        .map(|portal| {
            let portal = portal.clone();
            tokio::spawn(async move {
                loop {
                    if let Err(e) = portal.campaigns.sender_pass(Caps::default()).await {
                        eprintln!("a sender pass failed: {}", e.0.message);
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    }
                }
            })
        })
        .collect()
}

async fn measure(name: &str, database: String, dir: &std::path::Path) -> anyhow::Result<Figures> {
    let people = arg("--people", 1_000_000);
    let postgres = database.starts_with("postgres");
    let instances = if postgres { arg("--instances", 3) } else { 1 };
    let mut servers: Vec<(Arc<Portal>, String)> = Vec::new();
    for _ in 0..instances {
        let database = database.clone();
        servers.push(
            serve_in_process_with(dir, move |c| {
                c.database = database;
                c.database_pool_size = 16;
                // The bench drives the senders itself.
                c.campaign_interval_secs = 0;
            })
            .await?,
        );
    }
    let portal = servers[0].0.clone();
    demo::seed(&portal, 50).await?;
    let operator =
        portal.db.find_identity(IdentityKind::Username, "operator").await?.expect("the demo operator").user_id;
    let admin = portal.db.find_identity(IdentityKind::Username, "admin").await?.expect("the demo admin").user_id;
    let (operator, admin) = (token_for(&portal, operator).await?, token_for(&portal, admin).await?);

    eprintln!("{name}: loading {people} consumers…");
    let started = Instant::now();
    let path = database.clone();
    tokio::task::spawn_blocking(move || load_people(&path, people)).await??;
    let load_secs = started.elapsed().as_secs_f64();
    eprintln!("{name}: loaded in {load_secs:.0} s");

    // Baseline: the same audience counted once.
    let started = Instant::now();
    let audience_size = portal.db.audience_size(Audience::default(), now()).await?;
    let count_secs = started.elapsed().as_secs_f64();

    let http = reqwest::Client::new();
    let portals: Vec<Arc<Portal>> = servers.iter().map(|(p, _)| p.clone()).collect();
    let base = servers[0].1.clone();

    // Queued whole, then delivered, by every instance's sender at once.
    let campaign = start_campaign(&http, &base, &operator, &admin, "bench 1").await?;
    let started = Instant::now();
    let senders = run_senders(&portals);
    let mut queue_secs = f64::NAN;
    let deliver_secs = loop {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let row = portal.db.campaign(campaign).await?.expect("the campaign");
        if queue_secs.is_nan() && row.queued_at.is_some() {
            queue_secs = started.elapsed().as_secs_f64();
            eprintln!("{name}: queued in {queue_secs:.1} s");
        }
        if row.status == CampaignStatus::Finished {
            break started.elapsed().as_secs_f64();
        }
        anyhow::ensure!(started.elapsed().as_secs() < 3_600, "the first campaign did not finish within an hour");
    };
    for sender in &senders {
        sender.abort();
    }
    let counts = portal.db.delivery_counts(campaign).await?;
    eprintln!("{name}: delivered in {deliver_secs:.1} s ({counts:?})");

    // The second campaign: every sender killed mid-send, then started again.
    let second = start_campaign(&http, &base, &operator, &admin, "bench 2").await?;
    let killed_at = Instant::now();
    let senders = run_senders(&portals);
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let sent = portal.db.delivery_counts(second).await?.sent;
        if sent >= (people as u64) / 4 {
            break;
        }
        anyhow::ensure!(killed_at.elapsed().as_secs() < 3_600, "the second campaign did not get going");
    }
    for sender in &senders {
        sender.abort();
    }
    let killed_after_secs = killed_at.elapsed().as_secs_f64();
    eprintln!("{name}: senders killed after {killed_after_secs:.1} s; starting them again");
    let senders = run_senders(&portals);
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        if portal.db.campaign(second).await?.expect("the campaign").status == CampaignStatus::Finished {
            break;
        }
        anyhow::ensure!(killed_at.elapsed().as_secs() < 3_600, "the second campaign did not finish");
    }
    for sender in &senders {
        sender.abort();
    }
    let again = portal.db.delivery_counts(second).await?;
    let path = database.clone();
    let (reached, duplicates) = tokio::task::spawn_blocking(move || messages_of(&path, second)).await??;
    Ok(Figures {
        instances,
        people,
        load_secs,
        queue_secs,
        count_secs,
        queued: counts.sent + counts.skipped + counts.held_out + counts.queued,
        held_out: counts.held_out,
        deliver_secs,
        delivered: counts.sent,
        killed_after_secs,
        reached_once: duplicates == 0
            && reached == again.sent
            && again.queued == 0
            && audience_size == reached + again.held_out,
        reached,
        duplicates,
        left_queued: again.queued,
    })
}

/// How many people have the campaign's message, and how many messages beyond one a person.
fn messages_of(database: &str, campaign: Uuid) -> anyhow::Result<(u64, u64)> {
    let sql =
        "SELECT COUNT(DISTINCT user_id), COUNT(*) - COUNT(DISTINCT user_id) FROM inbox_messages WHERE trigger_id = ";
    if database.starts_with("postgres") {
        let mut client = postgres::Client::connect(database, postgres::NoTls)?;
        let row = client.query_one(&format!("{sql}$1"), &[&campaign.to_string()])?;
        Ok((row.get::<_, i64>(0) as u64, row.get::<_, i64>(1) as u64))
    } else {
        let conn = rusqlite::Connection::open(database)?;
        Ok(conn.query_row(&format!("{sql}?1"), [campaign.to_string()], |r| {
            Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64))
        })?)
    }
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
        println!("\nCampaigns at {} consumers:", arg("--people", 1_000_000));
        let row = |label: &str, f: &dyn Fn(&Figures) -> String| {
            let cells: Vec<String> = measured.iter().map(|(_, m)| f(m)).collect();
            println!("| {label} | {} |", cells.join(" | "));
        };
        let names: Vec<String> = measured.iter().map(|(n, m)| format!("{n} ({}×)", m.instances)).collect();
        println!("| figure | {} |", names.join(" | "));
        println!("|---|{}|", vec!["---"; measured.len()].join("|"));
        row("people loaded in", &|m| format!("{:.0} s", m.load_secs));
        row("segment evaluated and queued", &|m| {
            format!("{:.1} s ({} people, {} held out)", m.queue_secs, m.queued, m.held_out)
        });
        row("baseline: count the segment once", &|m| format!("{:.1} s", m.count_secs));
        row("delivered (inbox)", &|m| {
            format!("{:.1} s ({} people, {:.0}/s)", m.deliver_secs, m.delivered, m.delivered as f64 / m.deliver_secs)
        });
        row("senders killed mid-send, started again", &|m| {
            format!(
                "killed at {:.1} s; {} reached, {} twice, {} left: {}",
                m.killed_after_secs,
                m.reached,
                m.duplicates,
                m.left_queued,
                if m.reached_once { "each once" } else { "NOT each once" }
            )
        });
        for (name, m) in &measured {
            let mut missed = Vec::new();
            if m.queue_secs.is_nan() || m.queue_secs > QUEUE_SECS {
                missed.push("queue");
            }
            if !m.reached_once {
                missed.push("kill and restart");
            }
            println!(
                "{name} ({} people): {}",
                m.people,
                if missed.is_empty() {
                    "within the issue's figures".into()
                } else {
                    format!("missed: {}", missed.join(", "))
                }
            );
        }
        Ok(())
    })
}
