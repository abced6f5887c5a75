//! The promises a review found broken, each with the race or the failure that broke it: limits
//! under real parallel requests, sessions across a lost answer, the server pricing and bounding
//! store operations, idempotency bound to account and body, and one operation never blocking
//! a device's queue.
use futures_util::future::join_all;
use portal_api::*;
use portal_tests::{lossy_proxy::LossyProxy, server::*};
use serde_json::{json, Value};
use uuid::Uuid;

const DEMO_PASSWORD: &str = "Portal#2026";
const SHANGHAI: &str = "01900000-0000-7000-8000-000000000101";
const BEIJING: &str = "01900000-0000-7000-8000-000000000102";

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

async fn password_attempt(server: &TestServer, login: &str, password: &str) -> (u16, Value) {
    server.post("/v1/auth/sign-in/password", json!({"login": login, "password": password, "device_name": "t"})).await
}

fn codes_of(results: &[(u16, Value)]) -> Vec<ErrorCode> {
    results.iter().filter(|(s, _)| *s != 200).map(|(_, b)| error_of(b).code).collect()
}

#[tokio::test]
async fn parallel_wrong_passwords_never_skip_or_clear_the_lock() {
    let server = TestServer::start(&[]);
    server.sign_up("13800138101", Some("Right#2026")).await;
    let guesses = join_all((0..24).map(|i| {
        let server = &server;
        async move { password_attempt(server, "13800138101", &format!("Wrong#{i}")).await }
    }))
    .await;
    let codes = codes_of(&guesses);
    let evaluated = codes.iter().filter(|c| **c == ErrorCode::InvalidCredentials).count();
    assert!(evaluated <= 5, "at most 5 passwords are evaluated before the lock, not {evaluated}: {codes:?}");
    assert_eq!(codes.len(), 24);
    assert!(codes.iter().all(|c| matches!(c, ErrorCode::InvalidCredentials | ErrorCode::AccountLocked)));
    // The lock holds, for the right password too and whichever login names the account.
    let (status, body) = password_attempt(&server, "+86 138 0013 8101", "Right#2026").await;
    assert_eq!((status, error_of(&body).code), (429, ErrorCode::AccountLocked), "{body}");
}

#[tokio::test]
async fn one_address_cannot_spray_passwords_across_accounts() {
    let server = TestServer::start(&[("PORTAL_PASSWORD_MAX_FAILURES_PER_ADDRESS", "8")]);
    let guesses = join_all((0..24).map(|i| {
        let server = &server;
        async move { password_attempt(server, &format!("nobody{i}"), "Wrong#2026").await }
    }))
    .await;
    let codes = codes_of(&guesses);
    let evaluated = codes.iter().filter(|c| **c == ErrorCode::InvalidCredentials).count();
    assert!(evaluated <= 8, "the address is limited to 8 failures, {evaluated} were evaluated");
    assert!(codes.contains(&ErrorCode::AccountLocked));
    // The address stays locked out, even for a real account.
    let (status, _) = password_attempt(&server, "admin", DEMO_PASSWORD).await;
    assert_eq!(status, 429);
}

#[tokio::test]
async fn a_right_password_gives_a_shared_address_its_attempt_back() {
    let server = TestServer::start(&[("PORTAL_PASSWORD_MAX_FAILURES_PER_ADDRESS", "3")]);
    // Many honest sign-ins from one shop's network never lock it.
    for _ in 0..6 {
        server.sign_in_password("promoter", DEMO_PASSWORD).await;
    }
}

#[tokio::test]
async fn parallel_code_requests_for_one_number_send_one_message() {
    let server = TestServer::start(&[]);
    let sends = join_all((0..25).map(|_| {
        let server = &server;
        async move {
            server
                .post("/v1/auth/codes", json!({"channel": "sms", "target": "13800138102", "purpose": "sign_up"}))
                .await
        }
    }))
    .await;
    let sent = sends.iter().filter(|(s, _)| *s == 200).count();
    assert_eq!(sent, 1, "{:?}", codes_of(&sends));
    assert!(codes_of(&sends).iter().all(|c| *c == ErrorCode::RateLimited));
    let outbox: Vec<Value> =
        reqwest::get(server.url("/v1/dev/outbox?to=%2B8613800138102")).await.unwrap().json().await.unwrap();
    assert_eq!(outbox.len(), 1, "one message went out");
}

#[tokio::test]
async fn the_hourly_message_budget_holds_under_parallel_requests() {
    let server = TestServer::start(&[("PORTAL_CODE_MAX_PER_HOUR", "3"), ("PORTAL_CODE_MAX_PER_IP_PER_HOUR", "1000")]);
    let sends = join_all((0..20).map(|i| {
        let server = &server;
        async move {
            let phone = format!("138001382{i:02}");
            server.post("/v1/auth/codes", json!({"channel": "sms", "target": phone, "purpose": "sign_up"})).await
        }
    }))
    .await;
    assert_eq!(sends.iter().filter(|(s, _)| *s == 200).count(), 3, "{:?}", codes_of(&sends));
}

async fn send_code_from(server: &TestServer, phone: &str, forwarded_for: &str) -> u16 {
    reqwest::Client::new()
        .post(server.url("/v1/auth/codes"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"channel": "sms", "target": phone, "purpose": "sign_up"}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn forwarded_for_counts_only_from_a_trusted_proxy() {
    // Untrusted: a forged header does not escape the per-address limit.
    let server = TestServer::start(&[("PORTAL_CODE_MAX_PER_IP_PER_HOUR", "2")]);
    let statuses = [
        send_code_from(&server, "13800138301", "1.1.1.1").await,
        send_code_from(&server, "13800138302", "2.2.2.2").await,
        send_code_from(&server, "13800138303", "3.3.3.3").await,
    ];
    assert_eq!(statuses, [200, 200, 429]);
    // Behind a trusted proxy (here the loopback peer), each forwarded client counts alone.
    let server =
        TestServer::start(&[("PORTAL_CODE_MAX_PER_IP_PER_HOUR", "2"), ("PORTAL_TRUSTED_PROXIES", "127.0.0.1")]);
    let statuses = [
        send_code_from(&server, "13800138301", "1.1.1.1").await,
        send_code_from(&server, "13800138302", "1.1.1.1").await,
        send_code_from(&server, "13800138303", "2.2.2.2").await,
        send_code_from(&server, "13800138304", "1.1.1.1").await,
    ];
    assert_eq!(statuses, [200, 200, 200, 429]);
}

#[tokio::test]
async fn a_refresh_whose_answer_was_lost_does_not_sign_the_device_out() {
    let server = TestServer::start(&[("PORTAL_REFRESH_GRACE_SECS", "1")]);
    let auth = server.sign_in_password("promoter", DEMO_PASSWORD).await;
    let original = refresh_token(&auth);
    let proxy = LossyProxy::start(server.base.trim_start_matches("http://").to_owned()).await;
    let lost = reqwest::Client::new()
        .post(proxy.url("/v1/auth/refresh"))
        .json(&json!({ "refresh_token": original }))
        .send()
        .await;
    assert!(lost.is_err(), "the proxy loses the answer");
    // The device stays offline well past the grace window, then tries again with what it has.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let (status, tokens) = server.post("/v1/auth/refresh", json!({ "refresh_token": original })).await;
    assert_eq!(status, 200, "a lost answer is forgiven: {tokens}");
    let (status, _) = server.get("/v1/me", tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    // Now that the successor was used, the old token is reuse and ends the session.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let (status, body) = server.post("/v1/auth/refresh", json!({ "refresh_token": original })).await;
    assert_eq!((status, error_of(&body).code), (401, ErrorCode::RefreshTokenReused), "{body}");
    let (status, _) = server.post("/v1/auth/refresh", json!({ "refresh_token": tokens["refresh_token"] })).await;
    assert_eq!(status, 401, "the session is revoked");
}

#[tokio::test]
async fn changing_the_password_signs_out_other_devices_and_guesses_count() {
    let server = TestServer::start(&[]);
    server.sign_up("13800138103", Some("First#2026")).await;
    let here = server.sign_in_password("13800138103", "First#2026").await;
    let there = server.sign_in_password("13800138103", "First#2026").await;
    let change = |current: &str, new: &str| json!({ "current_password": current, "new_password": new });
    let (status, body) = server
        .send(reqwest::Method::PUT, "/v1/me/password", Some(&access(&here)), Some(&change("First#2026", "Second#2026")))
        .await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = server.get("/v1/me", &access(&there)).await;
    assert_eq!((status, error_of(&body).code), (401, ErrorCode::SessionRevoked));
    let (status, _) = server.get("/v1/me", &access(&here)).await;
    assert_eq!(status, 200, "the device that changed it stays signed in");

    // Guessing the current password, in parallel, locks like guessing at sign-in.
    let guesses = join_all((0..20).map(|i| {
        let (server, here) = (&server, &here);
        async move {
            server
                .send(
                    reqwest::Method::PUT,
                    "/v1/me/password",
                    Some(&access(here)),
                    Some(&change(&format!("Guess#{i}"), "Third#2026")),
                )
                .await
        }
    }))
    .await;
    let codes = codes_of(&guesses);
    assert!(codes.iter().filter(|c| **c == ErrorCode::InvalidCredentials).count() <= 5, "{codes:?}");
    assert!(codes.contains(&ErrorCode::AccountLocked));
    let (status, _) = password_attempt(&server, "13800138103", "Second#2026").await;
    assert_eq!(status, 429, "the account's password sign-in is locked too");
}

// ----- store operations -----

/// A SKU of the demo catalog in a category starting with `category`, without a promotion, and
/// its list price.
async fn catalog_sku(server: &TestServer, admin: &str, category: &str) -> (String, i64) {
    let (status, doc) = server.get("/v1/admin/catalog/export?format=json", admin).await;
    assert_eq!(status, 200);
    let doc: CatalogDocument = parse(&doc);
    doc.products
        .iter()
        .filter(|p| p.category.starts_with(category))
        .flat_map(|p| p.skus.iter())
        .find(|s| s.promotion.is_none())
        .map(|s| (s.code.clone(), s.list_price))
        .expect("the demo catalog has one")
}

fn op(store: &str, action: Value) -> Value {
    json!({ "id": Uuid::now_v7(), "store_id": store, "device_at": now(), "action": action })
}

async fn send(server: &TestServer, token: &str, ops: &[Value]) -> Vec<OpOutcome> {
    let (status, body) =
        server.send(reqwest::Method::POST, "/v1/store-ops", Some(token), Some(&json!({ "ops": ops }))).await;
    assert_eq!(status, 200, "{body}");
    parse::<StoreOpsResult>(&body).outcomes
}

fn sale(shift: Uuid, lines: Value, paid: i64) -> Value {
    json!({ "type": "sale", "sale_id": Uuid::now_v7(), "shift_id": shift, "receipt_no": format!("R-{}", Uuid::now_v7()),
            "lines": lines, "payments": [{ "method": "cash", "amount": paid }] })
}

#[tokio::test]
async fn the_server_prices_sales_and_flags_what_the_device_got_wrong() {
    let server = TestServer::start(&[]);
    let admin = access(&server.sign_in_password("admin", DEMO_PASSWORD).await);
    let promoter = access(&server.sign_in_password("promoter", DEMO_PASSWORD).await);
    let (tv, tv_price) = catalog_sku(&server, &admin, "tv").await;
    let shift = Uuid::now_v7();
    let open = op(SHANGHAI, json!({ "type": "open_shift", "shift_id": shift, "opening_cash": 0 }));
    // A TV posted at 1 fen, and one without its serial, and one within the limit.
    let one_fen =
        sale(shift, json!([{ "sku": tv, "quantity": 1, "unit_price": 1, "discount": 0, "serial": "SN-P1" }]), 1);
    let no_serial = sale(shift, json!([{ "sku": tv, "quantity": 1, "unit_price": tv_price, "discount": 0 }]), tv_price);
    let fair_discount = tv_price / 20;
    let fair = sale(
        shift,
        json!([{ "sku": tv, "quantity": 1, "unit_price": tv_price, "discount": fair_discount, "serial": "SN-P2" }]),
        tv_price - fair_discount,
    );
    // A discount beyond the limit (lowered while the tablet was offline, say): a fact, flagged.
    let greedy = sale(
        shift,
        json!([{ "sku": tv, "quantity": 1, "unit_price": tv_price, "discount": tv_price / 2, "serial": "SN-P3" }]),
        tv_price - tv_price / 2,
    );
    let o = send(
        &server,
        &promoter,
        &[open, op(SHANGHAI, one_fen), op(SHANGHAI, no_serial), op(SHANGHAI, fair), op(SHANGHAI, greedy)],
    )
    .await;
    assert!(o.iter().all(|o| o.status == OpStatus::Applied), "{o:?}");
    assert!(
        o[1].flags.iter().any(|f| matches!(f, OpFlag::PriceBelowLimit { line: Some(0), expected, charged: 1, .. } if *expected == tv_price)),
        "{:?}",
        o[1].flags
    );
    assert!(o[2].flags.contains(&OpFlag::SerialMissing { line: 0, sku: tv.clone() }), "{:?}", o[2].flags);
    assert!(
        !o[3].flags.iter().any(|f| matches!(f, OpFlag::PriceBelowLimit { .. } | OpFlag::SerialMissing { .. })),
        "{:?}",
        o[3].flags
    );
    assert!(o[4].flags.iter().any(|f| matches!(f, OpFlag::PriceBelowLimit { .. })), "{:?}", o[4].flags);
    // The flags reach the store manager's feed.
    let manager = access(&server.sign_in_password("manager", DEMO_PASSWORD).await);
    let (_, start) = server.get(&format!("/v1/stores/{SHANGHAI}/flags"), &manager).await;
    assert_eq!(start["events"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn quantities_and_money_are_bounded_and_a_huge_adjustment_breaks_nothing() {
    let server = TestServer::start(&[]);
    let promoter = access(&server.sign_in_password("promoter", DEMO_PASSWORD).await);
    let huge = op(SHANGHAI, json!({ "type": "adjustment", "sku": "CABLE", "quantity": i64::MAX, "reason": "found" }));
    let receipt =
        op(SHANGHAI, json!({ "type": "receipt", "source": "brand", "lines": [{ "sku": "CABLE", "quantity": 1 }] }));
    let o = send(&server, &promoter, &[huge, receipt]).await;
    assert_eq!(o[0].status, OpStatus::Rejected);
    let error = o[0].error.clone().unwrap();
    assert_eq!(error.field.as_deref(), Some("ops[0].action.quantity"), "{error:?}");
    assert_eq!(o[1].status, OpStatus::Applied, "the operation behind it lands");
    let (status, body) = server.get(&format!("/v1/stores/{SHANGHAI}/stock"), &promoter).await;
    assert_eq!(status, 200, "{body}");
    let day = chrono_day();
    let (status, body) = server.get(&format!("/v1/stores/{SHANGHAI}/report?day={day}"), &promoter).await;
    assert_eq!(status, 200, "{body}");
}

fn chrono_day() -> String {
    // The store's local day (UTC+8) of now.
    let days = (now() + 8 * 3600) / 86_400;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[tokio::test]
async fn an_operation_id_is_bound_to_its_account_and_its_body() {
    let server = TestServer::start(&[]);
    let promoter = access(&server.sign_in_password("promoter", DEMO_PASSWORD).await);
    let manager = access(&server.sign_in_password("manager", DEMO_PASSWORD).await);
    let receipt =
        op(SHANGHAI, json!({ "type": "receipt", "source": "brand", "lines": [{ "sku": "CABLE", "quantity": 3 }] }));
    assert_eq!(send(&server, &promoter, &[receipt.clone()]).await[0].status, OpStatus::Applied);
    assert_eq!(send(&server, &promoter, &[receipt.clone()]).await[0].status, OpStatus::Duplicate);
    // Another account presenting the same id learns nothing of the first one's outcome.
    let theirs = send(&server, &manager, &[receipt.clone()]).await;
    assert_eq!(theirs[0].status, OpStatus::Rejected);
    assert_eq!(theirs[0].error.as_ref().unwrap().code, ErrorCode::IdempotencyConflict);
    // The same id with another body is a conflict, not a duplicate.
    let mut changed = receipt.clone();
    changed["action"]["lines"][0]["quantity"] = json!(30);
    let o = send(&server, &promoter, &[changed]).await;
    assert_eq!(
        (o[0].status, o[0].error.as_ref().map(|e| e.code)),
        (OpStatus::Rejected, Some(ErrorCode::IdempotencyConflict))
    );

    // Favourites too.
    let fav = json!({ "ops": [{ "id": Uuid::now_v7(), "model": "X1", "kind": "favourite", "active": true, "changed_at": now() }] });
    let (status, mine) = server.send(reqwest::Method::POST, "/v1/me/favourites/ops", Some(&promoter), Some(&fav)).await;
    assert_eq!(status, 200, "{mine}");
    let (_, theirs) = server.send(reqwest::Method::POST, "/v1/me/favourites/ops", Some(&manager), Some(&fav)).await;
    assert_eq!(theirs["rejected"], json!([fav["ops"][0]["id"]]), "{theirs}");
    assert_eq!(theirs["favourites"], json!([]), "nothing of the other account's reaches this one");
}

#[tokio::test]
async fn one_bad_operation_never_blocks_the_batch() {
    let server = TestServer::start(&[]);
    let promoter = access(&server.sign_in_password("promoter", DEMO_PASSWORD).await);
    let sale_id = Uuid::now_v7();
    let shift = Uuid::now_v7();
    let mut first = sale(shift, json!([{ "sku": "CABLE", "quantity": 1, "unit_price": 49_00, "discount": 0 }]), 49_00);
    first["sale_id"] = json!(sale_id);
    let mut reused = first.clone();
    reused["receipt_no"] = json!("R-other");
    let batch = [
        op(SHANGHAI, json!({ "type": "open_shift", "shift_id": shift, "opening_cash": 0 })),
        op(BEIJING, json!({ "type": "receipt", "source": "brand", "lines": [{ "sku": "CABLE", "quantity": 1 }] })),
        op(
            "01900000-0000-7000-8000-00000000ffff",
            json!({ "type": "receipt", "source": "x", "lines": [{ "sku": "CABLE", "quantity": 1 }] }),
        ),
        op(SHANGHAI, first),
        op(SHANGHAI, reused),
        op(SHANGHAI, json!({ "type": "receipt", "source": "brand", "lines": [{ "sku": "CABLE", "quantity": 2 }] })),
    ];
    let o = send(&server, &promoter, &batch).await;
    let statuses: Vec<_> = o.iter().map(|o| (o.status, o.error.as_ref().map(|e| e.code))).collect();
    assert_eq!(
        statuses,
        vec![
            (OpStatus::Applied, None),
            (OpStatus::Rejected, Some(ErrorCode::Forbidden)),
            (OpStatus::Rejected, Some(ErrorCode::NotFound)),
            (OpStatus::Applied, None),
            (OpStatus::Rejected, Some(ErrorCode::IdempotencyConflict)),
            (OpStatus::Applied, None),
        ]
    );
}

#[tokio::test]
async fn a_manager_hears_of_operations_refused_at_their_store() {
    let server = TestServer::start(&[]);
    let promoter = access(&server.sign_in_password("promoter", DEMO_PASSWORD).await);
    let manager = access(&server.sign_in_password("manager", DEMO_PASSWORD).await);
    let flags = |cursor: Option<i64>| {
        let path = match cursor {
            Some(c) => format!("/v1/stores/{SHANGHAI}/flags?after={c}"),
            None => format!("/v1/stores/{SHANGHAI}/flags"),
        };
        let (server, manager) = (&server, manager.clone());
        async move {
            let (status, body) = server.get(&path, &manager).await;
            assert_eq!(status, 200, "{body}");
            parse::<StoreFlagList>(&body)
        }
    };
    let start = flags(None).await;
    // Closing a shift twice: the second is refused by a rule, and set aside on the tablet.
    let shift = Uuid::now_v7();
    let close = || {
        op(
            SHANGHAI,
            json!({ "type": "close_shift", "shift_id": shift, "counted": [{ "method": "cash", "amount": 0 }] }),
        )
    };
    let o = send(
        &server,
        &promoter,
        &[op(SHANGHAI, json!({ "type": "open_shift", "shift_id": shift, "opening_cash": 0 })), close(), close()],
    )
    .await;
    assert_eq!(o[2].status, OpStatus::Rejected);
    let seen = flags(Some(start.cursor)).await;
    assert_eq!(seen.events.len(), 1, "{seen:?}");
    assert_eq!(
        (seen.events[0].op_id, seen.events[0].error.as_ref().map(|e| e.code)),
        (o[2].id, Some(ErrorCode::ShiftClosed))
    );
}

#[tokio::test]
async fn what_a_device_set_aside_reaches_the_manager_of_the_store_it_was_made_at() {
    let server = TestServer::start(&[]);
    let promoter = access(&server.sign_in_password("promoter", DEMO_PASSWORD).await);
    let manager = access(&server.sign_in_password("manager", DEMO_PASSWORD).await);
    let consumer = access(&server.sign_in_password("consumer", DEMO_PASSWORD).await);
    let flags = |store: &'static str, cursor: Option<i64>| {
        let path = match cursor {
            Some(c) => format!("/v1/stores/{store}/flags?after={c}"),
            None => format!("/v1/stores/{store}/flags"),
        };
        let (server, manager) = (&server, manager.clone());
        async move {
            let (status, body) = server.get(&path, &manager).await;
            assert_eq!(status, 200, "{body}");
            parse::<StoreFlagList>(&body)
        }
    };
    let (shanghai, beijing) = (flags(SHANGHAI, None).await, flags(BEIJING, None).await);
    // An operation that landed: a later report with its id changes nothing.
    let landed = send(
        &server,
        &promoter,
        &[op(
            SHANGHAI,
            json!({ "type": "receipt", "source": "brand",
        "lines": [{ "sku": "SET-ASIDE-TEST", "quantity": 1 }] }),
        )],
    )
    .await;
    assert_eq!(landed[0].status, OpStatus::Applied);
    let item = |id: Uuid, store: Option<&str>| {
        json!({ "op_id": id, "store_id": store, "kind": "store_op",
        "error": { "code": "invalid_store_op", "message": "x".repeat(5000) }, "set_aside_at": now() })
    };
    let (unreadable, elsewhere, stranger) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let report =
        json!({ "ops": [item(unreadable, None), item(elsewhere, Some(BEIJING)), item(landed[0].id, Some(SHANGHAI))] });
    let (status, body) =
        server.send(reqwest::Method::POST, "/v1/store-ops/set-aside", Some(&promoter), Some(&report)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(parse::<SetAsideAck>(&body).acked.len(), 3);
    // A consumer has no store: acknowledged, told to no one.
    let report = json!({ "ops": [item(stranger, Some(SHANGHAI))] });
    let (status, _) =
        server.send(reqwest::Method::POST, "/v1/store-ops/set-aside", Some(&consumer), Some(&report)).await;
    assert_eq!(status, 200);

    // Both reach the promoter's own store (they never worked in Beijing), each once, bounded.
    let seen = flags(SHANGHAI, Some(shanghai.cursor)).await;
    let ids: Vec<Uuid> = seen.events.iter().map(|e| e.op_id).collect();
    assert_eq!(ids, vec![unreadable, elsewhere], "{seen:?}");
    assert!(seen.events.iter().all(|e| e.flags == vec![OpFlag::SetAsideOnDevice]));
    assert!(seen.events.iter().all(|e| e.error.as_ref().is_some_and(|e| e.message.chars().count() <= 300)));
    assert_eq!(flags(BEIJING, Some(beijing.cursor)).await.events, vec![]);
    // The same report again (an answer lost): nothing new.
    let report = json!({ "ops": [item(unreadable, None)] });
    let (status, _) =
        server.send(reqwest::Method::POST, "/v1/store-ops/set-aside", Some(&promoter), Some(&report)).await;
    assert_eq!(status, 200);
    assert_eq!(flags(SHANGHAI, Some(seen.cursor)).await.events, vec![]);
    // The id was never applied: sending it for real later is a conflict, not a duplicate of the notice.
    let mut late = op(
        SHANGHAI,
        json!({ "type": "receipt", "source": "brand", "lines": [{ "sku": "SET-ASIDE-TEST", "quantity": 1 }] }),
    );
    late["id"] = json!(unreadable);
    let o = send(&server, &promoter, &[late]).await;
    assert_eq!(o[0].error.as_ref().map(|e| e.code), Some(ErrorCode::IdempotencyConflict), "{o:?}");
    // Too many at once is a clear error.
    let many: Vec<Value> = (0..501)
        .map(|_| {
            json!({ "op_id": Uuid::now_v7(), "kind": "store_op",
            "error": { "code": "invalid_store_op", "message": "unreadable" }, "set_aside_at": now() })
        })
        .collect();
    let (status, body) = server
        .send(reqwest::Method::POST, "/v1/store-ops/set-aside", Some(&promoter), Some(&json!({ "ops": many })))
        .await;
    assert_eq!((status, error_of(&body).field.as_deref()), (422, Some("ops")), "{body}");
}

#[tokio::test]
async fn shifts_belong_to_their_store_and_owner() {
    let server = TestServer::start(&[]);
    let promoter = access(&server.sign_in_password("promoter", DEMO_PASSWORD).await);
    let manager = access(&server.sign_in_password("manager", DEMO_PASSWORD).await);
    let shift = Uuid::now_v7();
    let managers_shift = Uuid::now_v7();
    let open = op(SHANGHAI, json!({ "type": "open_shift", "shift_id": shift, "opening_cash": 0 }));
    let o = send(
        &server,
        &manager,
        &[op(SHANGHAI, json!({ "type": "open_shift", "shift_id": managers_shift, "opening_cash": 0 }))],
    )
    .await;
    assert_eq!(o[0].status, OpStatus::Applied);
    let cable = json!([{ "sku": "CABLE", "quantity": 1, "unit_price": 49_00, "discount": 0 }]);
    let unknown_shift = Uuid::now_v7();
    let o = send(
        &server,
        &promoter,
        &[
            open,
            op(SHANGHAI, sale(unknown_shift, cable.clone(), 49_00)),
            // A promoter cannot close someone else's shift.
            op(SHANGHAI, json!({ "type": "close_shift", "shift_id": managers_shift, "counted": [{ "method": "cash", "amount": 0 }] })),
            op(SHANGHAI, json!({ "type": "close_shift", "shift_id": shift, "counted": [{ "method": "cash", "amount": 0 }] })),
            op(SHANGHAI, sale(shift, cable.clone(), 49_00)),
        ],
    )
    .await;
    assert_eq!(o[1].status, OpStatus::Applied, "a sale is a fact");
    assert!(o[1].flags.contains(&OpFlag::ShiftNotOpen { shift_id: unknown_shift }), "{:?}", o[1].flags);
    assert_eq!(o[2].error.as_ref().map(|e| e.code), Some(ErrorCode::Forbidden));
    assert_eq!(o[3].status, OpStatus::Applied);
    assert!(o[4].flags.contains(&OpFlag::ShiftNotOpen { shift_id: shift }), "into a closed shift: {:?}", o[4].flags);
    // The manager may close the promoter's shift... which is closed; and their own.
    let o = send(&server, &manager, &[op(SHANGHAI, json!({ "type": "close_shift", "shift_id": managers_shift, "counted": [{ "method": "cash", "amount": 0 }] }))]).await;
    assert_eq!(o[0].status, OpStatus::Applied, "{o:?}");
}

#[tokio::test]
async fn customers_are_linked_inside_the_operation_so_retries_and_refusals_create_no_account() {
    let server = TestServer::start(&[]);
    let promoter = access(&server.sign_in_password("promoter", DEMO_PASSWORD).await);
    let admin = access(&server.sign_in_password("admin", DEMO_PASSWORD).await);
    let users = |body: &Value| body["total"].as_u64().unwrap();
    let (_, before) = server.get("/v1/admin/users?limit=1", &admin).await;
    // A refused sale (underpaid) with a new customer's phone and consent creates nobody.
    let shift = Uuid::now_v7();
    let mut refused = sale(shift, json!([{ "sku": "CABLE", "quantity": 1, "unit_price": 49_00, "discount": 0 }]), 1_00);
    refused["customer_phone"] = json!("13800138999");
    refused["customer_consent"] = json!(true);
    let mut fine = sale(shift, json!([{ "sku": "CABLE", "quantity": 1, "unit_price": 49_00, "discount": 0 }]), 49_00);
    fine["customer_phone"] = json!("13800138998");
    fine["customer_consent"] = json!(true);
    let batch = [op(SHANGHAI, refused), op(SHANGHAI, fine)];
    let o = send(&server, &promoter, &batch).await;
    assert_eq!((o[0].status, o[1].status), (OpStatus::Rejected, OpStatus::Applied));
    // Sent 20 times at once: still one account.
    join_all((0..20).map(|_| send(&server, &promoter, &batch))).await;
    let (_, after) = server.get("/v1/admin/users?limit=1", &admin).await;
    assert_eq!(users(&after), users(&before) + 1, "{after}");
}

#[tokio::test]
async fn a_promoter_moved_to_another_store_still_lands_what_was_sold_before() {
    let server = TestServer::start(&[]);
    let admin = access(&server.sign_in_password("admin", DEMO_PASSWORD).await);
    let auth = server.sign_in_password("promoter", DEMO_PASSWORD).await;
    let promoter = access(&auth);
    let user_id = auth["profile"]["user_id"].as_str().unwrap().to_owned();
    let made_before_move =
        op(SHANGHAI, json!({ "type": "receipt", "source": "brand", "lines": [{ "sku": "CABLE", "quantity": 1 }] }));
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, body) = server
        .send(
            reqwest::Method::PUT,
            &format!("/v1/admin/users/{user_id}/role"),
            Some(&admin),
            Some(&json!({ "role": "promoter", "store_id": BEIJING })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let made_after_move =
        op(SHANGHAI, json!({ "type": "receipt", "source": "brand", "lines": [{ "sku": "CABLE", "quantity": 1 }] }));
    let o = send(&server, &promoter, &[made_before_move, made_after_move]).await;
    assert_eq!(o[0].status, OpStatus::Applied, "{o:?}");
    assert!(o[0].flags.contains(&OpFlag::MadeBeforeMove), "flagged for the old store's manager: {o:?}");
    assert_eq!(o[1].error.as_ref().map(|e| e.code), Some(ErrorCode::Forbidden));
}

#[tokio::test]
async fn malformed_paths_and_queries_get_coded_errors() {
    let server = TestServer::start(&[]);
    let promoter = access(&server.sign_in_password("promoter", DEMO_PASSWORD).await);
    let (status, body) = server.get("/v1/stores/not-a-uuid/stock", &promoter).await;
    assert_eq!((status, error_of(&body).code), (400, ErrorCode::InvalidParameter), "{body}");
    let (status, body) = server.get("/v1/catalog/sync?limit=lots", &promoter).await;
    assert_eq!((status, error_of(&body).code), (400, ErrorCode::InvalidParameter), "{body}");
}

#[tokio::test]
async fn the_server_prunes_what_it_no_longer_needs() {
    let server = TestServer::start(&[("PORTAL_PRUNE_INTERVAL_SECS", "1")]);
    // A code that expired two days ago, and a password failure of last month.
    server.database_run(
        "INSERT INTO verification_codes (channel, target, purpose, code_hash, client_ip, created_at, expires_at)
         VALUES ('sms', '+8613800138104', 'sign_up', 'x', '127.0.0.1', $1, $1)",
        now() - 2 * 86_400,
    );
    server.database_run(
        "INSERT INTO login_failures (login, failures, last_failure_at) VALUES ('login:old', 3, $1)",
        now() - 30 * 86_400,
    );
    let count = |sql: &str| server.database_run(sql, 0);
    for _ in 0..50 {
        if count("SELECT COUNT(*) FROM verification_codes") == 0 && count("SELECT COUNT(*) FROM login_failures") == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the sweep did not delete the expired code and the old failure");
}
