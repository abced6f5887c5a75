//! Dealers' price lists and order rules against the real server: resolved dealer > tier > region >
//! list, kept whole or refused whole, set by whom they belong to; a special price goes to review
//! with the floor shown to the manager and never to the dealer; case packs hold at ordering.
use portal_api::*;
use portal_server::demo::{DEALER_EAST, DEALER_SOUTH, DEMO_PASSWORD, STORE_SHANGHAI};
use portal_tests::server::*;
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

async fn signed_in(server: &TestServer, who: &str) -> String {
    access(&server.sign_in_password(who, DEMO_PASSWORD).await)
}

async fn two_skus(server: &TestServer, token: &str) -> (String, String) {
    let (_, body) = server.send(Method::GET, "/v1/catalog/sync?limit=100", Some(token), None).await;
    let mut skus = parse::<SyncPage>(&body).items.into_iter().filter_map(|i| match i {
        SyncItem::Product { data: Some(p), .. } => Some(p.skus[0].code.clone()),
        _ => None,
    });
    (skus.next().unwrap(), skus.next().unwrap())
}

async fn post_prices(server: &TestServer, token: &str, entries: serde_json::Value) -> (u16, serde_json::Value) {
    server.send(Method::POST, "/v1/price-lists", Some(token), Some(&json!({ "entries": entries }))).await
}

#[tokio::test]
async fn price_lists_resolve_for_the_dealer_kept_whole_or_refused_whole_by_whom_they_belong_to() {
    let server = TestServer::start(&[]);
    let admin = signed_in(&server, "admin").await;
    let sales = signed_in(&server, "sales").await;
    let distributor = signed_in(&server, "distributor").await;
    let promoter = signed_in(&server, "promoter").await;
    let (a, b) = two_skus(&server, &distributor).await;
    let (status, body) = post_prices(
        &server,
        &admin,
        json!([
            { "scope_kind": "list", "sku": a, "price": 500_00, "floor": 450_00, "valid_from": "2026-01-01" },
            { "scope_kind": "dealer", "scope_key": DEALER_EAST, "sku": a, "price": 480_00, "floor": 460_00,
              "valid_from": "2026-01-01", "valid_until": "2099-12-31" },
        ]),
    )
    .await;
    assert_eq!((status, body["kept"].as_u64()), (200, Some(2)), "{body}");

    // Overlapping the kept dealer entry: refused whole, the good entry beside it not kept either.
    let (status, body) = post_prices(
        &server,
        &admin,
        json!([
            { "scope_kind": "dealer", "scope_key": DEALER_EAST, "sku": a, "price": 470_00, "valid_from": "2030-01-01" },
            { "scope_kind": "list", "sku": b, "price": 100_00, "valid_from": "2026-01-01" },
        ]),
    )
    .await;
    let error = error_of(&body);
    assert_eq!((status, error.code, error.field.as_deref()), (422, ErrorCode::PriceListOverlap, Some("entries[0]")));
    let (_, listed) = server.get(&format!("/v1/price-lists?scope_kind=list&sku={b}"), &admin).await;
    assert!(parse::<PriceListPage>(&listed).entries.is_empty(), "nothing of a refused change is kept");
    // A new list price from a day on ends the open-ended one the day before.
    let later = json!([{ "scope_kind": "list", "sku": a, "price": 520_00, "valid_from": "2030-01-01" }]);
    assert_eq!(post_prices(&server, &admin, later).await.0, 200);
    let (_, listed) = server.get(&format!("/v1/price-lists?scope_kind=list&sku={a}&day=2029-12-31"), &admin).await;
    let listed: PriceListPage = parse(&listed);
    assert_eq!(listed.entries[0].valid_until.as_deref(), Some("2029-12-31"));
    let impossible = json!([{ "scope_kind": "list", "sku": b, "price": 100_00, "valid_from": "2026-02-31" }]);
    assert_eq!(post_prices(&server, &admin, impossible).await.0, 400);
    let floor_above =
        json!([{ "scope_kind": "list", "sku": b, "price": 100_00, "floor": 120_00, "valid_from": "2026-01-01" }]);
    assert_eq!(post_prices(&server, &admin, floor_above).await.0, 400);

    // A business manager prices their own dealers only, and not below the brand's floor for them
    // (the list's 450.00 for `a`); nobody else prices at all.
    let low = json!([{ "scope_kind": "dealer", "scope_key": DEALER_EAST, "sku": a, "price": 440_00, "valid_from": "2030-06-01" }]);
    let (status, body) = post_prices(&server, &sales, low).await;
    assert_eq!((status, error_of(&body).field.as_deref()), (403, Some("entries[0]")), "{body}");
    let own = json!([{ "scope_kind": "dealer", "scope_key": DEALER_EAST, "sku": b, "price": 90_00, "valid_from": "2026-01-01" }]);
    assert_eq!(post_prices(&server, &sales, own).await.0, 200);
    let list = json!([{ "scope_kind": "list", "sku": b, "price": 90_00, "valid_from": "2027-01-01" }]);
    assert_eq!(post_prices(&server, &sales, list).await.0, 403);
    let path = format!("/v1/admin/dealers/{DEALER_SOUTH}/links");
    assert_eq!(server.send(Method::PUT, &path, Some(&admin), Some(&json!({ "store_ids": [] }))).await.0, 200);
    let south = json!([{ "scope_kind": "dealer", "scope_key": DEALER_SOUTH, "sku": b, "price": 90_00, "valid_from": "2026-01-01" }]);
    assert_eq!(post_prices(&server, &sales, south).await.0, 403);
    for token in [&distributor, &promoter] {
        assert_eq!(post_prices(&server, token, json!([])).await.0, 403);
        let (status, _) = server.get("/v1/price-lists?scope_kind=list", token).await;
        assert_eq!(status, 403);
    }

    // A gold dealer: the tier's price beats the list's for a SKU the dealer has no price of.
    let links = json!({ "store_ids": [], "tier": "gold" });
    let path = format!("/v1/admin/dealers/{DEALER_SOUTH}/links");
    assert_eq!(server.send(Method::PUT, &path, Some(&admin), Some(&links)).await.0, 200);
    let gold = json!([{ "scope_kind": "tier", "scope_key": "gold", "sku": b, "price": 95_00, "valid_from": "2026-01-01" },
                      { "scope_kind": "list", "sku": b, "price": 99_00, "valid_from": "2026-01-01" }]);
    assert_eq!(post_prices(&server, &admin, gold).await.0, 200);
    let q = json!({ "lines": [{ "sku": b, "quantity": 1 }] });
    let (_, body) =
        server.send(Method::POST, &format!("/v1/dealers/{DEALER_SOUTH}/quote"), Some(&admin), Some(&q)).await;
    let south: Quote = parse(&body);
    assert_eq!((south.lines[0].unit_price, south.lines[0].price_source.as_str()), (95_00, "tier"), "{body}");

    // The dealer's own price wins; its floor is never shown to the dealer.
    let quote = json!({ "lines": [{ "sku": a, "quantity": 1 }, { "sku": b, "quantity": 1, "asked_price": 80_00 }] });
    let (status, body) =
        server.send(Method::POST, &format!("/v1/dealers/{DEALER_EAST}/quote"), Some(&distributor), Some(&quote)).await;
    assert_eq!(status, 200, "{body}");
    let quoted: Quote = parse(&body);
    assert_eq!((quoted.lines[0].unit_price, quoted.lines[0].price_source.as_str()), (480_00, "dealer"));
    assert!(quoted.lines.iter().all(|l| l.floor.is_none()), "no floor for the dealer: {body}");
    assert!(quoted.lines[1].special_price);
    assert_eq!(quoted.goes_to, OrderStatus::PriceReview);

    // A special price sends the order to price review; the manager sees the floor.
    let id = Uuid::now_v7();
    let order = json!({ "id": id, "dealer_id": DEALER_EAST, "ship_to": STORE_SHANGHAI, "shortfall": "back_order",
                        "lines": [{ "sku": a, "quantity": 1, "asked_price": 455_00 }] });
    let (status, body) = server.send(Method::POST, "/v1/orders", Some(&distributor), Some(&order)).await;
    assert_eq!(status, 200, "{body}");
    let placed: Order = parse(&body);
    assert_eq!(placed.status, OrderStatus::PriceReview);
    assert!(placed.lines[0].floor.is_none() && !placed.lines[0].below_floor);
    let (_, body) = server.get(&format!("/v1/orders/{id}"), &sales).await;
    let seen: Order = parse(&body);
    assert_eq!((seen.lines[0].floor, seen.lines[0].below_floor), (Some(460_00), true));

    // Case packs hold when ordering: the line is named and its nearest whole cases offered.
    let rule = json!({ "min_order": 2, "case_pack": 2 });
    let path = format!("/v1/admin/order-rules/{a}");
    assert_eq!(server.send(Method::PUT, &path, Some(&sales), Some(&rule)).await.0, 403);
    assert_eq!(server.send(Method::PUT, &path, Some(&admin), Some(&rule)).await.0, 200);
    let odd = json!({ "id": Uuid::now_v7(), "dealer_id": DEALER_EAST, "ship_to": STORE_SHANGHAI, "shortfall": "back_order",
                      "lines": [{ "sku": b, "quantity": 1 }, { "sku": a, "quantity": 3 }] });
    let (status, body) = server.send(Method::POST, "/v1/orders", Some(&distributor), Some(&odd)).await;
    let error = error_of(&body);
    assert_eq!((status, error.field.as_deref()), (422, Some("lines[1]")));
    assert_eq!(error.detail.unwrap().key, "not_whole_cases");
}
