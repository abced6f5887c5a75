//! The client core (`PortalApp`) against the real server: silent refresh, rotation written back,
//! a session ended elsewhere, and offline starts. The OS keyring itself is exercised by the
//! end-to-end test; here secrets sit in a small in-memory store so each test is independent.
use portal_api::ErrorCode;
use portal_client::{
    session::REFRESH_TOKEN_ACCOUNT,
    vault::{MemorySecrets, SecretStore},
    PasswordSignInInput, PortalApp,
};
use portal_server::demo::DEMO_PASSWORD;
use portal_tests::server::*;

mod background;
mod orders;

pub(crate) type Secrets = MemorySecrets;

fn stored_refresh_token(secrets: &Secrets) -> Option<String> {
    secrets.get(REFRESH_TOKEN_ACCOUNT).unwrap()
}

pub(crate) fn open(dir: &std::path::Path, secrets: &Secrets, server: &str) -> PortalApp {
    PortalApp::open(&dir.join("cache.sqlite"), Box::new(secrets.clone()), "client test", server).unwrap()
}

pub(crate) async fn sign_in(app: &PortalApp, login: &str) {
    let state = app
        .sign_in_with_password(PasswordSignInInput { login: login.into(), password: DEMO_PASSWORD.into() })
        .await
        .unwrap();
    assert!(state.signed_in);
}

#[tokio::test]
async fn expired_access_token_is_refreshed_silently_and_rotation_is_kept() {
    // Two seconds, counted in whole seconds: a token issued late in a second still lives a second
    // more, so the renewed one is used well within its life (with one second, a renewal late in
    // a second could be expired before its retry reached the server: a flaky test under load).
    let server = TestServer::start(&[("PORTAL_ACCESS_TOKEN_TTL_SECS", "2")]);
    let dir = tempfile::tempdir().unwrap();
    let secrets = Secrets::default();
    let app = open(dir.path(), &secrets, &server.base);
    sign_in(&app, "promoter").await;
    let first = stored_refresh_token(&secrets).unwrap();
    let state = app.state().unwrap();
    assert_eq!(state.profile.unwrap().display_name, "促销员 李娜");
    assert!(matches!(state.home, Some(portal_client::RoleHome::Promoter(_))));

    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let state = app.refresh().await.expect("the expired access token is renewed without asking the user");
    assert!(state.signed_in && state.online);
    let second = stored_refresh_token(&secrets).unwrap();
    assert_ne!(first, second, "the rotated refresh token is written back to the keyring");
}

#[tokio::test]
async fn an_access_token_the_server_calls_expired_is_refreshed_and_the_request_retried() {
    // Two seconds, counted in whole seconds: a token issued late in a second still lives a second
    // more, so the renewed one is used well within its life (with one second, a renewal late in
    // a second could be expired before its retry reached the server: a flaky test under load).
    let server = TestServer::start(&[("PORTAL_ACCESS_TOKEN_TTL_SECS", "2")]);
    let dir = tempfile::tempdir().unwrap();
    let secrets = Secrets::default();
    let app = open(dir.path(), &secrets, &server.base);
    sign_in(&app, "promoter").await;
    let first = stored_refresh_token(&secrets).unwrap();
    // The tablet slept: it still believes in its token, which the server says has expired.
    app.believe_access_is_fresh().await;
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let state = app.refresh().await.expect("token_expired is answered by a refresh and a retry");
    assert!(state.signed_in && state.online);
    // The device believed its token good for an hour: only the server's token_expired answer
    // can have made it refresh.
    assert_ne!(stored_refresh_token(&secrets).unwrap(), first, "refreshed because the server said so");
}

#[tokio::test]
async fn a_session_revoked_elsewhere_signs_out_with_a_reason() {
    let server = TestServer::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let secrets = Secrets::default();
    let app = open(dir.path(), &secrets, &server.base);
    sign_in(&app, "consumer").await;
    // The same person, on another device, signs this one out.
    let other = server.sign_in_password("consumer", DEMO_PASSWORD).await;
    let (_, list) = server.get("/v1/me/sessions", &access(&other)).await;
    let this_device = list["sessions"].as_array().unwrap().iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = server
        .send(reqwest::Method::DELETE, &format!("/v1/me/sessions/{this_device}"), Some(&access(&other)), None)
        .await;
    assert_eq!(status, 204);

    let err = app.refresh().await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::SessionRevoked);
    let state = app.state().unwrap();
    assert!(!state.signed_in);
    assert!(state.profile.is_none(), "no profile is left on screen after the session ended");
    assert_eq!(state.signed_out_reason.unwrap().code, ErrorCode::SessionRevoked, "never a silent sign-out");
    assert!(stored_refresh_token(&secrets).is_none());
}

#[tokio::test]
async fn offline_start_keeps_the_user_signed_in_on_the_cached_profile() {
    let mut server = TestServer::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let secrets = Secrets::default();
    {
        let app = open(dir.path(), &secrets, &server.base);
        sign_in(&app, "operator").await;
    }
    server.stop();
    let app = open(dir.path(), &secrets, &server.base);
    let state = app.start().await.unwrap();
    assert!(state.signed_in);
    assert!(!state.online);
    assert_eq!(state.profile.unwrap().display_name, "市场运营 王芳");
    assert!(matches!(state.home, Some(portal_client::RoleHome::Operator(_))));
    let err = app.refresh().await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::ServerUnreachable);
    assert!(app.state().unwrap().signed_in, "an unreachable server never signs the user out");
}

#[tokio::test]
async fn a_new_account_never_sees_the_previous_accounts_data() {
    let server = TestServer::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let secrets = Secrets::default();
    let app = open(dir.path(), &secrets, &server.base);
    sign_in(&app, "admin").await;
    app.sign_out().await.unwrap();
    assert!(app.state().unwrap().home.is_none());
    sign_in(&app, "consumer").await;
    let state = app.state().unwrap();
    assert_eq!(state.profile.unwrap().role, portal_api::Role::Consumer);
    assert!(matches!(state.home, Some(portal_client::RoleHome::Consumer(_))));
}

#[tokio::test]
async fn bad_server_address_is_refused_and_unreachable_one_is_not_saved() {
    let server = TestServer::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let app = open(dir.path(), &Secrets::default(), &server.base);
    assert_eq!(app.set_server("not a url").await.unwrap_err().code(), ErrorCode::InvalidServerUrl);
    assert_eq!(app.set_server("http://127.0.0.1:9").await.unwrap_err().code(), ErrorCode::ServerUnreachable);
    let state = app.state().unwrap();
    assert_eq!(state.server_url, format!("{}/", server.base));
    assert!(state.online, "a candidate that cannot be reached says nothing of the server in use");
    // The sign-in screen's check: the server in use answers, then it does not.
    assert!(app.check_server().await.unwrap().online);
    let elsewhere = tempfile::tempdir().unwrap();
    let stopped = open(elsewhere.path(), &Secrets::default(), "http://127.0.0.1:9");
    assert!(!stopped.check_server().await.unwrap().online, "a server that does not answer is offline at once");
}

#[tokio::test]
async fn catalog_syncs_from_the_real_server_with_prices_by_role() {
    let server = TestServer::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let secrets = Secrets::default();
    let app = open(dir.path(), &secrets, &server.base);

    // Anonymous: the whole catalog, no distributor prices.
    let status = app.sync_catalog().await.unwrap();
    assert!(status.products > 1500 && status.synced_at.is_some(), "{status:?}");
    let tv = app.search(&portal_client::catalog::SearchQuery { text: "电视".into(), ..Default::default() }).unwrap();
    assert!(tv.total > 100, "Chinese search over the synced catalog: {}", tv.total);
    let model = tv.items[0].model.clone();
    assert!(app.product(&model).unwrap().unwrap().product.skus.iter().all(|s| s.distributor_price.is_none()));

    // A distributor's sync starts over for their prices.
    sign_in(&app, "distributor").await;
    app.sync_catalog().await.unwrap();
    assert!(app.product(&model).unwrap().unwrap().product.skus.iter().all(|s| s.distributor_price.is_some()));

    // After sign-out, the next person on this device does not see distributor prices.
    app.sign_out().await.unwrap();
    assert!(app.product(&model).unwrap().is_none(), "distributor prices are wiped at sign-out");
    assert_eq!(app.catalog_status().unwrap().products, 0);
}

#[tokio::test]
async fn a_cursor_from_another_catalog_resyncs_from_scratch() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Secrets::default();
    let first = TestServer::start(&[]);
    {
        let app = open(dir.path(), &secrets, &first.base);
        app.sync_catalog().await.unwrap();
    }
    // Another server (another catalog epoch) at a new address: the saved cursor is unknown there.
    let second = TestServer::start(&[]);
    let cache = dir.path().join("cache.sqlite");
    let conn = rusqlite::Connection::open(&cache).unwrap();
    conn.execute("UPDATE settings SET value = ?1 WHERE key = 'server_url'", [&second.base]).unwrap();
    drop(conn);
    let app = PortalApp::open(&cache, Box::new(secrets.clone()), "client test", &second.base).unwrap();
    let before = app.catalog_status().unwrap().products;
    let status = app.sync_catalog().await.unwrap();
    assert_eq!(status.products, before, "the same generated catalog, replaced whole rather than doubled");
    let all = app.search(&portal_client::catalog::SearchQuery::default()).unwrap();
    assert_eq!(all.total, status.products);
    // The saved cursor now belongs to the second catalog.
    let (_, page) = second.send(reqwest::Method::GET, "/v1/catalog/sync?limit=1", None, None).await;
    let epoch = page["cursor"].as_str().unwrap().split('.').nth(1).unwrap().to_owned();
    let saved: String = rusqlite::Connection::open(&cache)
        .unwrap()
        .query_row("SELECT cursor FROM catalog_state", [], |r| r.get(0))
        .unwrap();
    assert!(saved.starts_with(&format!("c1.{epoch}.")), "{saved} vs epoch {epoch}");
}

#[tokio::test]
async fn favourites_made_offline_wait_in_the_outbox_and_reach_the_account() {
    let dir = tempfile::tempdir().unwrap();
    let server_dir = tempfile::tempdir().unwrap();
    let server_path = server_dir.path().to_owned();
    let mut server = TestServer::start_in(server_dir, &[], true);
    let secrets = Secrets::default();
    let base = server.base.clone();
    let app = open(dir.path(), &secrets, &base);
    sign_in(&app, "consumer").await;
    app.sync_catalog().await.unwrap();
    let pre_sale = app
        .search(&portal_client::catalog::SearchQuery {
            lifecycles: vec![portal_api::Lifecycle::PreSale],
            ..Default::default()
        })
        .unwrap()
        .items[0]
        .model
        .clone();

    // Offline: the change is shown at once and kept.
    server.stop();
    let list = app.set_favourite(&pre_sale, portal_api::FavouriteKind::Follow, true).await.unwrap();
    assert_eq!(list.len(), 1);
    assert!(list[0].pending);
    assert_eq!(list[0].product.as_ref().unwrap().model, pre_sale);
    assert_eq!(app.flush_outbox().await.unwrap_err().code(), ErrorCode::ServerUnreachable);
    assert!(app.favourites().unwrap()[0].pending, "never dropped before the ack");

    // Back online (same address and data): the retry delivers it once.
    let port = base.rsplit(':').next().unwrap().to_owned();
    let server_dir = std::mem::replace(&mut server.dir, tempfile::tempdir().unwrap());
    drop(server);
    assert!(server_path.exists());
    let server = TestServer::start_in(server_dir, &[("PORTAL_LISTEN", &format!("127.0.0.1:{port}"))], false);
    // The failed attempt scheduled a retry a few seconds out; wait for it like the app's timer does.
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    assert_eq!(app.flush_outbox().await.unwrap(), 0);
    assert!(!app.favourites().unwrap()[0].pending);
    let other_device = server.sign_in_password("consumer", DEMO_PASSWORD).await;
    let (_, on_server) = server.get("/v1/me/favourites", &access(&other_device)).await;
    assert_eq!(on_server["favourites"].as_array().unwrap().len(), 1, "{on_server}");
    assert_eq!(on_server["favourites"][0]["kind"], "follow");
}

#[tokio::test]
async fn a_sale_made_offline_reaches_the_store_ledger_once_and_a_bad_one_never_leaves_the_counter() {
    use portal_api::*;
    let dir = tempfile::tempdir().unwrap();
    let server_dir = tempfile::tempdir().unwrap();
    let mut server = TestServer::start_in(server_dir, &[], true);
    let secrets = Secrets::default();
    let base = server.base.clone();
    let app = open(dir.path(), &secrets, &base);
    sign_in(&app, "promoter").await;
    let store: uuid::Uuid = portal_server::demo::STORE_SHANGHAI;
    let shift = uuid::Uuid::now_v7();
    let sale = |discount: i64| StoreAction::Sale {
        sale_id: uuid::Uuid::now_v7(),
        shift_id: shift,
        receipt_no: format!("T-{}", uuid::Uuid::now_v7()),
        customer_phone: Some("13900000005".into()),
        customer_consent: false,
        lines: vec![SaleLine {
            sku: "TV-1".into(),
            quantity: 1,
            unit_price: 1000_00,
            discount,
            serial: Some("SN-77".into()),
        }],
        order_discount: 0,
        payments: vec![Payment { method: PaymentMethod::Cash, amount: 1000_00 }],
        gifts: vec![],
        offer: None,
        coupon: None,
    };

    // The server is down for the whole checkout.
    server.stop();
    app.record_store_op(store, StoreAction::OpenShift { shift_id: shift, opening_cash: 100_00 }).await.unwrap();
    app.record_store_op(store, sale(0)).await.unwrap();
    let refused = app.record_store_op(store, sale(500_00)).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::DiscountAboveLimit, "refused at the counter, offline");
    assert_eq!(app.pending_ops().unwrap(), 2, "the refused sale was never queued");
    let receipts = app.receipts().unwrap();
    assert_eq!(receipts.len(), 1, "the receipt is there offline, for the screen and reprints");
    assert!(receipts[0].pending);
    assert_eq!((receipts[0].total, receipts[0].change), (1000_00, 0));

    // Back online on the same address and data: the retry delivers both once.
    let port = base.rsplit(':').next().unwrap().to_owned();
    let server_dir = std::mem::replace(&mut server.dir, tempfile::tempdir().unwrap());
    drop(server);
    let server = TestServer::start_in(server_dir, &[("PORTAL_LISTEN", &format!("127.0.0.1:{port}"))], false);
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    assert_eq!(app.flush_outbox().await.unwrap(), 0);
    assert_eq!(app.flush_outbox().await.unwrap(), 0, "nothing sent twice");
    assert!(!app.receipts().unwrap()[0].pending, "acknowledged");
    let day = portal_server::common::local_day(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64,
    );
    let report = app.day_report(store, &day).await.unwrap();
    assert_eq!(report.sales, 1);
    let stock = app.stock(store).await.unwrap();
    let tv = stock.lines.iter().find(|l| l.sku == "TV-1").map(|l| (l.on_hand, l.unsent));
    assert_eq!(tv, Some((-1, 0)), "the server's ledger, nothing left unsent");
    assert!(stock.fetched_at.is_some() && stock.unsent_ops == 0);
    let consumer = server.sign_in_password("consumer", DEMO_PASSWORD).await;
    let (_, purchases) = server.get("/v1/me/purchases", &access(&consumer)).await;
    assert_eq!(purchases["purchases"].as_array().unwrap().len(), 1, "{purchases}");
}

/// Child mode of the next test: records sales into the cache at `KILLED_CHECKOUT_CACHE` as fast as
/// it can until it is killed.
#[test]
fn killed_checkout_child() {
    use portal_api::{Payment, PaymentMethod, SaleLine, StoreAction};
    use portal_client::{cache::Cache, store_ops};
    let Ok(path) = std::env::var("KILLED_CHECKOUT_CACHE") else { return };
    let mut cache = Cache::open(std::path::Path::new(&path)).unwrap();
    let (user, store): (uuid::Uuid, uuid::Uuid) = (KILL_USER.parse().unwrap(), KILL_STORE.parse().unwrap());
    let shift = match store_ops::open_shift(&mut cache, user, store).unwrap() {
        Some(open) => open.shift_id,
        None => {
            let id = uuid::Uuid::now_v7();
            store_ops::record(&mut cache, user, store, StoreAction::OpenShift { shift_id: id, opening_cash: 0 }, 10, 1)
                .unwrap();
            id
        }
    };
    for n in 0.. {
        let sale = StoreAction::Sale {
            sale_id: uuid::Uuid::now_v7(),
            shift_id: shift,
            receipt_no: format!("K-{}-{n}", std::process::id()),
            customer_phone: None,
            customer_consent: false,
            lines: vec![SaleLine { sku: "TV-1".into(), quantity: 1, unit_price: 100_00, discount: 0, serial: None }],
            order_discount: 0,
            payments: vec![Payment { method: PaymentMethod::Cash, amount: 100_00 }],
            gifts: vec![],
            offer: None,
            coupon: None,
        };
        store_ops::record(&mut cache, user, store, sale, 10, 2).unwrap();
    }
}

const KILL_USER: &str = "01900000-0000-7000-8000-00000000a001";
const KILL_STORE: &str = "01900000-0000-7000-8000-000000000101";

/// The app killed in the middle of checkouts (SIGKILL, at random moments, many times): every sale
/// on the device is whole, its receipt and its outbox row together, or absent.
#[test]
fn a_checkout_killed_midway_leaves_the_sale_whole_or_absent() {
    use portal_client::{cache::Cache, outbox, store_ops};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pos.sqlite");
    let exe = std::env::current_exe().unwrap();
    for round in 0..12u64 {
        let mut child = std::process::Command::new(&exe)
            .args(["--exact", "killed_checkout_child", "--nocapture", "--test-threads=1"])
            .env("KILLED_CHECKOUT_CACHE", &path)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Let it open the cache and sell for a while: 150–700 ms, varied per round.
        std::thread::sleep(std::time::Duration::from_millis(150 + (round * 337) % 550));
        child.kill().unwrap(); // SIGKILL: no destructor, no rollback in the process
        child.wait().unwrap();
    }
    let cache = Cache::open(&path).unwrap();
    let user = KILL_USER.parse().unwrap();
    let receipts = store_ops::receipts(&cache, user, u32::MAX).unwrap();
    let queued = store_ops::all_ops(&outbox::due(&cache, user, i64::MAX, u32::MAX).unwrap());
    let queued_sales: std::collections::BTreeSet<uuid::Uuid> = queued
        .iter()
        .filter_map(|op| match &op.action {
            portal_api::StoreAction::Sale { sale_id, .. } => Some(*sale_id),
            _ => None,
        })
        .collect();
    assert!(receipts.len() > 12, "the children sold something before each kill ({})", receipts.len());
    let receipted: std::collections::BTreeSet<uuid::Uuid> = receipts.iter().map(|r| r.sale_id).collect();
    assert_eq!(receipted, queued_sales, "every receipt has its queued operation and every queued sale its receipt");
    assert!(receipts.iter().all(|r| r.pending));
}

#[tokio::test]
async fn an_unreadable_operation_is_set_aside_and_the_queue_moves_on() {
    use portal_api::*;
    let server = TestServer::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let secrets = Secrets::default();
    let app = open(dir.path(), &secrets, &server.base);
    sign_in(&app, "promoter").await;
    let store: uuid::Uuid = portal_server::demo::STORE_SHANGHAI;
    let receipt = |quantity: i64| StoreAction::Receipt {
        lines: vec![SkuQuantity { sku: "POISON-TEST".into(), quantity }],
        source: "brand".into(),
    };
    // A good operation, a row this version cannot read, another good one.
    let user = app.state().unwrap().profile.unwrap().user_id;
    let db = rusqlite::Connection::open(dir.path().join("cache.sqlite")).unwrap();
    db.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
    let poison_id = uuid::Uuid::now_v7();
    let poison = |db: &rusqlite::Connection| {
        db.execute(
            "INSERT INTO outbox (op_id, user_id, kind, payload, created_at) VALUES (?1, ?2, 'store_op', '{not json', 0)",
            rusqlite::params![poison_id.to_string(), user.to_string()],
        )
        .unwrap();
    };
    // The manager starts reading the store's notices before any of this.
    let manager = access(&server.sign_in_password("manager", DEMO_PASSWORD).await);
    let (_, start) = server.get(&format!("/v1/stores/{store}/flags"), &manager).await;
    let cursor = start["cursor"].as_i64().unwrap();
    app.record_store_op(store, receipt(2)).await.unwrap();
    poison(&db);
    app.record_store_op(store, receipt(3)).await.unwrap();

    // The queue drains: the poison is set aside with a notice, the others land once.
    let left = tokio::time::timeout(std::time::Duration::from_secs(20), app.send_now()).await.expect("a flush ends");
    assert_eq!(left.unwrap(), 0);
    let dead: i64 = db.query_row("SELECT COUNT(*) FROM outbox_dead", [], |r| r.get(0)).unwrap();
    assert_eq!(dead, 1, "set aside, not dropped");
    let notices = app.store_notices().unwrap();
    assert!(notices.iter().any(|n| n.outcome.status == OpStatus::Rejected), "{notices:?}");
    let admin = access(&server.sign_in_password("admin", DEMO_PASSWORD).await);
    let (_, stock) = server.get(&format!("/v1/stores/{store}/stock"), &admin).await;
    let stock: StockReport = parse(&stock);
    assert_eq!(stock.levels.iter().find(|l| l.sku == "POISON-TEST").map(|l| l.on_hand), Some(5));

    // The store's manager hears of it too: the device reported it, once.
    let (_, flags) = server.get(&format!("/v1/stores/{store}/flags?after={cursor}"), &manager).await;
    let flags: StoreFlagList = parse(&flags);
    let heard: Vec<_> = flags.events.iter().filter(|e| e.op_id == poison_id).collect();
    assert_eq!(heard.len(), 1, "{flags:?}");
    assert_eq!(heard[0].flags, vec![OpFlag::SetAsideOnDevice]);
    assert_eq!(heard[0].by, "促销员 李娜");
    assert_eq!(heard[0].error.as_ref().map(|e| e.code), Some(ErrorCode::InvalidStoreOp));
    let unreported: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM outbox_dead WHERE op_id NOT IN (SELECT op_id FROM outbox_dead_reported)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(unreported, 0, "reported, so not sent again");
    app.send_now().await.unwrap();
    let (_, again) = server.get(&format!("/v1/stores/{store}/flags?after={}", flags.cursor), &manager).await;
    assert_eq!(parse::<StoreFlagList>(&again).events, vec![]);
}

#[tokio::test]
async fn a_sign_out_made_offline_ends_the_session_on_the_server_when_the_network_returns() {
    let server_dir = tempfile::tempdir().unwrap();
    let mut server = TestServer::start_in(server_dir, &[], true);
    let dir = tempfile::tempdir().unwrap();
    let secrets = Secrets::default();
    let app = open(dir.path(), &secrets, &server.base);
    sign_in(&app, "promoter").await;
    let token = stored_refresh_token(&secrets).unwrap();
    server.stop();
    let state = app.sign_out().await.unwrap();
    assert!(!state.signed_in, "signed out on the device at once");
    assert_eq!(stored_refresh_token(&secrets), None);
    assert!(secrets.get(portal_client::session::PENDING_REVOCATIONS_ACCOUNT).unwrap().is_some());

    // The network returns (the server on a new port): the session ends there too.
    server.restart();
    let app = open(dir.path(), &secrets, &server.base);
    app.send_pending_revocations().await;
    assert_eq!(secrets.get(portal_client::session::PENDING_REVOCATIONS_ACCOUNT).unwrap(), None);
    let (status, body) = server.post("/v1/auth/refresh", serde_json::json!({ "refresh_token": token })).await;
    assert_eq!((status, error_of(&body).code), (401, ErrorCode::SessionRevoked), "{body}");
}

#[tokio::test]
async fn a_transfer_received_offline_is_in_stock_at_once_and_not_offered_again() {
    use portal_api::*;
    let server_dir = tempfile::tempdir().unwrap();
    let mut server = TestServer::start_in(server_dir, &[], true);
    let dir = tempfile::tempdir().unwrap();
    let secrets = Secrets::default();
    let app = open(dir.path(), &secrets, &server.base);
    sign_in(&app, "promoter").await;
    let shanghai: uuid::Uuid = portal_server::demo::STORE_SHANGHAI;
    let beijing = "01900000-0000-7000-8000-000000000102";
    // Beijing sends three units to Shanghai.
    let admin = access(&server.sign_in_password("admin", DEMO_PASSWORD).await);
    let transfer_id = uuid::Uuid::now_v7();
    let send = serde_json::json!({ "ops": [{ "id": uuid::Uuid::now_v7(), "store_id": beijing, "device_at": 1_795_312_800,
        "action": { "type": "transfer_out", "transfer_id": transfer_id, "to_store": shanghai,
                    "lines": [{ "sku": "XFER-TEST", "quantity": 3 }] } }] });
    let (status, body) = server.send(reqwest::Method::POST, "/v1/store-ops", Some(&admin), Some(&send)).await;
    assert_eq!(status, 200, "{body}");
    let seen = app.transfers(shanghai).await.unwrap();
    assert!(seen.data.incoming.iter().any(|t| t.transfer_id == transfer_id));
    app.stock(shanghai).await.unwrap();

    // Offline, the promoter receives it.
    server.stop();
    app.record_store_op(shanghai, StoreAction::TransferIn { transfer_id }).await.unwrap();
    let stock = app.stock(shanghai).await.unwrap();
    let line = stock.lines.iter().find(|l| l.sku == "XFER-TEST").expect("the goods are in stock at once");
    assert_eq!((line.on_hand, line.unsent), (3, 3));
    let offered = app.transfers(shanghai).await.unwrap();
    assert!(offered.data.incoming.iter().all(|t| t.transfer_id != transfer_id), "not offered for receiving again");
}

/// A server that answers every request with 503 and counts the event batches it was sent, as a
/// failing load balancer would.
async fn failing_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::{atomic::AtomicUsize, Arc};
    let batches = Arc::new(AtomicUsize::new(0));
    let seen = batches.clone();
    let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
        let seen = seen.clone();
        async move {
            if uri.path() == "/v1/events" {
                seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            (axum::http::StatusCode::SERVICE_UNAVAILABLE, "")
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}"), batches)
}

#[tokio::test]
async fn events_wait_through_an_hour_of_server_errors_and_none_is_lost() {
    use portal_client::events::EventInput;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Secrets::default();
    let (failing, batches) = failing_server().await;
    let app = open(dir.path(), &secrets, &failing);
    for i in 0..30 {
        let search = EventInput { query: Some(format!("电视 {i}")), ..EventInput::of(portal_api::EventKind::Search) };
        app.track(search).unwrap();
    }
    // Sixty tries (an hour of a try a minute), each answered 503: the events wait, every one.
    let cache = rusqlite::Connection::open(dir.path().join("cache.sqlite")).unwrap();
    for _ in 0..60 {
        assert!(app.flush_events().await.is_err(), "a 503 is not a success");
        assert_eq!(app.tracking_state().unwrap().waiting, 30, "nothing dropped for the server's fault");
        cache.execute("UPDATE event_queue SET next_try = 0", []).unwrap();
    }
    assert!(batches.load(std::sync::atomic::Ordering::SeqCst) >= 60, "each try reached the server");
    drop(app);
    // The real server is back: every event arrives.
    let server = TestServer::start(&[]);
    let app = open(dir.path(), &secrets, &server.base);
    assert_eq!(app.flush_events().await.unwrap(), 30);
    assert_eq!(app.tracking_state().unwrap().waiting, 0);
}

#[tokio::test]
async fn this_installation_registers_for_push_at_sign_in_and_is_forgotten_at_sign_out() {
    let server = TestServer::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let secrets = Secrets::default();
    let app = open(dir.path(), &secrets, &server.base);
    app.set_locale("en").unwrap();
    sign_in(&app, "consumer").await;
    let mine = app.my_devices().await.unwrap();
    assert_eq!(mine.devices.len(), 1, "{mine:?}");
    let me = &mine.devices[0];
    assert!(me.this_session);
    assert_eq!((me.push, me.language.as_str()), (portal_api::PushService::None, "en"));
    assert_eq!(me.platform, portal_client::app::devices::platform());
    // A token from a push service that does not reach this platform is refused by the server;
    // the installation stays registered as it was.
    app.set_push_token(portal_api::PushService::Apns, "a1a1").await.unwrap();
    let now = app.my_devices().await.unwrap();
    assert_eq!((now.devices.len(), now.devices[0].push), (1, portal_api::PushService::None));
    // Another device of the same person sees it; after the sign-out here it is gone.
    let other = access(&server.sign_in_password("consumer", DEMO_PASSWORD).await);
    let listed: portal_api::DeviceList = parse(&server.get("/v1/me/devices", &other).await.1);
    assert_eq!(listed.devices.len(), 1);
    assert!(!listed.devices[0].this_session);
    app.sign_out().await.unwrap();
    let listed: portal_api::DeviceList = parse(&server.get("/v1/me/devices", &other).await.1);
    assert!(listed.devices.is_empty(), "signed out there: not pushed to");
}
