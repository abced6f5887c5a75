//! Rebates against the real server: what the dealer's stores sold onward earns, what was only
//! pushed into the channel does not; rules by the order center only; a period is settled after it
//! ends, for every dealer, once.
use portal_api::*;
use portal_server::demo::{DEALER_EAST, DEMO_PASSWORD, STORE_SHANGHAI};
use portal_tests::server::*;
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

async fn signed_in(server: &TestServer, who: &str) -> String {
    access(&server.sign_in_password(who, DEMO_PASSWORD).await)
}

#[tokio::test]
async fn a_dealer_earns_on_what_their_stores_sold_not_on_what_was_pushed_into_them() {
    let server = TestServer::start(&[]);
    let admin = signed_in(&server, "admin").await;
    let distributor = signed_in(&server, "distributor").await;
    let promoter = signed_in(&server, "promoter").await;
    let (_, body) = server.send(Method::GET, "/v1/catalog/sync?limit=100", Some(&distributor), None).await;
    let (sku, dealer_price, list_price) = parse::<SyncPage>(&body)
        .items
        .into_iter()
        .find_map(|i| match i {
            SyncItem::Product { data: Some(p), .. } if p.category == "accessory" => {
                Some((p.skus[0].code.clone(), p.skus[0].distributor_price.unwrap(), p.skus[0].list_price))
            }
            _ => None,
        })
        .unwrap();

    // Two rules: one on what was sold onward (the default), one on what was bought.
    for (name, basis) in [("sold onward", "sold_onward"), ("bought", "sell_in")] {
        let rule = json!({ "name": name, "basis": basis, "period": "month", "paid_as": "credit",
                           "starts_on": "2026-01-01", "tiers": [{ "from": 1, "basis_points": 200 }] });
        let (status, body) = server.send(Method::POST, "/v1/admin/rebate-rules", Some(&admin), Some(&rule)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(server.send(Method::POST, "/v1/admin/rebate-rules", Some(&distributor), Some(&rule)).await.0, 403);
    }
    let bad = json!({ "name": "down", "basis": "sell_in", "period": "month", "paid_as": "goods", "starts_on": "2026-01-01",
                      "tiers": [{ "from": 100, "basis_points": 100 }, { "from": 50, "basis_points": 200 }] });
    assert_eq!(server.send(Method::POST, "/v1/admin/rebate-rules", Some(&admin), Some(&bad)).await.0, 400);

    // Ten delivered and counted in at the store; three sold.
    let set = json!({ "limit": dealer_price * 100, "reason": "rebate test" });
    server.send(Method::PUT, &format!("/v1/dealers/{DEALER_EAST}/credit"), Some(&admin), Some(&set)).await;
    let id = Uuid::now_v7();
    let order = json!({ "id": id, "dealer_id": DEALER_EAST, "ship_to": STORE_SHANGHAI, "shortfall": "back_order",
                        "lines": [{ "sku": sku, "quantity": 10 }] });
    let (status, body) = server.send(Method::POST, "/v1/orders", Some(&distributor), Some(&order)).await;
    assert_eq!(status, 200, "{body}");
    let step = json!({ "action": "allocate" });
    server.send(Method::POST, &format!("/v1/orders/{id}/steps"), Some(&admin), Some(&step)).await;
    let shipment = Uuid::now_v7();
    let ship = json!({ "shipment_id": shipment, "lines": [{ "sku": sku, "quantity": 10 }] });
    let (status, _) = server.send(Method::POST, &format!("/v1/orders/{id}/shipments"), Some(&admin), Some(&ship)).await;
    assert_eq!(status, 200);
    let shift = Uuid::now_v7();
    let at = portal_server::common::now();
    let ops = json!({ "ops": [
        { "id": Uuid::now_v7(), "store_id": STORE_SHANGHAI, "device_at": at,
          "action": { "type": "shipment_in", "shipment_id": shipment, "lines": [{ "sku": sku, "received": 10 }] } },
        { "id": Uuid::now_v7(), "store_id": STORE_SHANGHAI, "device_at": at,
          "action": { "type": "open_shift", "shift_id": shift, "opening_cash": 0 } },
        { "id": Uuid::now_v7(), "store_id": STORE_SHANGHAI, "device_at": at,
          "action": { "type": "sale", "sale_id": Uuid::now_v7(), "shift_id": shift, "receipt_no": "R-REBATE-1",
                      "lines": [{ "sku": sku, "quantity": 3, "unit_price": list_price, "discount": 0 }],
                      "payments": [{ "method": "card", "amount": list_price * 3 }] } },
    ] });
    let (status, body) = server.send(Method::POST, "/v1/store-ops", Some(&promoter), Some(&ops)).await;
    assert_eq!(status, 200);
    assert!(parse::<StoreOpsResult>(&body).outcomes.iter().all(|o| o.status == OpStatus::Applied), "{body}");

    // What the dealer sees: the sold-onward rule pays on three, the bought one on ten.
    let (status, body) = server.get(&format!("/v1/dealers/{DEALER_EAST}/rebates"), &distributor).await;
    assert_eq!(status, 200, "{body}");
    let rebates: DealerRebates = parse(&body);
    let by_name = |name: &str| rebates.pending.iter().find(|s| s.rule.name == name).unwrap().clone();
    let onward = by_name("sold onward");
    assert_eq!(
        (onward.sell_in, onward.sell_through, onward.basis),
        (dealer_price * 10, dealer_price * 3, dealer_price * 3)
    );
    assert_eq!(onward.amount, dealer_price * 3 * 200 / 10_000);
    assert_eq!(by_name("bought").basis, dealer_price * 10);
    assert_eq!(server.get(&format!("/v1/dealers/{DEALER_EAST}/rebates"), &promoter).await.0, 403);

    // The dealer's stores: what they hold (today's sales count from tomorrow's pace on).
    let (status, body) = server.get(&format!("/v1/dealers/{DEALER_EAST}/supply"), &distributor).await;
    assert_eq!(status, 200, "{body}");
    let supply: SupplyReport = parse(&body);
    let shanghai = supply.stores.iter().find(|s| s.store.id == STORE_SHANGHAI).unwrap();
    assert_eq!(shanghai.lines.iter().find(|l| l.sku == sku).map(|l| l.on_hand), Some(7));
    assert_eq!(server.get(&format!("/v1/dealers/{DEALER_EAST}/supply"), &promoter).await.0, 403);

    // A period is settled after it ends; a past one with nothing in it books nothing, twice over.
    let today = portal_server::distribution::local_time(at)[..10].to_owned();
    let now = json!({ "period": "month", "day": today });
    assert_eq!(server.send(Method::POST, "/v1/admin/rebates/settle", Some(&admin), Some(&now)).await.0, 400);
    let past = json!({ "period": "month", "day": "2026-01-15" });
    for _ in 0..2 {
        let (status, body) = server.send(Method::POST, "/v1/admin/rebates/settle", Some(&admin), Some(&past)).await;
        assert_eq!(status, 200, "{body}");
        let report: SettleReport = parse(&body);
        assert!(report.dealers >= 1);
        assert_eq!(report.credits, 0);
    }
}
