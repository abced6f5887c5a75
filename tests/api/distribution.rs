//! Distribution against the real server: a dealer's order priced by the server, over the credit
//! line and released by the business manager, allocated, shipped, counted in at the store and
//! invoiced; scope (a distributor sees only their dealer, a business manager only theirs, a
//! promoter never a dealer price); races over the credit line and over a review; bad input.
use portal_api::*;
use portal_server::demo::{DEALER_EAST, DEALER_SOUTH, DEMO_PASSWORD, STORE_SHANGHAI, STORE_SHENZHEN};
use portal_tests::server::*;
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

/// SKUs the demo catalog sells to dealers, with their dealer price.
async fn dealer_skus(server: &TestServer, token: &str, n: usize) -> Vec<(String, i64)> {
    let (status, body) = server.send(Method::GET, "/v1/catalog/sync?limit=200", Some(token), None).await;
    assert_eq!(status, 200, "{body}");
    let page: SyncPage = parse(&body);
    let mut skus = Vec::new();
    for item in page.items {
        if let SyncItem::Product { data: Some(product), .. } = item {
            for sku in product.skus {
                if let Some(price) = sku.distributor_price {
                    skus.push((sku.code, price));
                }
            }
        }
    }
    assert!(skus.len() >= n, "the demo catalog has dealer prices");
    skus.truncate(n);
    skus
}

fn order_body(id: Uuid, dealer: Uuid, store: Uuid, lines: &[(&str, u32)]) -> Value {
    let lines: Vec<Value> = lines.iter().map(|(sku, q)| json!({ "sku": sku, "quantity": q })).collect();
    json!({ "id": id, "dealer_id": dealer, "ship_to": store, "lines": lines, "shortfall": "back_order" })
}

async fn place(server: &TestServer, token: &str, body: &Value) -> (u16, Value) {
    server.send(Method::POST, "/v1/orders", Some(token), Some(body)).await
}

async fn step(server: &TestServer, token: &str, order: Uuid, action: &str, reason: Option<&str>) -> (u16, Value) {
    let body = json!({ "action": action, "reason": reason });
    server.send(Method::POST, &format!("/v1/orders/{order}/steps"), Some(token), Some(&body)).await
}

async fn set_credit(server: &TestServer, token: &str, dealer: Uuid, limit: i64) -> (u16, Value) {
    let body = json!({ "limit": limit, "reason": "test" });
    server.send(Method::PUT, &format!("/v1/dealers/{dealer}/credit"), Some(token), Some(&body)).await
}

async fn signed_in(server: &TestServer, who: &str) -> String {
    access(&server.sign_in_password(who, DEMO_PASSWORD).await)
}

#[tokio::test]
async fn an_order_over_the_line_is_released_shipped_counted_in_and_invoiced() {
    let server = TestServer::start(&[]);
    let distributor = signed_in(&server, "distributor").await;
    let sales = signed_in(&server, "sales").await;
    let admin = signed_in(&server, "admin").await;
    let promoter = signed_in(&server, "promoter").await;
    let skus = dealer_skus(&server, &distributor, 2).await;
    let (sku, price) = (skus[0].0.as_str(), skus[0].1);

    // The desk: the dealer's stores and credit; the quote reports each bad line, orders nothing.
    let (status, desk) = server.get(&format!("/v1/dealers/{DEALER_EAST}/desk"), &distributor).await;
    assert_eq!(status, 200, "{desk}");
    let desk: DealerDesk = parse(&desk);
    assert!(desk.stores.iter().any(|s| s.id == STORE_SHANGHAI));
    let quote_body = json!({ "lines": [{ "sku": sku, "quantity": 2 }, { "sku": "NO-SUCH-SKU", "quantity": 1 }] });
    let path = format!("/v1/dealers/{DEALER_EAST}/quote");
    let (status, quote) = server.send(Method::POST, &path, Some(&distributor), Some(&quote_body)).await;
    assert_eq!(status, 200, "{quote}");
    let quote: Quote = parse(&quote);
    assert_eq!((quote.lines.len(), quote.problems.len()), (1, 1));
    assert_eq!(quote.problems[0].key, "unknown_sku");
    assert_eq!(quote.lines[0].unit_price, price, "the catalog's dealer price when no list holds");

    // An order beyond the line waits for the business manager.
    let (status, _) = set_credit(&server, &sales, DEALER_EAST, price * 5).await;
    assert_eq!(status, 200);
    let id = Uuid::now_v7();
    let (status, body) = place(&server, &distributor, &order_body(id, DEALER_EAST, STORE_SHANGHAI, &[(sku, 10)])).await;
    assert_eq!(status, 200, "{body}");
    let order: Order = parse(&body);
    assert_eq!((order.status, order.total, order.credit_held), (OrderStatus::CreditReview, price * 10, 0));
    let (status, _) = step(&server, &distributor, id, "release_credit", None).await;
    assert_eq!(status, 403, "a dealer does not release their own credit");
    let (status, desk) = server.get("/v1/business/desk", &sales).await;
    assert_eq!(status, 200, "{desk}");
    let desk: BusinessDesk = parse(&desk);
    assert!(desk.waiting.iter().any(|o| o.id == id));
    let (status, body) = step(&server, &sales, id, "release_credit", Some("a good customer")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(parse::<Order>(&body).status, OrderStatus::Confirmed);

    // The order center allocates and ships in two parts; the store counts each in.
    assert_eq!(step(&server, &admin, id, "allocate", None).await.0, 200);
    let ship = |n: u32| json!({ "shipment_id": Uuid::now_v7(), "lines": [{ "sku": sku, "quantity": n }] });
    let path = format!("/v1/orders/{id}/shipments");
    let (status, _) = server.send(Method::POST, &path, Some(&distributor), Some(&ship(4))).await;
    assert_eq!(status, 403, "only the order center ships");
    let (status, body) = server.send(Method::POST, &path, Some(&admin), Some(&ship(4))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(parse::<Order>(&body).status, OrderStatus::PartlyShipped);
    let (status, expected) = server.get(&format!("/v1/stores/{STORE_SHANGHAI}/shipments"), &promoter).await;
    assert_eq!(status, 200, "{expected}");
    assert!(!expected.to_string().contains("price"), "a promoter never sees a dealer price: {expected}");
    let expected: ShipmentList = parse(&expected);
    let first = expected.shipments.iter().find(|s| s.order_id == id).unwrap().id;
    let count = |shipment: Uuid, received: i64| {
        json!({ "ops": [{ "id": Uuid::now_v7(), "store_id": STORE_SHANGHAI, "device_at": 1_795_312_800,
                "action": { "type": "shipment_in", "shipment_id": shipment,
                            "lines": [{ "sku": sku, "received": received, "damaged": 0 }] } }] })
    };
    let (status, body) = server.send(Method::POST, "/v1/store-ops", Some(&promoter), Some(&count(first, 5))).await;
    assert_eq!(status, 200);
    let outcome = &parse::<StoreOpsResult>(&body).outcomes[0];
    assert_eq!(outcome.error.as_ref().map(|e| e.code), Some(ErrorCode::ReceiptExceedsShipment), "{body}");
    let (_, body) = server.send(Method::POST, "/v1/store-ops", Some(&promoter), Some(&count(first, 4))).await;
    assert_eq!(parse::<StoreOpsResult>(&body).outcomes[0].status, OpStatus::Applied, "{body}");
    let (status, body) = server.send(Method::POST, &path, Some(&admin), Some(&ship(6))).await;
    assert_eq!(status, 200, "{body}");
    let shipped: Order = parse(&body);
    assert_eq!(shipped.status, OrderStatus::Shipped);
    let second = shipped.shipments.iter().find(|s| s.received_at.is_none()).unwrap().id;
    let (_, body) = server.send(Method::POST, "/v1/store-ops", Some(&promoter), Some(&count(second, 6))).await;
    assert_eq!(parse::<StoreOpsResult>(&body).outcomes[0].status, OpStatus::Applied, "{body}");

    // The store's ledger and the order agree; the invoice is owed.
    let (_, stock) = server.get(&format!("/v1/stores/{STORE_SHANGHAI}/stock"), &promoter).await;
    let stock: StockReport = parse(&stock);
    assert_eq!(stock.levels.iter().find(|l| l.sku == sku).map(|l| l.on_hand), Some(10));
    let (_, body) = server.get(&format!("/v1/orders/{id}"), &distributor).await;
    let received: Order = parse(&body);
    assert_eq!(received.status, OrderStatus::Received);
    assert_eq!(received.lines[0].received, 10);
    let (status, body) = step(&server, &admin, id, "invoice", None).await;
    assert_eq!(status, 200, "{body}");
    let (_, credit) = server.get(&format!("/v1/dealers/{DEALER_EAST}/credit"), &distributor).await;
    let credit: CreditLine = parse(&credit);
    assert_eq!((credit.receivables, credit.reserved), (price * 10, 0));
    let actions: Vec<String> = parse::<Order>(&body).steps.iter().map(|s| s.action.clone()).collect();
    assert_eq!(actions, ["submitted", "release_credit", "allocate", "ship", "ship", "receive", "invoice"]);

    // A payment against it (the order center's, once per reference), and the month's statement.
    let pay = json!({ "reference": "BANK-0001", "amount": price * 4 });
    let path = format!("/v1/dealers/{DEALER_EAST}/payments");
    assert_eq!(server.send(Method::POST, &path, Some(&distributor), Some(&pay)).await.0, 403);
    for _ in 0..2 {
        let (status, body) = server.send(Method::POST, &path, Some(&admin), Some(&pay)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(parse::<CreditLine>(&body).receivables, price * 6, "booked once");
    }
    let today = portal_server::distribution::local_time(portal_server::common::now())[..10].to_owned();
    let path = format!("/v1/dealers/{DEALER_EAST}/statement?from={today}&to={today}");
    let (status, body) = server.get(&path, &distributor).await;
    assert_eq!(status, 200, "{body}");
    let statement: Statement = parse(&body);
    let kinds: Vec<&str> = statement.lines.iter().map(|l| l.kind.as_str()).collect();
    assert!(kinds.ends_with(&["reserve", "release", "invoice", "payment"]), "{kinds:?}");
    assert_eq!((statement.closing_receivables, statement.closing_reserved), (price * 6, 0));
    let response = reqwest::Client::new()
        .get(server.url(&format!("{path}&format=csv")))
        .bearer_auth(&distributor)
        .send()
        .await
        .unwrap();
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = String::from_utf8(response.bytes().await.unwrap().to_vec()).unwrap();
    assert!(csv.starts_with("\u{feff}time,kind,amount,order,reason,receivables,reserved,credit_line\n"), "{csv}");
    assert!(csv.contains(",payment,") && csv.contains("BANK-0001"), "{csv}");
    assert_eq!(server.get(&path, &promoter).await.0, 403, "a promoter reads no dealer's statement");

    // A prepayment (预存款) booked once by the order center; the dealer pays part of what they owe
    // from it, never more than it holds; the business manager pays nothing for them.
    let deposit = json!({ "reference": "PRE-0001", "amount": price * 2 });
    let path = format!("/v1/dealers/{DEALER_EAST}/prepayments");
    for token in [&distributor, &sales] {
        assert_eq!(server.send(Method::POST, &path, Some(token), Some(&deposit)).await.0, 403);
    }
    for _ in 0..2 {
        let (status, body) = server.send(Method::POST, &path, Some(&admin), Some(&deposit)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(parse::<DealerFunds>(&body).prepayment, price * 2, "booked once");
    }
    let path = format!("/v1/dealers/{DEALER_EAST}/payments");
    let from_prepayment =
        |amount: i64, reference: &str| json!({ "reference": reference, "amount": amount, "source": "prepayment" });
    assert_eq!(server.send(Method::POST, &path, Some(&sales), Some(&from_prepayment(price, "P-1"))).await.0, 403);
    let (status, body) =
        server.send(Method::POST, &path, Some(&distributor), Some(&from_prepayment(price * 3, "P-1"))).await;
    assert_eq!((status, error_of(&body).code), (400, ErrorCode::InvalidParameter), "more than the prepayment holds");
    let (status, body) =
        server.send(Method::POST, &path, Some(&distributor), Some(&from_prepayment(price, "P-2"))).await;
    assert_eq!((status, parse::<CreditLine>(&body).receivables), (200, price * 5), "{body}");
    let (_, body) = server.get(&format!("/v1/dealers/{DEALER_EAST}/funds"), &distributor).await;
    let funds: DealerFunds = parse(&body);
    assert_eq!((funds.prepayment, funds.rebate), (price, 0));
    let kinds: Vec<FundsKind> = funds.movements.iter().map(|m| m.kind).collect();
    assert_eq!(kinds, [FundsKind::PaidFromPrepayment, FundsKind::Deposit]);
    assert_eq!(server.get(&format!("/v1/dealers/{DEALER_EAST}/funds"), &promoter).await.0, 403);

    // Each change reached the distributor's inbox.
    let (_, inbox) = server.get("/v1/me/inbox", &distributor).await;
    let inbox: Inbox = parse(&inbox);
    assert_eq!(inbox.messages.iter().filter(|m| m.kind == TriggerKind::OrderUpdate).count(), 7);
}

#[tokio::test]
async fn each_role_sees_only_its_own_dealers_and_never_a_dealer_price_it_should_not() {
    let server = TestServer::start(&[]);
    let distributor = signed_in(&server, "distributor").await;
    let sales = signed_in(&server, "sales").await;
    let consumer = signed_in(&server, "consumer").await;
    let promoter = signed_in(&server, "promoter").await;
    let operator = signed_in(&server, "operator").await;
    let skus = dealer_skus(&server, &distributor, 1).await;
    let (status, body) =
        place(&server, &distributor, &order_body(Uuid::now_v7(), DEALER_EAST, STORE_SHANGHAI, &[(&skus[0].0, 1)]))
            .await;
    assert_eq!(status, 200, "{body}");
    let order: Order = parse(&body);

    for token in [&consumer, &promoter, &operator] {
        for path in [
            format!("/v1/dealers/{DEALER_EAST}/desk"),
            format!("/v1/dealers/{DEALER_EAST}/credit"),
            format!("/v1/dealers/{DEALER_EAST}/orders"),
            "/v1/business/desk".to_owned(),
        ] {
            let (status, _) = server.get(&path, token).await;
            assert_eq!(status, 403, "{path}");
        }
        let (status, _) = server.get(&format!("/v1/orders/{}", order.id), token).await;
        assert_eq!(status, 404, "an order outside one's scope is not there");
        let quote = json!({ "lines": [{ "sku": skus[0].0, "quantity": 1 }] });
        let path = format!("/v1/dealers/{DEALER_EAST}/quote");
        assert_eq!(server.send(Method::POST, &path, Some(token), Some(&quote)).await.0, 403);
    }
    // The east dealer's distributor sees nothing of the south; cannot order for it nor to a store it does not supply.
    assert_eq!(server.get(&format!("/v1/dealers/{DEALER_SOUTH}/orders"), &distributor).await.0, 403);
    let south = order_body(Uuid::now_v7(), DEALER_SOUTH, STORE_SHENZHEN, &[(&skus[0].0, 1)]);
    assert_eq!(place(&server, &distributor, &south).await.0, 403);
    let elsewhere = order_body(Uuid::now_v7(), DEALER_EAST, STORE_SHENZHEN, &[(&skus[0].0, 1)]);
    let (status, body) = place(&server, &distributor, &elsewhere).await;
    assert_eq!((status, error_of(&body).code), (422, ErrorCode::InvalidOrder));
    // The business manager sees their dealers' orders, and not a dealer given to nobody.
    let (status, list) = server.get("/v1/orders", &sales).await;
    assert_eq!(status, 200);
    assert!(parse::<OrderList>(&list).orders.iter().any(|o| o.id == order.id));
    let admin = signed_in(&server, "admin").await;
    let unmanaged = json!({ "store_ids": [STORE_SHENZHEN] });
    let path = format!("/v1/admin/dealers/{DEALER_SOUTH}/links");
    assert_eq!(server.send(Method::PUT, &path, Some(&admin), Some(&unmanaged)).await.0, 200);
    assert_eq!(server.get(&format!("/v1/dealers/{DEALER_SOUTH}/credit"), &sales).await.0, 403);
    // Nor may a business manager set a line above their authority.
    let (status, body) = set_credit(&server, &sales, DEALER_EAST, 10_000_000_00).await;
    assert_eq!((status, error_of(&body).code), (403, ErrorCode::Forbidden));
    // A promoter's and a consumer's catalog carry no dealer price.
    for token in [&promoter, &consumer] {
        let (_, page) = server.send(Method::GET, "/v1/catalog/sync?limit=50", Some(token), None).await;
        assert!(!page.to_string().contains("distributor_price"), "no dealer price for this role");
    }
}

#[tokio::test]
async fn orders_that_together_pass_the_credit_line_are_never_all_confirmed() {
    let server = TestServer::start(&[]);
    let distributor = signed_in(&server, "distributor").await;
    let admin = signed_in(&server, "admin").await;
    let (sku, price) = dealer_skus(&server, &distributor, 1).await.remove(0);
    assert_eq!(set_credit(&server, &admin, DEALER_EAST, price * 7).await.0, 200);
    let tasks: Vec<_> = (0..24)
        .map(|_| {
            let (server_url, token, sku) = (server.url("/v1/orders"), distributor.clone(), sku.clone());
            tokio::spawn(async move {
                let body = order_body(Uuid::now_v7(), DEALER_EAST, STORE_SHANGHAI, &[(&sku, 1)]);
                let response =
                    reqwest::Client::new().post(server_url).bearer_auth(token).json(&body).send().await.unwrap();
                assert_eq!(response.status(), 200);
                response.json::<Order>().await.unwrap().status
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == OrderStatus::Confirmed).count(), 7, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == OrderStatus::CreditReview).count(), 17);
    let (_, credit) = server.get(&format!("/v1/dealers/{DEALER_EAST}/credit"), &distributor).await;
    let credit: CreditLine = parse(&credit);
    assert_eq!((credit.reserved, credit.available), (price * 7, 0));
    // The line cannot now be lowered below what is reserved.
    let (status, body) = set_credit(&server, &admin, DEALER_EAST, price * 7 - 1).await;
    assert_eq!((status, error_of(&body).code), (422, ErrorCode::InvalidCreditLimit));
}

#[tokio::test]
async fn one_order_released_and_rejected_at_once_is_one_or_the_other() {
    let server = TestServer::start(&[]);
    let distributor = signed_in(&server, "distributor").await;
    let sales = signed_in(&server, "sales").await;
    let admin = signed_in(&server, "admin").await;
    let (sku, _) = dealer_skus(&server, &distributor, 1).await.remove(0);
    assert_eq!(set_credit(&server, &sales, DEALER_EAST, 0).await.0, 200);
    let id = Uuid::now_v7();
    assert_eq!(place(&server, &distributor, &order_body(id, DEALER_EAST, STORE_SHANGHAI, &[(&sku, 3)])).await.0, 200);
    let tasks: Vec<_> = (0..24)
        .map(|i| {
            let url = server.url(&format!("/v1/orders/{id}/steps"));
            let token = if i % 2 == 0 { sales.clone() } else { admin.clone() };
            let action = if i % 3 == 0 { "release_credit" } else { "reject_credit" };
            tokio::spawn(async move {
                let body = json!({ "action": action, "reason": "decided" });
                reqwest::Client::new().post(url).bearer_auth(token).json(&body).send().await.unwrap().status().as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 422), "{statuses:?}");
    let (_, body) = server.get(&format!("/v1/orders/{id}"), &distributor).await;
    let order: Order = parse(&body);
    assert_eq!(order.steps.len(), 2);
    let (_, credit) = server.get(&format!("/v1/dealers/{DEALER_EAST}/credit"), &distributor).await;
    let reserved = parse::<CreditLine>(&credit).reserved;
    match order.status {
        OrderStatus::Confirmed => assert_eq!(reserved, order.total),
        OrderStatus::Rejected => assert_eq!(reserved, 0),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_retried_order_lands_once_and_bad_orders_are_refused_with_their_line() {
    let server = TestServer::start(&[]);
    let distributor = signed_in(&server, "distributor").await;
    let admin = signed_in(&server, "admin").await;
    let skus = dealer_skus(&server, &distributor, 3).await;
    let id = Uuid::now_v7();
    let body = order_body(id, DEALER_EAST, STORE_SHANGHAI, &[(&skus[0].0, 2)]);
    let (status, first) = place(&server, &distributor, &body).await;
    assert_eq!(status, 200, "{first}");
    let (status, again) = place(&server, &distributor, &body).await;
    assert_eq!((status, &again), (200, &first), "the outbox's retry lands once");
    let (_, list) = server.get(&format!("/v1/dealers/{DEALER_EAST}/orders"), &distributor).await;
    assert_eq!(parse::<OrderList>(&list).orders.iter().filter(|o| o.id == id).count(), 1);
    let changed = order_body(id, DEALER_EAST, STORE_SHANGHAI, &[(&skus[0].0, 3)]);
    let (status, body) = place(&server, &distributor, &changed).await;
    assert_eq!((status, error_of(&body).code), (409, ErrorCode::IdempotencyConflict));

    // Unknown SKUs and a withdrawn product are refused with their line and nothing is placed.
    let bad = order_body(Uuid::now_v7(), DEALER_EAST, STORE_SHANGHAI, &[(&skus[1].0, 1), ("NO-SUCH", 1)]);
    let (status, body) = place(&server, &distributor, &bad).await;
    let error = error_of(&body);
    assert_eq!((status, error.code, error.field.as_deref()), (422, ErrorCode::InvalidOrder, Some("lines[1]")));
    assert_eq!(error.detail.unwrap().key, "unknown_sku");
    let (_, product) = server.send(Method::GET, "/v1/catalog/sync?limit=200", Some(&distributor), None).await;
    let model = parse::<SyncPage>(&product)
        .items
        .into_iter()
        .find_map(|i| match i {
            SyncItem::Product { data: Some(p), .. } if p.skus.iter().any(|s| s.code == skus[2].0) => Some(p.model),
            _ => None,
        })
        .unwrap();
    let path = format!("/v1/admin/catalog/products/{model}");
    assert_eq!(server.send(Method::DELETE, &path, Some(&admin), None).await.0, 204);
    let withdrawn = order_body(Uuid::now_v7(), DEALER_EAST, STORE_SHANGHAI, &[(&skus[2].0, 1)]);
    let (status, body) = place(&server, &distributor, &withdrawn).await;
    assert_eq!((status, error_of(&body).detail.unwrap().key.as_str()), (422, "unknown_sku"));
    let zero = order_body(Uuid::now_v7(), DEALER_EAST, STORE_SHANGHAI, &[(&skus[1].0, 0)]);
    assert_eq!(place(&server, &distributor, &zero).await.0, 422);
    let (status, body) = step(&server, &distributor, id, "cancel", None).await;
    assert_eq!((status, error_of(&body).code), (422, ErrorCode::ReasonRequired));
    let (status, body) = step(&server, &distributor, id, "cancel", Some("ordered by mistake")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(parse::<Order>(&body).status, OrderStatus::Cancelled);
}
