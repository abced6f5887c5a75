//! Store operations against the real server: exactly-once application of outbox operations, the
//! stock ledger, rules (discount limit, returns, shifts, display units), flags, scope and reports.
use portal_api::*;
use portal_tests::server::*;
use serde_json::{json, Value};
use uuid::Uuid;

const SHANGHAI: &str = "01900000-0000-7000-8000-000000000101";
const BEIJING: &str = "01900000-0000-7000-8000-000000000102";
const DEMO_PASSWORD: &str = "Portal#2026";
/// 2026-11-22 10:00 in Shanghai.
const AT: i64 = 1_795_312_800;

fn op(store: &str, action: Value) -> Value {
    json!({ "id": Uuid::now_v7(), "store_id": store, "device_at": AT, "action": action })
}

async fn send(server: &TestServer, token: &str, ops: &[Value]) -> (u16, Value) {
    server.send(reqwest::Method::POST, "/v1/store-ops", Some(token), Some(&json!({ "ops": ops }))).await
}

fn outcomes(body: &Value) -> Vec<OpOutcome> {
    parse::<StoreOpsResult>(body).outcomes
}

fn sale(shift: Uuid, lines: Value, payments: Value) -> Value {
    json!({ "type": "sale", "sale_id": Uuid::now_v7(), "shift_id": shift, "receipt_no": format!("R-{}", Uuid::now_v7()),
            "lines": lines, "payments": payments })
}

async fn stock_of(server: &TestServer, token: &str, sku: &str) -> i64 {
    let (status, body) = server.get(&format!("/v1/stores/{SHANGHAI}/stock"), token).await;
    assert_eq!(status, 200, "{body}");
    let report: StockReport = parse(&body);
    assert!(report.balances_agree, "{body}");
    report.levels.iter().find(|l| l.sku == sku).map(|l| l.on_hand).unwrap_or(0)
}

#[tokio::test]
async fn the_same_operations_sent_twice_change_nothing_the_second_time() {
    let server = TestServer::start(&[]);
    let promoter = access(&server.sign_in_password("promoter", DEMO_PASSWORD).await);
    let consumer = access(&server.sign_in_password("consumer", DEMO_PASSWORD).await);
    let shift = Uuid::now_v7();
    let mut checkout = sale(
        shift,
        json!([{ "sku": "TV-65-BK", "quantity": 1, "unit_price": 4999_00, "discount": 100_00, "serial": "SN-0001" },
               { "sku": "CABLE", "quantity": 2, "unit_price": 49_00, "discount": 0 }]),
        json!([{ "method": "card", "amount": 4000_00 }, { "method": "cash", "amount": 1000_00 }]),
    );
    checkout["customer_phone"] = json!("13900000005");
    checkout["gifts"] = json!([{ "sku": "GIFT-MUG", "quantity": 1 }]);
    let batch = vec![
        op(SHANGHAI, json!({ "type": "open_shift", "shift_id": shift, "opening_cash": 500_00 })),
        op(
            SHANGHAI,
            json!({ "type": "receipt", "source": "brand", "lines": [
            { "sku": "TV-65-BK", "quantity": 5 }, { "sku": "CABLE", "quantity": 10 }, { "sku": "GIFT-MUG", "quantity": 3 }] }),
        ),
        op(SHANGHAI, checkout),
    ];
    let (status, first) = send(&server, &promoter, &batch).await;
    assert_eq!(status, 200, "{first}");
    assert!(outcomes(&first).iter().all(|o| o.status == OpStatus::Applied), "{first}");
    let (_, stock_before) = server.get(&format!("/v1/stores/{SHANGHAI}/stock"), &promoter).await;

    // The device did not hear the answer and sends everything again.
    let (status, second) = send(&server, &promoter, &batch).await;
    assert_eq!(status, 200);
    assert!(outcomes(&second).iter().all(|o| o.status == OpStatus::Duplicate), "{second}");
    let (_, stock_after) = server.get(&format!("/v1/stores/{SHANGHAI}/stock"), &promoter).await;
    assert_eq!(stock_before, stock_after, "a retry moves no stock");
    assert_eq!(stock_of(&server, &promoter, "TV-65-BK").await, 4);
    assert_eq!(stock_of(&server, &promoter, "CABLE").await, 8);
    assert_eq!(stock_of(&server, &promoter, "GIFT-MUG").await, 2, "gifts are counted like stock");

    let (status, report) = server.get(&format!("/v1/stores/{SHANGHAI}/report?day=2026-11-22"), &promoter).await;
    assert_eq!(status, 200, "{report}");
    let report: DayReport = parse(&report);
    assert_eq!(report.sales, 1, "the sale counts once");
    assert_eq!(report.sales_amount, 4999_00 - 100_00 + 98_00);
    assert_eq!(report.by_promoter.len(), 1);

    let (_, purchases) = server.get("/v1/me/purchases", &consumer).await;
    let purchases: PurchaseList = parse(&purchases);
    assert_eq!(purchases.purchases.len(), 1, "the sale is in the customer's purchases once");
    assert_eq!(purchases.purchases[0].lines[0].serial.as_deref(), Some("SN-0001"));
}

#[tokio::test]
async fn sales_are_facts_flagged_when_odd_and_rules_refuse_bad_operations_whole() {
    let server = TestServer::start(&[]);
    let promoter = access(&server.sign_in_password("promoter", DEMO_PASSWORD).await);
    let shift = Uuid::now_v7();
    let open = op(SHANGHAI, json!({ "type": "open_shift", "shift_id": shift, "opening_cash": 0 }));
    let tv = |serial: &str| json!([{ "sku": "TV-X", "quantity": 1, "unit_price": 1000_00, "discount": 0, "serial": serial }]);
    let cash = |amount: i64| json!([{ "method": "cash", "amount": amount }]);
    let first = sale(shift, tv("SN-9"), cash(1000_00));
    let sale_id = first["sale_id"].clone();
    let (_, body) =
        send(&server, &promoter, &[open, op(SHANGHAI, first), op(SHANGHAI, sale(shift, tv("SN-9"), cash(1000_00)))])
            .await;
    let o = outcomes(&body);
    assert_eq!(o[1].status, OpStatus::Applied, "a sale with no stock is still a sale");
    assert!(o[1].flags.contains(&OpFlag::NegativeStock { sku: "TV-X".into(), on_hand: -1 }), "{body}");
    assert_eq!(o[2].status, OpStatus::Applied);
    assert!(o[2].flags.contains(&OpFlag::SerialSoldTwice { serial: "SN-9".into() }), "{body}");

    // A discount above the promoter's 10 % limit: refused, nothing recorded.
    let greedy = sale(
        shift,
        json!([{ "sku": "TV-Y", "quantity": 1, "unit_price": 1000_00, "discount": 200_00 }]),
        json!([{ "method": "card", "amount": 800_00 }]),
    );
    // A return of more than was bought, and a partial return that refunds its share.
    let too_much = json!({ "type": "return", "return_id": Uuid::now_v7(), "sale_id": sale_id,
                           "lines": [{ "line": 0, "quantity": 2 }], "refund_method": "cash" });
    let fine = json!({ "type": "return", "return_id": Uuid::now_v7(), "sale_id": sale_id,
                       "lines": [{ "line": 0, "quantity": 1 }], "refund_method": "cash" });
    let unknown_sale = json!({ "type": "return", "return_id": Uuid::now_v7(), "sale_id": Uuid::now_v7(),
                               "lines": [{ "line": 0, "quantity": 1 }], "refund_method": "cash" });
    let (_, body) = send(
        &server,
        &promoter,
        &[op(SHANGHAI, greedy), op(SHANGHAI, too_much), op(SHANGHAI, fine), op(SHANGHAI, unknown_sale)],
    )
    .await;
    let o = outcomes(&body);
    // A sale is a fact: made beyond the limit (a limit lowered while the tablet was offline, say),
    // it is applied and flagged for the manager, never refused after the fact.
    assert_eq!(o[0].status, OpStatus::Applied);
    assert!(o[0].flags.iter().any(|f| matches!(f, OpFlag::PriceBelowLimit { line: Some(0), .. })), "{:?}", o[0].flags);
    assert_eq!(stock_of(&server, &promoter, "TV-Y").await, -1, "the sale moved its stock");
    assert_eq!(o[1].error.as_ref().unwrap().code, ErrorCode::ReturnExceedsSale);
    assert_eq!((o[2].status, o[2].refund), (OpStatus::Applied, Some(1000_00)));
    assert_eq!(o[3].error.as_ref().unwrap().code, ErrorCode::InvalidStoreOp);
    assert_eq!(stock_of(&server, &promoter, "TV-X").await, -1, "-1 -1 +1: the ledger sums its movements");

    // Closing the shift: cash expected 0 + 2,000 − 1,000 refunded = 1,000.
    let close = |amount: i64, reason: Option<&str>| {
        op(
            SHANGHAI,
            json!({ "type": "close_shift", "shift_id": shift, "counted": [{ "method": "cash", "amount": amount }],
                             "reason": reason }),
        )
    };
    let (_, body) =
        send(&server, &promoter, &[close(900_00, None), close(900_00, Some("找零失误")), close(1000_00, None)]).await;
    let o = outcomes(&body);
    assert_eq!(o[0].error.as_ref().unwrap().code, ErrorCode::ReasonRequired, "{body}");
    assert_eq!(o[1].status, OpStatus::Applied, "{body}");
    assert!(o[1].flags.contains(&OpFlag::CashDifference { method: PaymentMethod::Cash, difference: -100_00 }));
    assert_eq!(o[2].error.as_ref().unwrap().code, ErrorCode::ShiftClosed, "a shift closes once");

    let (_, report) = server.get(&format!("/v1/stores/{SHANGHAI}/report?day=2026-11-22"), &promoter).await;
    let report: DayReport = parse(&report);
    assert_eq!((report.sales, report.returns, report.refunds_amount), (3, 1, 1000_00));
    assert_eq!(report.cash_differences[0].amount, -100_00);
    assert!(report.flags.iter().any(|f| matches!(f, OpFlag::SerialSoldTwice { .. })));

    // Stock over the day, from the ledger: two sold, one back; the next day opens where it closed.
    let tv_on = |report: &DayReport| {
        report.stock.iter().find(|s| s.sku == "TV-X").map(|s| (s.opening, s.moved_in, s.moved_out, s.closing))
    };
    assert_eq!(tv_on(&report), Some((0, 1, 2, -1)));
    let day = |d: &str| {
        let path = format!("/v1/stores/{SHANGHAI}/report?day={d}");
        let (server, promoter) = (&server, promoter.clone());
        async move { parse::<DayReport>(&server.get(&path, &promoter).await.1) }
    };
    assert_eq!(tv_on(&day("2026-11-23").await), Some((-1, 0, 0, -1)));
    assert_eq!(tv_on(&day("2026-11-21").await), None, "nothing held or moved before");
}

#[tokio::test]
async fn display_units_move_by_their_state_machine_and_stale_changes_show_the_current_state() {
    let server = TestServer::start(&[]);
    let promoter = access(&server.sign_in_password("promoter", DEMO_PASSWORD).await);
    let change = |from: &str, to: &str| {
        op(SHANGHAI, json!({ "type": "sample_change", "serial": "DU-1", "from": from, "to": to, "location": "A区" }))
    };
    let (_, body) = send(
        &server,
        &promoter,
        &[
            op(SHANGHAI, json!({ "type": "sample_register", "serial": "DU-1", "sku": "TV-65-BK", "location": "仓库" })),
            change("requested", "in_transit"),
            change("in_transit", "on_display"),
            // Another device sent it to repair...
            change("on_display", "under_repair"),
            // ...while this one, still seeing it on display, sells it as ex-display.
            change("on_display", "sold_ex_display"),
            change("under_repair", "requested"),
            op(SHANGHAI, json!({ "type": "sample_audit", "scanned": [] })),
        ],
    )
    .await;
    let o = outcomes(&body);
    assert!(o[..4].iter().all(|x| x.status == OpStatus::Applied), "{body}");
    assert_eq!(o[4].error.as_ref().unwrap().code, ErrorCode::StaleState);
    assert_eq!(o[4].current_state, Some(SampleState::UnderRepair));
    assert_eq!(o[5].error.as_ref().unwrap().code, ErrorCode::TransitionNotAllowed);
    assert!(o[6].flags.is_empty(), "a unit under repair is not expected on the floor");
    let (_, body) = send(
        &server,
        &promoter,
        &[change("under_repair", "on_display"), op(SHANGHAI, json!({ "type": "sample_audit", "scanned": [] }))],
    )
    .await;
    let o = outcomes(&body);
    assert_eq!(o[1].flags, [OpFlag::SampleMissing { serial: "DU-1".into() }]);
    let (_, report) = server.get(&format!("/v1/stores/{SHANGHAI}/report?day=2026-11-22"), &promoter).await;
    let report: DayReport = parse(&report);
    assert_eq!(report.samples_by_state[0].key, "on_display");

    // The store's units, each with its dated history (the refused changes are not in it).
    let (status, body) = server.get(&format!("/v1/stores/{SHANGHAI}/samples"), &promoter).await;
    assert_eq!(status, 200, "{body}");
    let list: SampleList = parse(&body);
    let unit = &list.samples[0];
    assert_eq!((unit.serial.as_str(), unit.state, unit.location.as_str()), ("DU-1", SampleState::OnDisplay, "A区"));
    let states: Vec<SampleState> = unit.history.iter().map(|e| e.state).collect();
    use SampleState::*;
    assert_eq!(states, [Requested, InTransit, OnDisplay, UnderRepair, OnDisplay]);
    assert_eq!(unit.next_states, [UnderRepair, Returned, SoldExDisplay], "what the screen offers next");
    assert!(unit.expected_on_floor);
    assert_eq!(server.get(&format!("/v1/stores/{BEIJING}/samples"), &promoter).await.0, 403);
}

#[tokio::test]
async fn promoters_reach_only_their_own_store() {
    let server = TestServer::start(&[]);
    let promoter = access(&server.sign_in_password("promoter", DEMO_PASSWORD).await);
    let consumer = access(&server.sign_in_password("consumer", DEMO_PASSWORD).await);
    let admin = access(&server.sign_in_password("admin", DEMO_PASSWORD).await);
    let receipt = |store: &str| {
        op(store, json!({ "type": "receipt", "source": "brand", "lines": [{ "sku": "A", "quantity": 1 }] }))
    };

    // Out of scope is that operation's refusal alone: the one beside it lands.
    let (status, body) = send(&server, &promoter, &[receipt(SHANGHAI), receipt(BEIJING)]).await;
    assert_eq!(status, 200, "{body}");
    let o = outcomes(&body);
    assert_eq!((o[0].status, o[1].status), (OpStatus::Applied, OpStatus::Rejected), "{body}");
    assert_eq!(o[1].error.as_ref().unwrap().code, ErrorCode::Forbidden);
    assert_eq!(stock_of(&server, &promoter, "A").await, 1);
    assert_eq!(server.get(&format!("/v1/stores/{BEIJING}/stock"), &promoter).await.0, 403);
    assert_eq!(server.get(&format!("/v1/stores/{BEIJING}/report"), &promoter).await.0, 403);
    assert_eq!(send(&server, &consumer, &[receipt(SHANGHAI)]).await.0, 403);
    assert_eq!(server.get(&format!("/v1/stores/{SHANGHAI}/stock"), &consumer).await.0, 403);

    let (status, _) = send(&server, &admin, &[receipt(BEIJING)]).await;
    assert_eq!(status, 200);
    assert_eq!(server.get(&format!("/v1/stores/{BEIJING}/stock"), &admin).await.0, 200);
    let (status, body) = server.get(&format!("/v1/stores/{SHANGHAI}/report?day=22-11-2026"), &admin).await;
    assert_eq!((status, error_of(&body).code), (422, ErrorCode::InvalidStoreOp));
}

#[tokio::test]
async fn transfers_land_once_whichever_store_reports_first() {
    let server = TestServer::start(&[]);
    let promoter = access(&server.sign_in_password("promoter", DEMO_PASSWORD).await);
    let admin = access(&server.sign_in_password("admin", DEMO_PASSWORD).await);
    let stock_at = |store: &'static str, sku: &'static str| {
        let server = &server;
        let admin = admin.clone();
        async move {
            let (_, body) = server.get(&format!("/v1/stores/{store}/stock"), &admin).await;
            let report: StockReport = parse(&body);
            assert!(report.balances_agree);
            report.levels.iter().find(|l| l.sku == sku).map(|l| l.on_hand).unwrap_or(0)
        }
    };
    for receive_first in [false, true] {
        let transfer = Uuid::now_v7();
        let send_op = op(
            SHANGHAI,
            json!({ "type": "transfer_out", "transfer_id": transfer, "to_store": BEIJING,
                                           "lines": [{ "sku": "AC-9", "quantity": 3 }] }),
        );
        let receive_op = op(BEIJING, json!({ "type": "transfer_in", "transfer_id": transfer }));
        let before = stock_at(BEIJING, "AC-9").await;
        let in_flight =
            |list: &TransferList| list.incoming.iter().chain(&list.outgoing).any(|t| t.transfer_id == transfer);
        if !receive_first {
            send(&server, &promoter, &[send_op.clone()]).await;
            // In flight: Beijing sees it coming (with its lines), Shanghai sees it gone out.
            let (_, body) = server.get(&format!("/v1/stores/{BEIJING}/transfers"), &admin).await;
            let beijing: TransferList = parse(&body);
            let coming = beijing.incoming.iter().find(|t| t.transfer_id == transfer).expect("incoming");
            assert_eq!(coming.lines, [SkuQuantity { sku: "AC-9".into(), quantity: 3 }]);
            let (_, body) = server.get(&format!("/v1/stores/{SHANGHAI}/transfers"), &promoter).await;
            let shanghai: TransferList = parse(&body);
            assert!(shanghai.outgoing.iter().any(|t| t.transfer_id == transfer));
            assert!(
                shanghai.stores.iter().any(|s| s.code == "BJ-001")
                    && !shanghai.stores.iter().any(|s| s.code == "SH-001")
            );
            let (_, body) = send(&server, &admin, &[receive_op.clone()]).await;
            assert_eq!(outcomes(&body)[0].status, OpStatus::Applied, "{body}");
            let (_, body) = server.get(&format!("/v1/stores/{BEIJING}/transfers"), &admin).await;
            assert!(!in_flight(&parse(&body)), "received: no longer in flight");
        } else {
            // Beijing's tablet syncs first: the receipt is accepted and waits for the send.
            let (_, body) = send(&server, &admin, &[receive_op.clone()]).await;
            assert_eq!(outcomes(&body)[0].status, OpStatus::Applied, "{body}");
            assert_eq!(stock_at(BEIJING, "AC-9").await, before, "nothing to book in until it is sent");
            send(&server, &promoter, &[send_op]).await;
            let (_, body) = server.get(&format!("/v1/stores/{SHANGHAI}/transfers"), &promoter).await;
            assert!(!in_flight(&parse(&body)), "received before it was sent: completed by the send");
        }
        assert_eq!(stock_at(BEIJING, "AC-9").await, before + 3, "received once (receive first: {receive_first})");
        let again = op(BEIJING, json!({ "type": "transfer_in", "transfer_id": transfer }));
        let (_, body) = send(&server, &admin, &[again]).await;
        assert_eq!(
            outcomes(&body)[0].error.as_ref().unwrap().code,
            ErrorCode::InvalidStoreOp,
            "a transfer is received once"
        );
        assert_eq!(stock_at(BEIJING, "AC-9").await, before + 3);
    }
}

#[tokio::test]
async fn a_store_manager_sets_the_discount_limits_of_their_promoters() {
    let server = TestServer::start(&[]);
    let manager_auth = server.sign_in_password("manager", DEMO_PASSWORD).await;
    let manager = access(&manager_auth);
    let promoter_auth = server.sign_in_password("promoter", DEMO_PASSWORD).await;
    let promoter = access(&promoter_auth);
    let profile: Profile = parse(&manager_auth["profile"]);
    let codes: Vec<&str> = profile.stores.iter().map(|s| s.code.as_str()).collect();
    assert_eq!(codes, ["SH-001", "BJ-001"], "home store first");
    assert_eq!(profile.discount_limit_percent, 20, "a manager's default");
    let promoter_id: Uuid = parse::<Profile>(&promoter_auth["profile"]).user_id;
    assert_eq!(parse::<Profile>(&promoter_auth["profile"]).discount_limit_percent, 10);

    let (status, body) = server.get(&format!("/v1/stores/{SHANGHAI}/staff"), &manager).await;
    assert_eq!(status, 200, "{body}");
    let staff: StaffList = parse(&body);
    let member = staff.members.iter().find(|m| m.user_id == promoter_id).expect("the promoter works here");
    assert_eq!((member.discount_limit_percent, member.default_limit), (10, true));
    assert!(staff.members.iter().any(|m| m.role == Role::StoreManager));

    let limit_path = format!("/v1/stores/{SHANGHAI}/staff/{promoter_id}");
    let put = |token: &str, body: Value| {
        let (server, token, path) = (&server, token.to_owned(), limit_path.clone());
        async move { server.send(reqwest::Method::PUT, &path, Some(&token), Some(&body)).await }
    };
    let (status, body) = put(&manager, json!({ "discount_limit_percent": 30 })).await;
    assert_eq!((status, error_of(&body).code), (422, ErrorCode::DiscountAboveLimit), "not above the manager's own");
    assert_eq!(put(&promoter, json!({ "discount_limit_percent": 50 })).await.0, 403, "not by the promoter");
    let elsewhere = format!("/v1/stores/{BEIJING}/staff/{promoter_id}");
    let (status, _) = server
        .send(reqwest::Method::PUT, &elsewhere, Some(&manager), Some(&json!({ "discount_limit_percent": 5 })))
        .await;
    assert_eq!(status, 404, "the promoter does not work at Beijing");
    let (status, body) = put(&manager, json!({ "discount_limit_percent": 5 })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(parse::<StaffMember>(&body).discount_limit_percent, 5);
    let (_, me) = server.get("/v1/me", &promoter).await;
    assert_eq!(parse::<Profile>(&me).discount_limit_percent, 5, "the promoter's app learns its limit");

    // The server applies it: 8 % off is now refused for the promoter, still fine for the manager.
    let shift = Uuid::now_v7();
    let discounted = |shift: Uuid| {
        sale(
            shift,
            json!([{ "sku": "TV-1", "quantity": 1, "unit_price": 1000_00, "discount": 80_00 }]),
            json!([{ "method": "card", "amount": 920_00 }]),
        )
    };
    let open = |shift: Uuid| op(SHANGHAI, json!({ "type": "open_shift", "shift_id": shift, "opening_cash": 0 }));
    let (_, body) = send(&server, &promoter, &[open(shift), op(SHANGHAI, discounted(shift))]).await;
    let o = outcomes(&body);
    assert_eq!(o[1].status, OpStatus::Applied, "a sale is a fact: {body}");
    assert!(o[1].flags.iter().any(|f| matches!(f, OpFlag::PriceBelowLimit { .. })), "flagged: {body}");
    let manager_shift = Uuid::now_v7();
    let (_, body) = send(&server, &manager, &[open(manager_shift), op(SHANGHAI, discounted(manager_shift))]).await;
    assert!(outcomes(&body).iter().all(|o| o.status == OpStatus::Applied), "{body}");

    // Back to the default.
    let (_, body) = put(&manager, json!({})).await;
    assert_eq!(parse::<StaffMember>(&body).discount_limit_percent, 10);
}

#[tokio::test]
async fn the_last_sync_page_says_what_each_store_has_in_stock() {
    let server = TestServer::start(&[]);
    let promoter = access(&server.sign_in_password("promoter", DEMO_PASSWORD).await);
    let goods = op(
        SHANGHAI,
        json!({ "type": "receipt", "source": "brand", "lines": [{ "sku": "A", "quantity": 2 }, { "sku": "B", "quantity": 1 }] }),
    );
    let out = op(SHANGHAI, json!({ "type": "adjustment", "sku": "B", "quantity": -1, "reason": "damaged" }));
    send(&server, &promoter, &[goods, out]).await;
    let (status, body) = server.send(reqwest::Method::GET, "/v1/catalog/sync?limit=1", None, None).await;
    assert_eq!(status, 200);
    let first: SyncPage = parse(&body);
    assert!(first.has_more && first.in_stock.is_none(), "only the last page carries it");
    let mut cursor = first.cursor;
    let last = loop {
        let path = format!("/v1/catalog/sync?limit=5000&cursor={cursor}");
        let (_, body) = server.send(reqwest::Method::GET, &path, None, None).await;
        let page: SyncPage = parse(&body);
        if !page.has_more {
            break page;
        }
        cursor = page.cursor;
    };
    let stock = last.in_stock.expect("on the last page");
    let shanghai = stock.iter().find(|s| s.store == "SH-001").expect("Shanghai keeps a ledger");
    assert_eq!(shanghai.skus, ["A"], "B went out again: not in stock");
    assert!(!stock.iter().any(|s| s.store == "SZ-001"), "no ledger, not listed");
}

#[tokio::test]
async fn a_receipt_is_found_at_any_till_of_the_store_and_its_refund_counts_against_the_till_that_paid_it() {
    let server = TestServer::start(&[]);
    let promoter = access(&server.sign_in_password("promoter", DEMO_PASSWORD).await);
    let manager = access(&server.sign_in_password("manager", DEMO_PASSWORD).await);
    let consumer = access(&server.sign_in_password("consumer", DEMO_PASSWORD).await);
    // Two tablets at one store, each with its own shift open at once.
    let (till_a, till_b) = (Uuid::now_v7(), Uuid::now_v7());
    let open =
        |shift: Uuid, cash: i64| op(SHANGHAI, json!({ "type": "open_shift", "shift_id": shift, "opening_cash": cash }));
    let mut bought = sale(
        till_a,
        json!([
            { "sku": "TV-R", "quantity": 1, "unit_price": 2000_00, "discount": 100_00, "serial": "SN-R1" },
            { "sku": "CABLE-R", "quantity": 2, "unit_price": 50_00, "discount": 0 }
        ]),
        json!([{ "method": "cash", "amount": 2000_00 }]),
    );
    bought["receipt_no"] = json!("TABA-000042");
    bought["order_discount"] = json!(50_00);
    bought["gifts"] = json!([{ "sku": "GIFT-R", "quantity": 1 }]);
    let sale_id: Uuid = serde_json::from_value(bought["sale_id"].clone()).unwrap();
    let (_, body) = send(&server, &promoter, &[open(till_a, 100_00), op(SHANGHAI, bought)]).await;
    assert!(outcomes(&body).iter().all(|o| o.status == OpStatus::Applied), "{body}");
    assert_eq!(send(&server, &manager, &[open(till_b, 300_00)]).await.0, 200);

    // The customer comes back to the other tablet: the receipt is found by its number, as it was made.
    let path = format!("/v1/stores/{SHANGHAI}/sales?receipt_no=TABA-000042");
    let (status, body) = server.get(&path, &manager).await;
    assert_eq!(status, 200, "{body}");
    let found: StoreSaleList = parse(&body);
    assert_eq!(found.sales.len(), 1);
    let s = &found.sales[0];
    assert_eq!((s.sale_id, s.total, s.change, s.refunded), (sale_id, 1950_00, 50_00, 0));
    assert_eq!(s.returned, [0, 0]);
    let StoreAction::Sale { lines, order_discount, gifts, payments, customer_phone, .. } = &s.sale else {
        panic!("{body}")
    };
    assert_eq!((lines.len(), *order_discount, gifts.len(), payments.len()), (2, 50_00, 1, 1));
    assert_eq!(lines[0].serial.as_deref(), Some("SN-R1"));
    assert!(customer_phone.is_none(), "a found receipt does not carry the customer's phone");

    // Taken back at the second till, in cash, from that till's shift.
    let return_id = Uuid::now_v7();
    let back = json!({ "type": "return", "return_id": return_id, "sale_id": sale_id, "shift_id": till_b,
                       "lines": [{ "line": 1, "quantity": 2 }], "gifts": [], "refund_method": "cash" });
    let (_, body) = send(&server, &manager, &[op(SHANGHAI, back)]).await;
    let refund = outcomes(&body)[0].refund.expect("a refund");
    let found: StoreSaleList = parse(&server.get(&path, &promoter).await.1);
    assert_eq!((found.sales[0].returned.clone(), found.sales[0].refunded), (vec![0, 2], refund));
    assert_eq!(found.sales[0].return_ids, [return_id]);

    // Each till expects only its own money: A = 100 + 2,000 − 50 change; B = 300 − the refund.
    let close = |shift: Uuid, cash: i64| {
        op(
            SHANGHAI,
            json!({ "type": "close_shift", "shift_id": shift, "counted": [{ "method": "cash", "amount": cash }] }),
        )
    };
    let (_, body) = send(&server, &promoter, &[close(till_a, 2050_00)]).await;
    assert_eq!((outcomes(&body)[0].status, outcomes(&body)[0].flags.len()), (OpStatus::Applied, 0), "{body}");
    let (_, body) = send(&server, &manager, &[close(till_b, 300_00 - refund)]).await;
    assert_eq!((outcomes(&body)[0].status, outcomes(&body)[0].flags.len()), (OpStatus::Applied, 0), "{body}");

    // Unknown numbers find nothing; a number is needed; other stores and consumers are refused.
    let (_, body) = server.get(&format!("/v1/stores/{SHANGHAI}/sales?receipt_no=NOPE-1"), &promoter).await;
    assert!(parse::<StoreSaleList>(&body).sales.is_empty());
    let (status, body) = server.get(&format!("/v1/stores/{SHANGHAI}/sales"), &promoter).await;
    assert_eq!((status, error_of(&body).code), (422, ErrorCode::InvalidStoreOp));
    assert_eq!(server.get(&format!("/v1/stores/{BEIJING}/sales?receipt_no=TABA-000042"), &promoter).await.0, 403);
    assert_eq!(server.get(&path, &consumer).await.0, 403);
}

#[tokio::test]
async fn a_store_manager_reads_what_was_flagged_at_their_stores_from_a_cursor() {
    let server = TestServer::start(&[]);
    let promoter = access(&server.sign_in_password("promoter", DEMO_PASSWORD).await);
    let manager = access(&server.sign_in_password("manager", DEMO_PASSWORD).await);
    let flags = |after: Option<i64>| {
        let path = match after {
            Some(a) => format!("/v1/stores/{SHANGHAI}/flags?after={a}"),
            None => format!("/v1/stores/{SHANGHAI}/flags"),
        };
        let (server, manager) = (&server, manager.clone());
        async move {
            let (status, body) = server.get(&path, &manager).await;
            assert_eq!(status, 200, "{body}");
            parse::<StoreFlagList>(&body)
        }
    };
    let shift = Uuid::now_v7();
    let one =
        |serial: &str| json!([{ "sku": "TV-F", "quantity": 1, "unit_price": 100_00, "discount": 0, "serial": serial }]);
    let cash = json!([{ "method": "cash", "amount": 100_00 }]);
    let (_, body) = send(
        &server,
        &promoter,
        &[
            op(SHANGHAI, json!({ "type": "open_shift", "shift_id": shift, "opening_cash": 0 })),
            op(SHANGHAI, sale(shift, one("F-1"), cash.clone())),
        ],
    )
    .await;
    assert_eq!(
        outcomes(&body)[1].flags.iter().filter(|f| matches!(f, OpFlag::NegativeStock { .. })).count(),
        1,
        "{body}"
    );

    // Watching starts now: what was flagged before is in the day report, not here.
    let start = flags(None).await;
    assert!(start.events.is_empty());
    assert!(flags(Some(start.cursor)).await.events.is_empty());

    // Then a sale that takes stock below zero again, a clean goods-in, and a serial sold twice.
    let (_, body) = send(
        &server,
        &promoter,
        &[
            op(SHANGHAI, sale(shift, one("F-2"), cash.clone())),
            op(SHANGHAI, json!({ "type": "receipt", "source": "brand", "lines": [{ "sku": "TV-F", "quantity": 5 }] })),
            op(SHANGHAI, sale(shift, one("F-2"), cash.clone())),
        ],
    )
    .await;
    let sent = outcomes(&body);
    let seen = flags(Some(start.cursor)).await;
    assert_eq!(seen.events.iter().map(|e| e.op_id).collect::<Vec<_>>(), [sent[0].id, sent[2].id]);
    assert!(seen.events[0].flags.contains(&OpFlag::NegativeStock { sku: "TV-F".into(), on_hand: -2 }));
    assert!(seen.events[1].flags.contains(&OpFlag::SerialSoldTwice { serial: "F-2".into() }));
    assert!(seen.events.iter().all(|e| e.by == seen.events[0].by && !e.by.is_empty()));
    assert!(!seen.has_more);
    assert!(flags(Some(seen.cursor)).await.events.is_empty(), "read once from the new cursor");

    // Promoters hear of their own flags in their outcomes; other stores and bad cursors are refused.
    assert_eq!(server.get(&format!("/v1/stores/{SHANGHAI}/flags"), &promoter).await.0, 403);
    let admin = access(&server.sign_in_password("admin", DEMO_PASSWORD).await);
    assert_eq!(server.get(&format!("/v1/stores/{SHANGHAI}/flags?after=0"), &admin).await.0, 200);
    let (status, body) = server.get(&format!("/v1/stores/{SHANGHAI}/flags?after=x"), &manager).await;
    assert_eq!((status, error_of(&body).code), (422, ErrorCode::InvalidStoreOp));
}

/// The races of several tills, over HTTP (and across instances when the suite runs behind the load
/// balancer): one serial sold at 24 tills of two stores is sold once and flagged 23 times; one
/// shift closed from 24 requests closes once; one transfer received 24 times books its goods once.
#[tokio::test]
async fn races_between_tills_resolve_once() {
    let server = TestServer::start(&[]);
    let promoter = access(&server.sign_in_password("promoter", DEMO_PASSWORD).await);
    let admin = access(&server.sign_in_password("admin", DEMO_PASSWORD).await);
    let (shanghai_shift, beijing_shift) = (Uuid::now_v7(), Uuid::now_v7());
    let open =
        |store: &str, shift: Uuid| op(store, json!({ "type": "open_shift", "shift_id": shift, "opening_cash": 0 }));
    let (_, body) = send(&server, &promoter, &[open(SHANGHAI, shanghai_shift)]).await;
    assert_eq!(outcomes(&body)[0].status, OpStatus::Applied, "{body}");
    let (_, body) = send(&server, &admin, &[open(BEIJING, beijing_shift)]).await;
    assert_eq!(outcomes(&body)[0].status, OpStatus::Applied, "{body}");

    let unit = json!([{ "sku": "TV-RACE", "quantity": 1, "unit_price": 1000_00, "discount": 0, "serial": "SN-RACE" }]);
    let paid = json!([{ "method": "card", "amount": 1000_00 }]);
    let sales = (0..24).map(|i| {
        let (store, shift, token) =
            if i % 2 == 0 { (SHANGHAI, shanghai_shift, &promoter) } else { (BEIJING, beijing_shift, &admin) };
        let sale_op = op(store, sale(shift, unit.clone(), paid.clone()));
        let server = &server;
        async move { send(server, token, &[sale_op]).await }
    });
    let answers = futures_util::future::join_all(sales).await;
    let mut unflagged = 0;
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
        let outcome = &outcomes(body)[0];
        assert_eq!(outcome.status, OpStatus::Applied, "a sale is a fact: {body}");
        if !outcome.flags.contains(&OpFlag::SerialSoldTwice { serial: "SN-RACE".into() }) {
            unflagged += 1;
        }
    }
    assert_eq!(unflagged, 1, "the serial is sold once; every other sale of it is flagged");

    let closes = (0..24).map(|_| {
        let close = op(
            SHANGHAI,
            json!({ "type": "close_shift", "shift_id": shanghai_shift,
                    "counted": [{ "method": "card", "amount": 0 }], "reason": "counted in a race" }),
        );
        let (server, promoter) = (&server, &promoter);
        async move { send(server, promoter, &[close]).await }
    });
    let answers = futures_util::future::join_all(closes).await;
    let closed = answers.iter().filter(|(_, b)| outcomes(b)[0].status == OpStatus::Applied).count();
    assert_eq!(closed, 1, "closed once: {answers:?}");
    for (_, body) in &answers {
        let o = &outcomes(body)[0];
        if o.status != OpStatus::Applied {
            assert_eq!(o.error.as_ref().unwrap().code, ErrorCode::ShiftClosed, "{body}");
        }
    }

    let transfer = Uuid::now_v7();
    let sent = op(
        SHANGHAI,
        json!({ "type": "transfer_out", "transfer_id": transfer, "to_store": BEIJING,
                "lines": [{ "sku": "AC-RACE", "quantity": 3 }] }),
    );
    let (_, body) = send(&server, &promoter, &[sent]).await;
    assert_eq!(outcomes(&body)[0].status, OpStatus::Applied, "{body}");
    let receipts = (0..24).map(|_| {
        let receive = op(BEIJING, json!({ "type": "transfer_in", "transfer_id": transfer }));
        let (server, admin) = (&server, &admin);
        async move { send(server, admin, &[receive]).await }
    });
    let answers = futures_util::future::join_all(receipts).await;
    let applied = answers.iter().filter(|(_, b)| outcomes(b)[0].status == OpStatus::Applied).count();
    assert_eq!(applied, 1, "received once: {answers:?}");
    let (_, body) = server.get(&format!("/v1/stores/{BEIJING}/stock"), &admin).await;
    let report: StockReport = parse(&body);
    assert!(report.balances_agree, "{body}");
    assert_eq!(report.levels.iter().find(|l| l.sku == "AC-RACE").map(|l| l.on_hand), Some(3), "booked in once");
}
