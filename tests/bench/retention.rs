//! Table sizes under retention: a stretch of simulated days of traffic (`--days 60`), each day
//! behaviour events of known people and of anonymous installations, lists served and inbox
//! messages, then the pruning pass as the server runs it, at that day's time; each table's rows
//! printed every ten days, on each database side by side. The retention is shortened (events of
//! known people 21 days, anonymous 3, interest 14, lists 10, inbox 14) so that a short run crosses
//! every horizon: a table that grows with traffic must level off once its horizon is passed.
//! Baseline: the same traffic with no pruning.
//!
//!     cargo run --release -p portal-tests --bin retention-bench [-- --days 60 --events 20000]
//!     scripts/with-postgres cargo run --release -p portal-tests --bin retention-bench   # both
use std::{collections::BTreeMap, time::Instant};

use portal_api::{EventKind, TrackedEvent, TriggerKind};
use portal_marketing::events::kinds_needed_without_consent;
use portal_server::{
    common::now,
    db::{Database, EventToKeep, InboxRow, IngestRequest, Retention, ServedList},
};
use portal_tests::bench::{arg, databases, serve_in_process_with};
use uuid::Uuid;

const DAY: i64 = 86_400;
const TABLES: [&str; 5] =
    ["behaviour_events", "behaviour_interest", "recommendation_lists", "inbox_messages", "trail_days"];
const PEOPLE: u64 = 5_000;
const MODELS: u64 = 300;

fn retention() -> Retention {
    Retention {
        events_secs: 21 * DAY,
        anonymous_events_secs: 3 * DAY,
        interest_secs: 14 * DAY,
        lists_secs: 10 * DAY,
        inbox_secs: 14 * DAY,
        report_secs: 800 * DAY,
    }
}

fn person(n: u64) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_b000_0000_0000_0000 | u128::from(n))
}

fn event(id: Uuid, kind: EventKind, at: i64, model: String) -> EventToKeep {
    let e = TrackedEvent {
        id,
        kind,
        at,
        model: Some(model),
        models: vec![],
        query: None,
        results: None,
        recommendation: None,
        detail: None,
    };
    portal_server::marketing::planted::to_keep(&e)
}

/// Rows of each table, read straight from the database.
fn sizes(database: &str) -> anyhow::Result<Vec<i64>> {
    let count = |sql: &str| -> anyhow::Result<i64> {
        if database.starts_with("postgres") {
            let mut client = postgres::Client::connect(database, postgres::NoTls)?;
            Ok(client.query_one(sql, &[])?.get(0))
        } else {
            let conn = rusqlite::Connection::open(database)?;
            Ok(conn.query_row(sql, [], |r| r.get(0))?)
        }
    };
    let cast = if database.starts_with("postgres") { "::BIGINT" } else { "" };
    TABLES.iter().map(|t| count(&format!("SELECT COUNT(*){cast} FROM {t}"))).collect()
}

/// One simulated day: `events` events (a third anonymous, from installations never seen again),
/// a list a day for a tenth of the people, an inbox message for a fiftieth.
async fn day_of_traffic(db: &dyn Database, day: i64, at: i64, events: u64, trigger: Uuid) -> anyhow::Result<()> {
    let mut by_sender: BTreeMap<(Uuid, Option<Uuid>), Vec<EventToKeep>> = BTreeMap::new();
    for i in 0..events {
        let n = (day as u64).wrapping_mul(1_000_003).wrapping_add(i);
        let model = format!("MODEL-{}", n.wrapping_mul(2_654_435_761) % MODELS);
        let kind = [EventKind::ProductView, EventKind::ProductView, EventKind::Favourite, EventKind::Compare]
            [(n % 4) as usize];
        let id = Uuid::from_u128(0x0190_0000_0000_7000_c000_0000_0000_0000 | u128::from(n));
        let sender = if i % 3 == 0 {
            (Uuid::from_u128(0x0190_0000_0000_7000_d000_0000_0000_0000 | u128::from(n / 50)), None)
        } else {
            let p = person(n.wrapping_mul(40_503) % PEOPLE);
            (Uuid::from_u128(p.as_u128() ^ 1), Some(p))
        };
        by_sender.entry(sender).or_default().push(event(id, kind, at - (i % 3_600) as i64, model));
    }
    for ((install, user), batch) in by_sender {
        for chunk in batch.chunks(500) {
            db.ingest_events(IngestRequest {
                install_id: install,
                user_id: user,
                events: chunk.to_vec(),
                limits: vec![],
                needed_kinds: kinds_needed_without_consent(),
                now: at,
                prepared_at: Instant::now(),
            })
            .await?;
        }
    }
    for p in (0..PEOPLE).filter(|p| (p + day as u64) % 10 == 0) {
        db.record_served_list(ServedList {
            id: Uuid::now_v7(),
            user_id: Some(person(p)),
            placement: "home".into(),
            algorithm: "als+popular".into(),
            arm: None,
            experiment: None,
            models: vec![format!("MODEL-{}", p % MODELS)],
            served_at: at,
            store_id: None,
        })
        .await?;
    }
    let messages: Vec<InboxRow> = (0..PEOPLE)
        .filter(|p| (p + day as u64) % 50 == 0)
        .map(|p| InboxRow {
            id: Uuid::now_v7(),
            user_id: person(p),
            trigger_id: trigger,
            fact_key: format!("day-{day}"),
            kind: TriggerKind::AfterSignIn,
            title_zh: "欢迎回来".into(),
            title_en: "Welcome back".into(),
            body_zh: "为您挑选".into(),
            body_en: "Picked for you".into(),
            recommendation: Uuid::now_v7(),
            models: vec![],
            link: None,
            created_at: at,
            fact_at: at,
            trigger_name: "bench".into(),
        })
        .collect();
    for batch in messages.chunks(500) {
        db.send_inbox(batch.to_vec(), 0).await?;
    }
    Ok(())
}

async fn simulate(
    name: &str,
    database: String,
    dir: &std::path::Path,
    prune: bool,
) -> anyhow::Result<Vec<(i64, Vec<i64>)>> {
    let days = arg("--days", 60) as i64;
    let events = arg("--events", 20_000) as u64;
    let sub = dir.join(format!("{name}-{prune}"));
    std::fs::create_dir_all(&sub)?;
    // Each run a database of its own.
    let database = match std::env::var("PORTAL_TEST_POSTGRES") {
        Ok(cluster) if database.starts_with("postgres") => portal_server::db::scratch_database(&cluster)?,
        _ => sub.join("server.sqlite").display().to_string(),
    };
    let (portal, _) = serve_in_process_with(&sub, |c| {
        c.database = database.clone();
        c.tags_interval_secs = 0;
        c.triggers_interval_secs = 0;
    })
    .await?;
    let db = portal.db.clone();
    for p in 0..PEOPLE {
        db.create_user(portal_server::db::NewUser {
            id: person(p),
            display_name: format!("Person {p}"),
            role: portal_api::Role::Consumer,
            store_id: None,
            dealer_id: None,
            password_hash: None,
            created_at: now(),
            identities: vec![],
        })
        .await?;
    }
    let trigger = portal_api::Trigger {
        id: Uuid::now_v7(),
        name: format!("bench {prune}"),
        kind: TriggerKind::AfterSignIn,
        title_zh: "欢迎回来".into(),
        title_en: "Welcome back".into(),
        body_zh: "为您挑选".into(),
        body_en: "Picked for you".into(),
        cooldown_days: 1,
        active: true,
        created_at: 0,
        active_since: 0,
        sent: 0,
    };
    db.create_trigger(trigger.clone(), person(0)).await?;
    let start = now() - days * DAY;
    let mut out = Vec::new();
    let started = Instant::now();
    for day in 0..days {
        let at = start + day * DAY;
        day_of_traffic(&*db, day, at, events, trigger.id).await?;
        if prune {
            db.prune_marketing(retention(), at).await?;
        }
        if (day + 1) % 10 == 0 {
            let url = database.clone();
            out.push((day + 1, tokio::task::spawn_blocking(move || sizes(&url)).await??));
        }
    }
    println!("[{name}] {days} days, pruning {prune}, in {:.0} s", started.elapsed().as_secs_f64());
    Ok(out)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut results = Vec::new();
    for (name, database) in databases(dir.path()) {
        let pruned = simulate(name, database.clone(), dir.path(), true).await?;
        let kept = simulate(name, database, dir.path(), false).await?;
        results.push((name, pruned, kept));
    }
    for (name, pruned, kept) in &results {
        println!();
        println!("{name}: rows after each ten days, pruned (baseline: never pruned)");
        print!("{:<8}", "day");
        for t in TABLES {
            print!("{t:>34}");
        }
        println!();
        for ((day, p), (_, k)) in pruned.iter().zip(kept) {
            print!("{day:<8}");
            for (a, b) in p.iter().zip(k) {
                print!("{:>34}", format!("{a} ({b})"));
            }
            println!();
        }
    }
    Ok(())
}
