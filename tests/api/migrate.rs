//! `portal-server migrate`: a pilot's SQLite database copied into PostgreSQL, then served from there.
use portal_api::*;
use portal_tests::server::*;
use serde_json::json;
use uuid::Uuid;

const DEMO_PASSWORD: &str = "Portal#2026";
const SHANGHAI: &str = "01900000-0000-7000-8000-000000000101";

#[tokio::test]
async fn a_pilot_on_sqlite_moves_to_postgres_with_its_accounts_sessions_and_stock() {
    let Ok(cluster) = std::env::var("PORTAL_TEST_POSTGRES") else {
        eprintln!("skipped: PORTAL_TEST_POSTGRES is not set (see scripts/with-postgres)");
        return;
    };
    if instances_wanted() > 1 {
        eprintln!("skipped: the pilot is one SQLite server (this run has several instances)");
        return;
    }
    // The pilot: one SQLite server with some days of work.
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("pilot.sqlite");
    let mut pilot = TestServer::start_in(dir, &[("PORTAL_DATABASE", sqlite.to_str().unwrap())], true);
    let promoter = pilot.sign_in_password("promoter", DEMO_PASSWORD).await;
    let token = access(&promoter);
    let shift = Uuid::now_v7();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let ops: Vec<serde_json::Value> = [
        json!({ "type": "open_shift", "shift_id": shift, "opening_cash": 0 }),
        json!({ "type": "receipt", "source": "brand", "lines": [{ "sku": "MIGRATE-1", "quantity": 7 }] }),
        json!({ "type": "adjustment", "sku": "MIGRATE-1", "quantity": -2, "reason": "broken box" }),
    ]
    .into_iter()
    .map(|action| json!({ "id": Uuid::now_v7(), "store_id": SHANGHAI, "device_at": now, "action": action }))
    .collect();
    let (status, body) =
        pilot.send(reqwest::Method::POST, "/v1/store-ops", Some(&token), Some(&json!({ "ops": ops }))).await;
    assert_eq!(status, 200, "{body}");
    let (_, before) = pilot.get(&format!("/v1/stores/{SHANGHAI}/stock"), &token).await;
    pilot.stop();

    // The copy, by the real binary.
    let target = portal_server::db::scratch_database(&cluster).unwrap();
    let output = std::process::Command::new(server_binary())
        .args(["migrate", "--from", sqlite.to_str().unwrap(), "--to", &target])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(report["rows"]["users"].as_i64().unwrap() >= 6, "{report}");
    assert!(report["stock_checked"].as_i64().unwrap() >= 1, "{report}");
    // Again into the same database: refused, nothing changed.
    let again = std::process::Command::new(server_binary())
        .args(["migrate", "--from", sqlite.to_str().unwrap(), "--to", &target])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("empty database"));

    // Served from PostgreSQL: the same stock, the device's session still good, new work lands.
    let dir = std::mem::replace(&mut pilot.dir, tempfile::tempdir().unwrap());
    drop(pilot);
    let server = TestServer::start_in(dir, &[("PORTAL_DATABASE", &target)], false);
    let (status, health) = server.send(reqwest::Method::GET, "/healthz", None, None).await;
    assert_eq!(status, 200);
    assert!(health["database"].as_str().unwrap().starts_with("postgres"), "{health}");
    let (status, after) = server.get(&format!("/v1/stores/{SHANGHAI}/stock"), &token).await;
    assert_eq!(status, 200, "the access token signed before the move still works: {after}");
    assert_eq!(after, before);
    let stock: StockReport = parse(&after);
    assert_eq!(stock.levels.iter().find(|l| l.sku == "MIGRATE-1").map(|l| l.on_hand), Some(5));
    let (status, refreshed) =
        server.post("/v1/auth/refresh", json!({ "refresh_token": promoter["tokens"]["refresh_token"] })).await;
    assert_eq!(status, 200, "{refreshed}");
    let more = json!({ "ops": [{ "id": Uuid::now_v7(), "store_id": SHANGHAI, "device_at": now,
        "action": { "type": "receipt", "source": "brand", "lines": [{ "sku": "MIGRATE-1", "quantity": 1 }] } }] });
    let (status, body) = server.send(reqwest::Method::POST, "/v1/store-ops", Some(&token), Some(&more)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(parse::<StoreOpsResult>(&body).outcomes[0].status, OpStatus::Applied);
}

#[tokio::test]
async fn an_instance_is_not_ready_while_its_database_is_being_migrated() {
    let Ok(cluster) = std::env::var("PORTAL_TEST_POSTGRES") else {
        eprintln!("skipped: PORTAL_TEST_POSTGRES is not set (see scripts/with-postgres)");
        return;
    };
    let target = portal_server::db::scratch_database(&cluster).unwrap();
    // Another instance is migrating: it holds the migration lock.
    let (hold, release) = std::sync::mpsc::channel::<()>();
    let (held, is_held) = std::sync::mpsc::channel::<()>();
    let locker = {
        let target = target.clone();
        std::thread::spawn(move || {
            let mut client = postgres::Client::connect(&target, postgres::NoTls).unwrap();
            client.batch_execute("SELECT pg_advisory_lock(7021001)").unwrap();
            held.send(()).unwrap();
            let _ = release.recv();
            client.batch_execute("SELECT pg_advisory_unlock(7021001)").unwrap();
        })
    };
    is_held.recv().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = std::process::Command::new(server_binary())
        .arg("serve")
        .env("PORTAL_LISTEN", format!("127.0.0.1:{port}"))
        .env("PORTAL_DATABASE", &target)
        .env("PORTAL_KEY_FILE", dir.path().join("portal.key"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    let ready = |path: &'static str| {
        let http = http.clone();
        async move { http.get(format!("http://127.0.0.1:{port}{path}")).send().await.ok().map(|r| r.status().as_u16()) }
    };
    // Starting: every answer is 503 until the migration is done.
    let mut starting = None;
    for _ in 0..100 {
        starting = ready("/readyz").await;
        if starting.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(starting, Some(503), "not ready while the migration lock is held");
    assert_eq!(ready("/v1/catalog/sync").await, Some(503));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(ready("/readyz").await, Some(503), "still waiting");
    hold.send(()).unwrap();
    drop(hold);
    locker.join().unwrap();
    let mut status = None;
    for _ in 0..200 {
        status = ready("/readyz").await;
        if status == Some(200) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, Some(200), "ready once migrated");
}
