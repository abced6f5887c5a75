//! Reaching people: the live channel and the SMS gateway at the scale, each figure beside
//! a baseline from the same run, on SQLite (one instance) and PostgreSQL (three instances):
//! - `--clients` apps (10,000) connected over server-sent events, spread over the instances;
//!   a campaign's inbox message to all of them, until every app has heard of it (target ≤ 30 s);
//!   then single messages, from the write to the app hearing of it (target ≤ 2 s), p50 and p99.
//!   Baseline: the time the apps took to connect.
//! - a campaign by SMS to `--texts` people (20,000) through the SMS stand-in, whose account takes
//!   `--sms-rate` requests a second (1,500): texts a second the stand-in accepted (target
//!   ≥ 1,000/s, codes keep a fifth of the rate) and its busiest second (never above the rate).
//!   Baseline: the same stand-in sent to directly by the gateway client, without the server.
//!
//!     cargo run --release -p portal-tests --bin reach-bench [-- --clients 10000 --texts 20000]
//!     scripts/with-postgres cargo run --release -p portal-tests --bin reach-bench   # both
//!
//! The servers run in this process and the apps in a child process of it (`--apps`), on
//! loopback: each end of a connection needs a file, and one process may have 20,000 here.
use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use futures_util::StreamExt;
use portal_api::*;
use portal_campaigns::policy::Caps;
use portal_server::{common::now, db::InboxRow, demo, Portal};
use portal_tests::{
    bench::{arg, databases, percentile, serve_in_process_with, token_for},
    sms_standin::{SmsStandIn, StandInConfig},
};
use serde_json::json;
use uuid::Uuid;

const MARKETING: &str = "SMS_480200002";

struct Figures {
    instances: usize,
    clients: usize,
    connect_secs: f64,
    heard_secs: f64,
    heard: usize,
    single_p50_ms: f64,
    single_p99_ms: f64,
    texts: usize,
    texts_per_sec: f64,
    peak_per_sec: usize,
    refused: usize,
    direct_per_sec: f64,
}

fn person(n: usize) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_2000_0000 + n as u128)
}

/// Writes `count` consumers from `first` on, each with a verified phone and no quiet hours.
fn load_people(database: &str, first: usize, count: usize) -> anyhow::Result<()> {
    let created = now() - 86_400;
    let rows =
        (first..first + count).map(|n| (person(n).to_string(), format!("+861{:010}", 3_000_000_000u64 + n as u64)));
    if database.starts_with("postgres") {
        let mut client = postgres::Client::connect(database, postgres::NoTls)?;
        let mut tx = client.transaction()?;
        for (id, phone) in rows {
            tx.execute(
                "INSERT INTO users (id, display_name, role, created_at) VALUES ($1, 'bench', 'consumer', $2)",
                &[&id, &created],
            )?;
            tx.execute(
                "INSERT INTO identities (kind, value, user_id, verified, linked_at) VALUES ('phone', $1, $2, TRUE, $3)",
                &[&phone, &id, &created],
            )?;
            tx.execute(
                "INSERT INTO message_preferences (user_id, marketing, channels_off, categories_off, time_zone, updated_at)
                 VALUES ($1, 1, '[]', '[]', 'Asia/Shanghai', $2)",
                &[&id, &created],
            )?;
        }
        tx.commit()?;
        client.batch_execute("ANALYZE")?;
    } else {
        let mut conn = rusqlite::Connection::open(database)?;
        let tx = conn.transaction()?;
        for (id, phone) in rows {
            tx.execute(
                "INSERT INTO users (id, display_name, role, created_at) VALUES (?1, 'bench', 'consumer', ?2)",
                rusqlite::params![id, created],
            )?;
            tx.execute(
                "INSERT INTO identities (kind, value, user_id, verified, linked_at) VALUES ('phone', ?1, ?2, 1, ?3)",
                rusqlite::params![phone, id, created],
            )?;
            tx.execute(
                "INSERT INTO message_preferences (user_id, marketing, channels_off, categories_off, time_zone, updated_at)
                 VALUES (?1, 1, '[]', '[]', 'Asia/Shanghai', ?2)",
                rusqlite::params![id, created],
            )?;
        }
        tx.commit()?;
    }
    Ok(())
}

/// Writes, submits, approves and starts a campaign to `audience` on `channels`.
async fn start_campaign(
    http: &reqwest::Client,
    base: &str,
    (operator, admin): (&str, &str),
    audience: serde_json::Value,
    channels: serde_json::Value,
) -> anyhow::Result<Uuid> {
    let id = Uuid::now_v7();
    let draft = json!({
        "id": id, "name": format!("reach {id}"), "category": "promotions", "audience": audience,
        "content": { "title_zh": "会员日", "title_en": "Members' day", "body_zh": "全场九折", "body_en": "10% off",
                     "sms_template": MARKETING },
        "channels": channels, "holdout_percent": 0
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

/// Every instance's sender and dispatcher, passing back to back until aborted.
fn run_passes(servers: &[Arc<Portal>]) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    for portal in servers {
        let p = portal.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                if p.campaigns.sender_pass(Caps { per_day: 100, ..Default::default() }).await.is_err() {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }));
        let p = portal.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                match p.campaigns.dispatch_pass().await {
                    Ok(r) if r.claimed > 0 => {}
                    _ => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
        }));
    }
    tasks
}

/// Nanoseconds since 1970 (shared by this process and the apps' process).
fn unix_nanos() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}

/// The apps' process (`--apps`): reads `url token` lines from its input, connects each over
/// SSE, and tells its parent `connected` once per app and `heard <n> <nanos>` each time app `n`
/// hears of its inbox. The apps live in a process of their own: each end of ten thousand
/// connections needs a file of its own, and one process may have twenty thousand.
async fn run_apps() -> anyhow::Result<()> {
    use std::io::{BufRead, Write};
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build()?;
    let (tell, mut told) = tokio::sync::mpsc::unbounded_channel::<String>();
    let lines: Vec<String> = std::io::stdin().lock().lines().collect::<Result<_, _>>()?;
    for (n, line) in lines.into_iter().enumerate() {
        let (url, token) = line.split_once(' ').unwrap_or_default();
        let (http, url, token, tell) = (http.clone(), url.to_owned(), token.to_owned(), tell.clone());
        tokio::spawn(async move {
            let Ok(mut answer) = http.get(url).bearer_auth(token).send().await else { return };
            if !answer.status().is_success() {
                return;
            }
            let _ = tell.send("connected".into());
            while let Ok(Some(chunk)) = answer.chunk().await {
                if chunk.windows(12).any(|w| w == b"event: inbox") {
                    let _ = tell.send(format!("heard {n} {}", unix_nanos()));
                }
            }
        });
    }
    drop(tell);
    let mut out = std::io::stdout().lock();
    while let Some(line) = told.recv().await {
        writeln!(out, "{line}")?;
        out.flush()?;
    }
    Ok(())
}

/// Starts the apps' process for `apps` (url, token); counts those connected and keeps when each
/// last heard of its inbox.
async fn start_apps(
    apps: Vec<(String, String)>,
    connected: Arc<AtomicUsize>,
    heard: Arc<Vec<AtomicU64>>,
) -> anyhow::Result<tokio::process::Child> {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let mut child = tokio::process::Command::new(std::env::current_exe()?)
        .arg("--apps")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut input = child.stdin.take().expect("piped");
    let lines: String = apps.iter().map(|(url, token)| format!("{url} {token}\n")).collect();
    input.write_all(lines.as_bytes()).await?;
    drop(input);
    let mut output = tokio::io::BufReader::new(child.stdout.take().expect("piped")).lines();
    tokio::spawn(async move {
        while let Ok(Some(line)) = output.next_line().await {
            let mut words = line.split(' ');
            match words.next() {
                Some("connected") => {
                    connected.fetch_add(1, Ordering::SeqCst);
                }
                Some("heard") => {
                    if let (Some(Ok(n)), Some(Ok(at))) =
                        (words.next().map(str::parse::<usize>), words.next().map(str::parse::<u64>))
                    {
                        heard[n].store(at, Ordering::SeqCst);
                    }
                }
                _ => {}
            }
        }
    });
    Ok(child)
}

async fn measure(name: &str, database: String, dir: &std::path::Path) -> anyhow::Result<Figures> {
    let clients = arg("--clients", 10_000);
    let texts = arg("--texts", 20_000);
    let sms_rate = arg("--sms-rate", 1_500) as u32;
    let postgres = database.starts_with("postgres");
    let instances = if postgres { arg("--instances", 3) } else { 1 };
    let standin = SmsStandIn::start(StandInConfig {
        access_key_id: "LTAI5tBench".into(),
        access_key_secret: "bench-secret".into(),
        sign_name: "统一品牌".into(),
        templates: HashMap::from([("SMS_480100001".into(), vec!["code".into()]), (MARKETING.into(), vec![])]),
        max_per_sec: sms_rate,
        dead_numbers: vec![],
        marketing_templates: vec![MARKETING.into()],
    })
    .await;
    let endpoint = standin.endpoint();
    let mut servers: Vec<(Arc<Portal>, String)> = Vec::new();
    for _ in 0..instances {
        let (database, endpoint) = (database.clone(), endpoint.clone());
        let (portal, base) = serve_in_process_with(dir, move |c| {
            c.database = database;
            c.database_pool_size = 16;
            c.campaign_interval_secs = 0;
            c.sms_gateway = "aliyun".into();
            c.sms_endpoint = endpoint;
            c.sms_access_key_id = "LTAI5tBench".into();
            c.sms_access_key_secret = portal_server::config::Secret("bench-secret".into());
            c.sms_sign_name = "统一品牌".into();
            c.sms_code_template = "SMS_480100001".into();
            // Each instance keeps to its share of the account's rate.
            c.sms_max_per_sec = sms_rate / instances as u32;
        })
        .await?;
        portal.live.spawn_watch(portal.db.clone(), Duration::from_secs(5));
        servers.push((portal, base));
    }
    let portal = servers[0].0.clone();
    demo::seed(&portal, 50).await?;
    let find = |login: &str| {
        let db = portal.db.clone();
        let login = login.to_owned();
        async move { db.find_identity(IdentityKind::Username, &login).await.map(|i| i.expect("a demo account").user_id) }
    };
    let (operator, admin) =
        (token_for(&portal, find("operator").await?).await?, token_for(&portal, find("admin").await?).await?);
    let people = clients.max(texts);
    eprintln!("{name}: loading {people} people…");
    let path = database.clone();
    tokio::task::spawn_blocking(move || load_people(&path, 0, people)).await??;

    // The apps connect, spread over the instances.
    let mut tokens = Vec::with_capacity(clients);
    for n in 0..clients {
        tokens.push(token_for(&portal, person(n)).await?);
    }
    let connected = Arc::new(AtomicUsize::new(0));
    let heard: Arc<Vec<AtomicU64>> = Arc::new((0..clients).map(|_| AtomicU64::new(0)).collect());
    let started = Instant::now();
    let apps: Vec<(String, String)> = tokens
        .into_iter()
        .enumerate()
        .map(|(n, token)| (format!("{}/v1/me/live", servers[n % instances].1), token))
        .collect();
    let child = start_apps(apps, connected.clone(), heard.clone()).await?;
    while connected.load(Ordering::SeqCst) < clients {
        anyhow::ensure!(started.elapsed().as_secs() < 300, "only {} apps connected", connected.load(Ordering::SeqCst));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let connect_secs = started.elapsed().as_secs_f64();
    eprintln!("{name}: {clients} apps connected in {connect_secs:.1} s");

    // A campaign's inbox message to every one of them.
    let portals: Vec<Arc<Portal>> = servers.iter().map(|(p, _)| p.clone()).collect();
    let base = servers[0].1.clone();
    let api = reqwest::Client::new();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let sent_at = unix_nanos();
    start_campaign(&api, &base, (&operator, &admin), json!({}), json!(["inbox"])).await?;
    let passes = run_passes(&portals);
    let started = Instant::now();
    let heard_of = || heard.iter().filter(|h| h.load(Ordering::SeqCst) > sent_at).count();
    while heard_of() < clients && started.elapsed().as_secs() < 120 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let last = heard.iter().map(|h| h.load(Ordering::SeqCst)).max().unwrap_or(0);
    let heard_secs = last.saturating_sub(sent_at) as f64 / 1e9;
    // (The campaign is started through the API after `sent_at`: its time counts.)
    let heard_count = heard_of();
    for pass in &passes {
        pass.abort();
    }
    eprintln!("{name}: {heard_count} of {clients} apps heard of the campaign within {heard_secs:.2} s");

    // Single messages (a back-in-stock trigger's, as the trigger pass writes them): from the
    // write to the app hearing of it.
    let trigger = json!({ "name": "bench restock", "kind": "back_in_stock", "title_zh": "到货", "title_en": "In stock",
                          "body_zh": "{product} 到货", "body_en": "{product} is in stock", "cooldown_days": 1 });
    let answer = api.post(format!("{base}/v1/marketing/triggers")).bearer_auth(&operator).json(&trigger).send().await?;
    anyhow::ensure!(answer.status().is_success(), "trigger: {}", answer.text().await?);
    let trigger: Trigger = answer.json().await?;
    let mut singles = Vec::new();
    for k in 0..40 {
        let n = (k * 997) % clients;
        let before = heard[n].load(Ordering::SeqCst);
        let message = InboxRow {
            id: Uuid::now_v7(),
            user_id: person(n),
            trigger_id: trigger.id,
            fact_key: format!("bench {k}"),
            kind: TriggerKind::BackInStock,
            title_zh: "到货".into(),
            title_en: "In stock".into(),
            body_zh: "到货".into(),
            body_en: "In stock".into(),
            recommendation: Uuid::now_v7(),
            models: vec![],
            link: None,
            created_at: now(),
            fact_at: now(),
            trigger_name: trigger.name.clone(),
        };
        let writer = &portals[k % instances];
        let wrote = Instant::now();
        let wrote_at = unix_nanos();
        let written = writer.db.send_inbox(vec![message], 0).await?;
        anyhow::ensure!(written == [true], "the message was not written: {written:?}");
        while heard[n].load(Ordering::SeqCst) == before && wrote.elapsed().as_secs() < 10 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let at = heard[n].load(Ordering::SeqCst);
        singles.push(if at == before { 10_000.0 } else { at.saturating_sub(wrote_at) as f64 / 1e6 });
    }
    singles.sort_by(f64::total_cmp);
    drop(child);

    // Texts: a campaign by SMS to the people from `clients` on (new to campaigns today).
    let before = standin.accepted().len();
    let audience = json!({});
    // Everyone loaded was reached once today by the inbox campaign; the cap is raised for the bench.
    let passes = run_passes(&portals);
    let started = Instant::now();
    start_campaign(&api, &base, (&operator, &admin), audience, json!(["sms"])).await?;
    let wanted = people;
    while standin.accepted().len() - before < wanted && started.elapsed().as_secs() < 600 {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let sent = standin.accepted().len() - before;
    let texts_per_sec = sent as f64 / started.elapsed().as_secs_f64();
    for pass in &passes {
        pass.abort();
    }
    let refused = standin.refusals().len();
    let peak_per_sec = standin.peak_per_sec();
    eprintln!("{name}: {sent} texts at {texts_per_sec:.0}/s, busiest second {peak_per_sec}, {refused} refused");

    // Baseline: the gateway client alone, straight to the stand-in, at the same rate.
    let direct = portal_server::gateways::aliyun_sms::AliyunSms::new(portal_server::config::AliyunSmsConfig {
        endpoint: standin.endpoint(),
        access_key_id: "LTAI5tBench".into(),
        access_key_secret: portal_server::config::Secret("bench-secret".into()),
        sign_name: "统一品牌".into(),
        code_template: "SMS_480100001".into(),
        marketing_sign_name: "统一品牌".into(),
        max_per_sec: sms_rate,
    });
    let direct = Arc::new(direct);
    let count = 5_000.min(texts);
    let started = Instant::now();
    let results: Vec<bool> = futures_util::stream::iter(0..count)
        .map(|n| {
            let direct = direct.clone();
            async move {
                use portal_server::gateways::SmsGateway;
                direct
                    .send_marketing(&format!("+861{:010}", 3_100_000_000u64 + n as u64), MARKETING, "direct")
                    .await
                    .is_ok()
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    let direct_per_sec = results.iter().filter(|ok| **ok).count() as f64 / started.elapsed().as_secs_f64();

    Ok(Figures {
        instances,
        clients,
        connect_secs,
        heard_secs,
        heard: heard_count,
        single_p50_ms: percentile(&singles, 0.5),
        single_p99_ms: percentile(&singles, 0.99),
        texts: sent,
        texts_per_sec,
        peak_per_sec,
        refused,
        direct_per_sec,
    })
}

/// Raises this process's open-file limit for the connections (both ends live here).
fn raise_file_limit(wanted: u64) {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit read and write the struct given, nothing else.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < wanted {
            let raised = libc::rlimit { rlim_cur: wanted, rlim_max: wanted.max(limit.rlim_max) };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) != 0 {
                eprintln!("could not raise the open-file limit to {wanted}: run as root or with `ulimit -n {wanted}`");
            }
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    if std::env::args().any(|a| a == "--apps") {
        raise_file_limit(2 * arg("--clients", 10_000) as u64 + 1_024);
        return run_apps().await;
    }
    raise_file_limit(2 * arg("--clients", 10_000) as u64 + 4_096);
    let dir = tempfile::tempdir()?;
    let mut rows = Vec::new();
    for (name, database) in databases(dir.path()) {
        let run_dir = tempfile::tempdir_in(dir.path())?;
        rows.push((name, measure(name, database, run_dir.path()).await?));
    }
    println!(
        "\n| figure | {} | target |",
        rows.iter().map(|(n, f)| format!("{n} ({}×)", f.instances)).collect::<Vec<_>>().join(" | ")
    );
    println!("|---|{}---|", "---|".repeat(rows.len()));
    let line = |label: &str, target: &str, f: &dyn Fn(&Figures) -> String| {
        println!("| {label} | {} | {target} |", rows.iter().map(|(_, r)| f(r)).collect::<Vec<_>>().join(" | "));
    };
    line("baseline: apps connected over SSE", "", &|r| format!("{} in {:.1} s", r.clients, r.connect_secs));
    line("a campaign heard by every connected app", "≤ 30 s", &|r| format!("{} in {:.2} s", r.heard, r.heard_secs));
    line("one message, write to app (p50 / p99)", "≤ 2 s", &|r| {
        format!("{:.0} / {:.0} ms", r.single_p50_ms, r.single_p99_ms)
    });
    line("baseline: the SMS client alone", "", &|r| format!("{:.0}/s", r.direct_per_sec));
    line("texts of a campaign through the server", "≥ 1,000/s", &|r| {
        format!("{} at {:.0}/s", r.texts, r.texts_per_sec)
    });
    line("the stand-in's busiest second; refused", "≤ its rate; 0", &|r| {
        format!("{}; {}", r.peak_per_sec, r.refused)
    });
    Ok(())
}
