//! The chaos run: 10,000 store operations from 3 promoters' tablets, each the app's real client core
//! (`PortalApp`: its session with token refresh, its durable outbox in a real SQLite file), sent
//! through a fault-injecting HTTP proxy (dropped connections, lost answers, delays, duplicated
//! requests) to the real server binary, which is killed and restarted 3 times. Access tokens expire
//! during the run and refreshes lose their answers too (no grace window: only the rotation rule
//! keeps the tablets signed in); one promoter is moved to another store with sales still queued;
//! one tablet's queue gets a row it cannot read. At the end: 0 lost, 0 duplicated, every store's
//! stock the sum of what was made there, the unreadable row set aside and everything else landed.
//!
//! With `PORTAL_TEST_INSTANCES=3` (and PostgreSQL) the server is three instances behind haproxy,
//! and the instances are killed and restarted one at a time instead.
//!
//! Loopback only; bounded by the operation count (and a 10-minute guard).
use std::{
    collections::BTreeMap,
    net::SocketAddr,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use axum::{body::Bytes, extract::State, http::Request, response::IntoResponse, Router};
use portal_api::{endpoints as ep, *};
use portal_client::{
    api::ApiClient,
    vault::{MemorySecrets, SecretStore},
    PasswordSignInInput, PortalApp,
};
use portal_tests::server::*;
use rand::{rngs::StdRng, Rng, SeedableRng};
use tokio::sync::RwLock;
use uuid::Uuid;

const OPS: usize = 10_000;
const DEVICES: usize = 3;
const RESTARTS: usize = 3;
const DEMO_PASSWORD: &str = "Portal#2026";
const CHAOS_PASSWORD: &str = "Chaos#2026";
const STORES: [&str; 3] = [
    "01900000-0000-7000-8000-000000000101",
    "01900000-0000-7000-8000-000000000102",
    "01900000-0000-7000-8000-000000000103",
];

#[derive(Default)]
struct Faults {
    dropped: AtomicU64,
    answers_lost: AtomicU64,
    duplicated: AtomicU64,
    delayed: AtomicU64,
    forwarded: AtomicU64,
}

struct Proxy {
    upstream: RwLock<String>,
    http: reqwest::Client,
    faults: Faults,
    rng: std::sync::Mutex<StdRng>,
}

impl Proxy {
    fn roll(&self) -> f64 {
        self.rng.lock().unwrap().gen()
    }
}

async fn forward(
    proxy: &Proxy,
    method: reqwest::Method,
    path: &str,
    headers: &reqwest::header::HeaderMap,
    body: &Bytes,
) -> Option<(u16, Bytes)> {
    let base = proxy.upstream.read().await.clone();
    let res = proxy
        .http
        .request(method, format!("{base}{path}"))
        .headers(headers.clone())
        .body(body.clone())
        .send()
        .await
        .ok()?;
    let status = res.status().as_u16();
    Some((status, res.bytes().await.ok()?))
}

/// Every request takes its chances: dropped before the server, delayed, sent twice, or its
/// answer lost after the server applied it.
async fn chaos(State(proxy): State<Arc<Proxy>>, req: Request<axum::body::Body>) -> impl IntoResponse {
    let bad_gateway = (axum::http::StatusCode::BAD_GATEWAY, Bytes::new());
    let method = req.method().clone();
    let path = req.uri().path_and_query().map(|p| p.to_string()).unwrap_or_default();
    let mut headers = reqwest::header::HeaderMap::new();
    for (k, v) in req.headers() {
        if k == "authorization" || k == "content-type" {
            headers.insert(k.clone(), v.clone());
        }
    }
    let Ok(body) = axum::body::to_bytes(req.into_body(), 64 << 20).await else { return bad_gateway };
    if proxy.roll() < 0.10 {
        proxy.faults.dropped.fetch_add(1, Ordering::Relaxed);
        return bad_gateway;
    }
    if proxy.roll() < 0.30 {
        proxy.faults.delayed.fetch_add(1, Ordering::Relaxed);
        let ms = (proxy.roll() * 150.0) as u64;
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    let duplicate = proxy.roll() < 0.10;
    let answer = if duplicate {
        proxy.faults.duplicated.fetch_add(1, Ordering::Relaxed);
        let (a, b) = tokio::join!(
            forward(&proxy, method.clone(), &path, &headers, &body),
            forward(&proxy, method.clone(), &path, &headers, &body)
        );
        a.or(b)
    } else {
        forward(&proxy, method, &path, &headers, &body).await
    };
    proxy.faults.forwarded.fetch_add(1, Ordering::Relaxed);
    let Some((status, bytes)) = answer else { return bad_gateway };
    if proxy.roll() < 0.10 {
        proxy.faults.answers_lost.fetch_add(1, Ordering::Relaxed);
        return bad_gateway;
    }
    (axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::BAD_GATEWAY), bytes)
}

/// One promoter's tablet: the app's client core pointed at the proxy, and the store it works at.
struct Device {
    app: PortalApp,
    store: Uuid,
    shift: Uuid,
}

/// What the server must hold at the end, per store: stock per SKU, movements, sales.
#[derive(Default)]
struct Expected {
    stock: BTreeMap<Uuid, BTreeMap<String, i64>>,
    movements: BTreeMap<Uuid, u32>,
    sales: BTreeMap<Uuid, u32>,
}

impl Expected {
    /// Draws one operation at `store` (a receipt, a sale or an adjustment) and counts what it does.
    fn make(&mut self, rng: &mut StdRng, store: Uuid, shift: Uuid) -> StoreAction {
        let sku = format!("SKU-{}", rng.gen_range(0..20));
        let roll = rng.gen_range(0..10);
        let stock = self.stock.entry(store).or_default();
        *self.movements.entry(store).or_default() += 1;
        if roll < 3 {
            let quantity = rng.gen_range(1..10);
            *stock.entry(sku.clone()).or_default() += quantity;
            StoreAction::Receipt { lines: vec![SkuQuantity { sku, quantity }], source: "brand".into() }
        } else if roll < 9 {
            let quantity = rng.gen_range(1..3);
            *stock.entry(sku.clone()).or_default() -= quantity;
            *self.sales.entry(store).or_default() += 1;
            StoreAction::Sale {
                sale_id: Uuid::now_v7(),
                shift_id: shift,
                receipt_no: format!("C-{}", Uuid::now_v7()),
                customer_phone: None,
                customer_consent: false,
                lines: vec![SaleLine { sku, quantity, unit_price: 100_00, discount: 0, serial: None }],
                order_discount: 0,
                payments: vec![Payment { method: PaymentMethod::Cash, amount: 100_00 * quantity }],
                gifts: vec![],
                offer: None,
                coupon: None,
            }
        } else {
            let quantity = if rng.gen_bool(0.5) { 1 } else { -1 };
            *stock.entry(sku.clone()).or_default() += quantity;
            StoreAction::Adjustment { sku, quantity, reason: "chaos".into() }
        }
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Signs the tablet in through the proxy, trying again while the proxy loses the answer.
async fn sign_in(app: &PortalApp, login: &str, password: &str) {
    for _ in 0..50 {
        let input = PasswordSignInInput { login: login.into(), password: password.into() };
        if app.sign_in_with_password(input).await.is_ok() {
            return;
        }
    }
    panic!("{login} could not sign in through the proxy");
}

/// A new promoter at `store`: signed up by SMS, then given the role by the administrator.
async fn promoter(server: &TestServer, admin: &str, phone: &str, store: &str) -> String {
    let auth = server.sign_up(phone, Some(CHAOS_PASSWORD)).await;
    let user = auth["profile"]["user_id"].as_str().unwrap().to_owned();
    let role = serde_json::json!({ "role": "promoter", "store_id": store });
    let path = format!("/v1/admin/users/{user}/role");
    let (status, body) = server.send(reqwest::Method::PUT, &path, Some(admin), Some(&role)).await;
    assert_eq!(status, 200, "{body}");
    user
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_operations_through_faults_and_restarts_none_lost_none_twice() {
    let started = Instant::now();
    // Access tokens outlive the app's early-refresh margin by a few seconds: they expire, and are
    // refreshed, many times during the run. No grace window for a lost refresh answer.
    let mut server = TestServer::start(&[("PORTAL_ACCESS_TOKEN_TTL_SECS", "33"), ("PORTAL_REFRESH_GRACE_SECS", "0")]);
    let admin = access(&server.sign_in_password("admin", DEMO_PASSWORD).await);
    let moved_user = promoter(&server, &admin, "13800138501", STORES[1]).await;
    promoter(&server, &admin, "13800138502", STORES[2]).await;

    let proxy = Arc::new(Proxy {
        upstream: RwLock::new(server.base.clone()),
        http: reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap(),
        faults: Faults::default(),
        rng: std::sync::Mutex::new(StdRng::seed_from_u64(2026)),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_url = format!("http://{}", listener.local_addr().unwrap());
    let router = Router::new().fallback(chaos).with_state(proxy.clone());
    tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await.ok();
    });

    // Three promoters' tablets: the demo promoter in Shanghai, two new ones in Beijing and beyond.
    let dir = tempfile::tempdir().unwrap();
    let logins = [("promoter", DEMO_PASSWORD), ("13800138501", CHAOS_PASSWORD), ("13800138502", CHAOS_PASSWORD)];
    let mut devices = Vec::new();
    for (i, (login, password)) in logins.iter().enumerate() {
        let secrets: Box<dyn SecretStore> = Box::new(MemorySecrets::default());
        let cache = dir.path().join(format!("device-{i}.sqlite"));
        let app = PortalApp::open(&cache, secrets, &format!("tablet {i}"), &proxy_url).unwrap();
        sign_in(&app, login, password).await;
        let (store, shift) = (STORES[i].parse().unwrap(), Uuid::now_v7());
        app.record_store_op(store, StoreAction::OpenShift { shift_id: shift, opening_cash: 0 }).await.unwrap();
        devices.push(Device { app, store, shift });
    }
    let mut expected = Expected::default();

    // Make the operations in rounds, the tablets sending while the server is killed and restarted.
    let mut rng = StdRng::seed_from_u64(7);
    let per_round = 50;
    let mut made = 0;
    let mut restarts = 0;
    let restart_every = OPS / (RESTARTS + 1);
    let (mut moved, mut poisoned) = (false, false);
    while made < OPS {
        assert!(started.elapsed() < Duration::from_secs(600), "the chaos run is bounded");
        let rounds: Vec<Vec<StoreAction>> = devices
            .iter()
            .map(|d| (0..per_round).map(|_| expected.make(&mut rng, d.store, d.shift)).collect())
            .collect();
        made += per_round * DEVICES;
        // Each tablet records its round (each record tries to send at once), while the server may
        // be killed in the middle: some requests in flight, some transactions rolled back.
        let restart_now = restarts < RESTARTS && made >= restart_every * (restarts + 1);
        let records = devices.iter().zip(rounds).map(|(d, actions)| async move {
            for action in actions {
                d.app.record_store_op(d.store, action).await.expect("the counter accepts it");
            }
        });
        let restart = async {
            if restart_now {
                tokio::time::sleep(Duration::from_millis(rng.gen_range(5..40))).await;
                if server.instances.len() > 1 {
                    // Several instances behind the load balancer: one is killed and restarted at
                    // a time, and the balancer sends its requests to the others meanwhile.
                    let which = restarts % server.instances.len();
                    tokio::task::block_in_place(|| server.restart_instance(which));
                } else {
                    tokio::task::block_in_place(|| server.restart());
                    *proxy.upstream.write().await = server.base.clone();
                }
                restarts += 1;
            }
        };
        tokio::join!(futures_util::future::join_all(records), restart);

        // Halfway: the Beijing promoter is moved to the third store, with what they sold queued.
        if !moved && made >= OPS / 2 {
            moved = true;
            let role = serde_json::json!({ "role": "promoter", "store_id": STORES[2] });
            let path = format!("/v1/admin/users/{moved_user}/role");
            // The administrator's token has long expired: a fresh one.
            let admin = access(&server.sign_in_password("admin", DEMO_PASSWORD).await);
            let (status, body) = server.send(reqwest::Method::PUT, &path, Some(&admin), Some(&role)).await;
            assert_eq!(status, 200, "{body}");
            let d = &mut devices[1];
            (d.store, d.shift) = (STORES[2].parse().unwrap(), Uuid::now_v7());
            // A second later, so that the old store's operations are all from before the move.
            tokio::time::sleep(Duration::from_millis(1100)).await;
            d.app
                .record_store_op(d.store, StoreAction::OpenShift { shift_id: d.shift, opening_cash: 0 })
                .await
                .unwrap();
        }
        // A third of the way: a row the third tablet cannot read lands in its queue.
        if !poisoned && made >= OPS / 3 {
            poisoned = true;
            let db = rusqlite::Connection::open(dir.path().join("device-2.sqlite")).unwrap();
            db.busy_timeout(Duration::from_secs(5)).unwrap();
            let user = devices[2].app.state().unwrap().profile.unwrap().user_id;
            db.execute(
                "INSERT INTO outbox (op_id, user_id, kind, payload, created_at)
                 VALUES (?1, ?2, 'store_op', '{\"store_id\": 42', 0)",
                [Uuid::now_v7().to_string(), user.to_string()],
            )
            .unwrap();
        }
    }
    assert_eq!(restarts, RESTARTS);
    assert!(moved && poisoned);

    // Everything waiting is sent (the person presses "Send now" until nothing is left).
    for d in &devices {
        while d.app.pending_ops().unwrap() > 0 {
            assert!(started.elapsed() < Duration::from_secs(600), "the queues drain");
            let _ = d.app.send_now().await;
        }
        assert!(d.app.state().unwrap().signed_in, "no tablet was signed out by a lost refresh answer");
    }

    // 0 lost, 0 duplicated: each store's ledger is exactly what was made there.
    let direct = ApiClient::new(server.base.parse().unwrap());
    let admin = access(&server.sign_in_password("admin", DEMO_PASSWORD).await);
    // Sales are booked on the store's local day of when they were made: the run may cross midnight.
    let mut days = vec![portal_server::common::local_day(unix_now() - started.elapsed().as_secs() as i64)];
    days.push(portal_server::common::local_day(unix_now()));
    days.dedup();
    for (store, stock_made) in &expected.stock {
        let stock = direct.call(Some(&admin), &ep::Stock { id: *store }).await.unwrap();
        let on_server: BTreeMap<String, i64> =
            stock.levels.iter().map(|l| (l.sku.clone(), l.on_hand)).filter(|(_, q)| *q != 0).collect();
        let made: BTreeMap<String, i64> = stock_made.clone().into_iter().filter(|(_, q)| *q != 0).collect();
        assert_eq!(on_server, made, "store {store}: stock equals the sum of what was made there");
        assert_eq!(stock.movements, expected.movements[store], "store {store}: every movement once");
        assert!(stock.balances_agree, "store {store}: running balances equal the ledger's sums");
        let mut sales = 0;
        for day in &days {
            sales += direct
                .call(Some(&admin), &ep::StoreDayReport { id: *store, query: DayQuery { day: Some(day.to_owned()) } })
                .await
                .unwrap()
                .sales;
        }
        assert_eq!(sales, expected.sales[store], "store {store}: every sale once");
    }
    // The unreadable row was set aside (kept) with a notice; nothing else was refused.
    for i in 0..DEVICES {
        let db = rusqlite::Connection::open(dir.path().join(format!("device-{i}.sqlite"))).unwrap();
        let count = |sql: &str| db.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
        let expected = i64::from(i == 2);
        assert_eq!(count("SELECT COUNT(*) FROM outbox_dead"), expected, "tablet {i}: set aside");
        let refused = "SELECT COUNT(*) FROM pos_outcomes WHERE json_extract(outcome, '$.status') = 'rejected'";
        assert_eq!(count(refused), expected, "tablet {i}: refusal notices");
    }
    let f = &proxy.faults;
    println!(
        "chaos: {} operations, {} restarts, {} requests forwarded, {} dropped, {} answers lost, {} duplicated, {} delayed, {:.1} s",
        made,
        restarts,
        f.forwarded.load(Ordering::Relaxed),
        f.dropped.load(Ordering::Relaxed),
        f.answers_lost.load(Ordering::Relaxed),
        f.duplicated.load(Ordering::Relaxed),
        f.delayed.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64()
    );
    assert!(f.dropped.load(Ordering::Relaxed) > 0 && f.answers_lost.load(Ordering::Relaxed) > 0);
    assert!(f.duplicated.load(Ordering::Relaxed) > 0);
}
