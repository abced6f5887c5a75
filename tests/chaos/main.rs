//! The chaos run: 10,000 store operations from 3 devices, each with its own durable outbox in a real
//! SQLite file, sent through a fault-injecting HTTP proxy (dropped connections, lost answers,
//! delays, duplicated requests) to the real server binary, which is killed and restarted 3 times.
//! At the end: 0 lost, 0 duplicated, and every store's stock equals the sum of what was sent.
//!
//! Loopback only; bounded by the operation count (and a 5-minute guard). The devices' clocks are
//! driven by the test so that retries wait their back-off without the test waiting in real time.
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
use portal_api::*;
use portal_client::{api::ApiClient, cache::Cache, outbox, store_ops};
use portal_tests::server::*;
use rand::{rngs::StdRng, Rng, SeedableRng};
use tokio::sync::RwLock;
use uuid::Uuid;

const OPS: usize = 10_000;
const DEVICES: usize = 3;
const RESTARTS: usize = 3;
const DEMO_PASSWORD: &str = "Portal#2026";
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

/// One device: a cache file, an outbox, a session, a store, and what it expects the server to hold.
struct Device {
    cache: Cache,
    user: Uuid,
    store: Uuid,
    token: String,
    clock: i64,
    expected: BTreeMap<String, i64>,
    sales: u32,
    movements: u32,
}

impl Device {
    /// Makes one operation: a receipt, a sale, or an adjustment; recorded and queued locally.
    fn make(&mut self, rng: &mut StdRng, shift: Uuid) {
        let sku = format!("SKU-{}", rng.gen_range(0..20));
        let roll = rng.gen_range(0..10);
        let action = if roll < 3 {
            let quantity = rng.gen_range(1..10);
            *self.expected.entry(sku.clone()).or_default() += quantity;
            StoreAction::Receipt { lines: vec![SkuQuantity { sku, quantity }], source: "brand".into() }
        } else if roll < 9 {
            let quantity = rng.gen_range(1..3);
            *self.expected.entry(sku.clone()).or_default() -= quantity;
            self.sales += 1;
            let price = 100_00 * quantity;
            StoreAction::Sale {
                sale_id: Uuid::now_v7(),
                shift_id: shift,
                receipt_no: format!("D{}-{}", self.store.as_u128() % 1000, Uuid::now_v7()),
                customer_phone: None,
                customer_consent: false,
                lines: vec![SaleLine { sku, quantity, unit_price: 100_00, discount: 0, serial: None }],
                order_discount: 0,
                payments: vec![Payment { method: PaymentMethod::Cash, amount: price }],
                gifts: vec![],
            }
        } else {
            let quantity = if rng.gen_bool(0.5) { 1 } else { -1 };
            *self.expected.entry(sku.clone()).or_default() += quantity;
            StoreAction::Adjustment { sku, quantity, reason: "chaos".into() }
        };
        self.movements += 1;
        self.clock += 1;
        store_ops::record(&mut self.cache, self.user, self.store, action, 10, self.clock).unwrap();
    }

    /// One attempt to send what is due; failures schedule the retry by the outbox's back-off.
    async fn flush_once(&mut self, api: &ApiClient) -> bool {
        let due = outbox::due(&self.cache, self.user, self.clock, 200).unwrap();
        if due.is_empty() {
            return false;
        }
        let request = StoreOps { ops: store_ops::ops(&due).0 };
        let ids: Vec<Uuid> = request.ops.iter().map(|o| o.id).collect();
        match api.store_ops(&self.token, &request).await {
            Ok(result) => {
                assert_eq!(result.outcomes.len(), ids.len(), "an outcome per operation");
                for o in &result.outcomes {
                    assert_ne!(o.status, OpStatus::Rejected, "nothing in this run breaks a rule: {o:?}");
                }
                store_ops::acknowledge(&mut self.cache, self.user, &result.outcomes, self.clock).unwrap();
            }
            Err(e) => outbox::failed(&mut self.cache, &ids, &e.to_string(), self.clock).unwrap(),
        }
        true
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_operations_through_faults_and_restarts_none_lost_none_twice() {
    let started = Instant::now();
    let mut server = TestServer::start(&[]);
    let sign_in = |auth: serde_json::Value| {
        let user: Uuid = auth["profile"]["user_id"].as_str().expect("signed in").parse().unwrap();
        (access(&auth), user)
    };
    // The Shanghai promoter's tablet, and two admin devices at the other two stores.
    let accounts = [
        sign_in(server.sign_in_password("promoter", DEMO_PASSWORD).await),
        sign_in(server.sign_in_password("admin", DEMO_PASSWORD).await),
        sign_in(server.sign_in_password("admin", DEMO_PASSWORD).await),
    ];

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
    let api = ApiClient::new(proxy_url.parse().unwrap());

    let dir = tempfile::tempdir().unwrap();
    let mut devices: Vec<Device> = accounts
        .iter()
        .enumerate()
        .map(|(i, (token, user))| Device {
            cache: Cache::open(&dir.path().join(format!("device-{i}.sqlite"))).unwrap(),
            user: *user,
            store: STORES[i].parse().unwrap(),
            token: token.clone(),
            clock: 1_795_312_800,
            expected: BTreeMap::new(),
            sales: 0,
            movements: 0,
        })
        .collect();
    let mut rng = StdRng::seed_from_u64(7);
    let shifts: Vec<Uuid> = (0..DEVICES).map(|_| Uuid::now_v7()).collect();
    for (d, shift) in devices.iter_mut().zip(&shifts) {
        d.clock += 1;
        let open = StoreAction::OpenShift { shift_id: *shift, opening_cash: 0 };
        store_ops::record(&mut d.cache, d.user, d.store, open, 10, d.clock).unwrap();
    }

    // Make the operations in rounds, the devices sending while the server is killed and restarted.
    let per_device = OPS / DEVICES;
    let mut made = 0;
    let mut restarts = 0;
    let restart_every = OPS / (RESTARTS + 1);
    while made < per_device * DEVICES || devices.iter().any(|d| outbox::pending_count(&d.cache, d.user).unwrap() > 0) {
        assert!(started.elapsed() < Duration::from_secs(300), "the chaos run is bounded");
        if made < per_device * DEVICES {
            for (d, shift) in devices.iter_mut().zip(&shifts) {
                for _ in 0..50 {
                    d.make(&mut rng, *shift);
                }
            }
            made += 50 * DEVICES;
        }
        // Killed in the middle of a round of sends: some requests are in flight, some half-applied
        // transactions are rolled back by SQLite when the server comes back.
        let restart_now = restarts < RESTARTS && made >= restart_every * (restarts + 1);
        let sends = devices.iter_mut().map(|d| {
            // Time passes on the devices: retries come due by their back-off.
            d.clock += 7;
            let api = api.clone();
            async move { d.flush_once(&api).await }
        });
        let restart = async {
            if restart_now {
                tokio::time::sleep(Duration::from_millis(rng.gen_range(5..40))).await;
                tokio::task::block_in_place(|| server.restart());
                *proxy.upstream.write().await = server.base.clone();
                restarts += 1;
            }
        };
        tokio::join!(futures_util::future::join_all(sends), restart);
    }
    assert_eq!(restarts, RESTARTS);

    // 0 lost, 0 duplicated: the server's ledger is exactly what the devices made.
    let direct = ApiClient::new(server.base.parse().unwrap());
    for d in &devices {
        assert_eq!(outbox::pending_count(&d.cache, d.user).unwrap(), 0);
        let stock = direct.stock(&d.token, d.store).await.unwrap();
        let on_server: BTreeMap<String, i64> = stock.levels.iter().map(|l| (l.sku.clone(), l.on_hand)).collect();
        let expected: BTreeMap<String, i64> = d.expected.clone().into_iter().filter(|(_, q)| *q != 0).collect();
        let on_server_nonzero: BTreeMap<String, i64> = on_server.into_iter().filter(|(_, q)| *q != 0).collect();
        assert_eq!(on_server_nonzero, expected, "store {}: stock equals the sum of what was sent", d.store);
        assert_eq!(stock.movements, d.movements, "store {}: every movement once", d.store);
        assert!(stock.balances_agree, "store {}: running balances equal the ledger's sums", d.store);
        let report = direct.day_report(&d.token, d.store, "2026-11-22").await.unwrap();
        assert_eq!(report.sales, d.sales, "store {}: every sale once", d.store);
    }
    let f = &proxy.faults;
    println!(
        "chaos: {} operations, {} restarts, {} requests forwarded, {} dropped, {} answers lost, {} duplicated, {} delayed, {:.1} s",
        made + DEVICES,
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
