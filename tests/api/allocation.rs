//! Allocation and demand plans against the real server: only the order center runs an allocation;
//! a run shares a scarce SKU among the waiting orders, each order shows what it got and why and
//! ships no more; a retried run lands once and its id cannot be reused for another; runs made at
//! once (over every instance) never give more than was asked. A dealer reads their demand plan;
//! only their business manager (or the order center) sets it, within bounds.
use portal_api::*;
use portal_server::demo::{DEALER_EAST, DEMO_PASSWORD, STORE_SHANGHAI};
use portal_tests::server::*;
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

async fn signed_in(server: &TestServer, who: &str) -> String {
    access(&server.sign_in_password(who, DEMO_PASSWORD).await)
}

/// A SKU the demo catalog sells to dealers.
async fn dealer_sku(server: &TestServer, token: &str) -> String {
    let (_, body) = server.send(Method::GET, "/v1/catalog/sync?limit=200", Some(token), None).await;
    let page: SyncPage = parse(&body);
    page.items
        .into_iter()
        .find_map(|item| match item {
            SyncItem::Product { data: Some(p), .. } => p.skus.into_iter().find(|s| s.distributor_price.is_some()),
            _ => None,
        })
        .expect("a SKU with a dealer price")
        .code
}

/// A confirmed order of `quantity` units of the SKU from the east dealer.
async fn order(server: &TestServer, distributor: &str, sku: &str, quantity: u32) -> Uuid {
    let id = Uuid::now_v7();
    let body = json!({ "id": id, "dealer_id": DEALER_EAST, "ship_to": STORE_SHANGHAI, "shortfall": "back_order",
                       "lines": [{ "sku": sku, "quantity": quantity }] });
    let (status, placed) = server.send(Method::POST, "/v1/orders", Some(distributor), Some(&body)).await;
    assert_eq!(status, 200, "{placed}");
    assert_eq!(parse::<Order>(&placed).status, OrderStatus::Confirmed);
    id
}

fn run_body(id: Uuid, sku: &str, available: u32) -> serde_json::Value {
    json!({ "id": id, "sku": sku, "available": available, "basis": "ordered", "priority_tiers": ["gold"] })
}

#[tokio::test]
async fn the_order_center_shares_a_scarce_sku_and_each_order_shows_why() {
    let server = TestServer::start(&[]);
    let (distributor, sales, admin) =
        (signed_in(&server, "distributor").await, signed_in(&server, "sales").await, signed_in(&server, "admin").await);
    let sku = dealer_sku(&server, &distributor).await;
    let small = order(&server, &distributor, &sku, 2).await;
    let large = order(&server, &distributor, &sku, 6).await;

    // Only the order center sees the demand and runs an allocation.
    let demand = format!("/v1/admin/allocations/demand?sku={sku}");
    for token in [&distributor, &sales] {
        assert_eq!(server.get(&demand, token).await.0, 403);
        let (status, _) = server
            .send(Method::POST, "/v1/admin/allocations", Some(token), Some(&run_body(Uuid::now_v7(), &sku, 4)))
            .await;
        assert_eq!(status, 403);
    }
    let (status, body) = server.get(&demand, &admin).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(parse::<AllocationDemand>(&body).wanted, 8);

    // Four units for eight wanted, shared by what each asked: 1 and 3.
    let id = Uuid::now_v7();
    let (status, body) =
        server.send(Method::POST, "/v1/admin/allocations", Some(&admin), Some(&run_body(id, &sku, 4))).await;
    assert_eq!(status, 200, "{body}");
    let report: AllocationReport = parse(&body);
    assert_eq!((report.orders, report.wanted, report.granted), (2, 8, 4));
    let given = |order: Uuid| report.grants.iter().find(|g| g.order_id == order).unwrap().granted;
    assert_eq!((given(small), given(large)), (1, 3));
    assert_eq!(report.grants[0].priority, 1, "the demo dealers are gold");

    // A retry answers the same run; the id with another body is a conflict.
    let (status, again) =
        server.send(Method::POST, "/v1/admin/allocations", Some(&admin), Some(&run_body(id, &sku, 4))).await;
    assert_eq!((status, parse::<AllocationReport>(&again)), (200, report.clone()));
    let (status, body) =
        server.send(Method::POST, "/v1/admin/allocations", Some(&admin), Some(&run_body(id, &sku, 5))).await;
    assert_eq!((status, error_of(&body).code), (409, ErrorCode::IdempotencyConflict));

    // The dealer sees what the order got and why; no more than that ships.
    let (status, body) = server.get(&format!("/v1/orders/{large}"), &distributor).await;
    assert_eq!(status, 200);
    let read: Order = parse(&body);
    assert_eq!(read.status, OrderStatus::Allocated);
    let allocation = read.lines[0].allocation.clone().unwrap();
    assert_eq!((allocation.allocated, allocation.reason), (3, AllocationReason::Share { shared: 4 }));
    let path = format!("/v1/orders/{large}/shipments");
    let ship = |n: u32| json!({ "shipment_id": Uuid::now_v7(), "lines": [{ "sku": sku, "quantity": n }] });
    let (status, body) = server.send(Method::POST, &path, Some(&admin), Some(&ship(4))).await;
    assert_eq!((status, error_of(&body).code), (422, ErrorCode::InvalidOrder), "{body}");
    let (status, body) = server.send(Method::POST, &path, Some(&admin), Some(&ship(3))).await;
    assert_eq!((status, parse::<Order>(&body).status), (200, OrderStatus::PartlyShipped));

    // Bad input: a SKU too long, too many units, a tier too long.
    for bad in [
        json!({ "id": Uuid::now_v7(), "sku": "X".repeat(65), "available": 1, "basis": "plan" }),
        json!({ "id": Uuid::now_v7(), "sku": sku, "available": 20_000_000, "basis": "plan" }),
        json!({ "id": Uuid::now_v7(), "sku": sku, "available": 1, "basis": "plan", "priority_tiers": ["x".repeat(33)] }),
    ] {
        let (status, body) = server.send(Method::POST, "/v1/admin/allocations", Some(&admin), Some(&bad)).await;
        assert_eq!((status, error_of(&body).code), (400, ErrorCode::InvalidParameter), "{bad}");
    }
}

#[tokio::test]
async fn runs_made_at_once_never_give_more_than_the_orders_asked() {
    let server = TestServer::start(&[]);
    let (distributor, admin) = (signed_in(&server, "distributor").await, signed_in(&server, "admin").await);
    let sku = dealer_sku(&server, &distributor).await;
    let mut orders = Vec::new();
    for _ in 0..3 {
        orders.push(order(&server, &distributor, &sku, 5).await);
    }
    // 24 runs of one unit each, at once: 15 are given, 9 find nothing left to give.
    let tasks: Vec<_> = (0..24)
        .map(|_| {
            let (url, admin, body) =
                (server.url("/v1/admin/allocations"), admin.clone(), run_body(Uuid::now_v7(), &sku, 1));
            tokio::spawn(async move {
                let response = reqwest::Client::new().post(url).bearer_auth(admin).json(&body).send().await.unwrap();
                let status = response.status().as_u16();
                (status, response.json::<serde_json::Value>().await.unwrap())
            })
        })
        .collect();
    let mut granted = 0;
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, 200, "{body}");
        granted += parse::<AllocationReport>(&body).granted;
    }
    assert_eq!(granted, 15);
    for id in orders {
        let (_, body) = server.get(&format!("/v1/orders/{id}"), &admin).await;
        assert_eq!(parse::<Order>(&body).lines[0].allocation.as_ref().unwrap().allocated, 5);
    }
}

#[tokio::test]
async fn a_dealer_reads_their_demand_plan_and_only_their_manager_sets_it() {
    let server = TestServer::start(&[]);
    let (distributor, sales, promoter) = (
        signed_in(&server, "distributor").await,
        signed_in(&server, "sales").await,
        signed_in(&server, "promoter").await,
    );
    let sku = dealer_sku(&server, &distributor).await;
    let path = format!("/v1/dealers/{DEALER_EAST}/demand-plan");
    let (status, body) = server.get(&path, &distributor).await;
    assert_eq!(status, 200, "{body}");
    let plan: DemandPlan = parse(&body);
    assert_eq!((plan.months.len(), plan.history_months.len()), (3, 6));
    assert_eq!(server.get(&path, &promoter).await.0, 403);

    let month = plan.months[1].clone();
    let set = json!({ "entries": [{ "sku": sku, "month": month, "quantity": 120 }] });
    assert_eq!(server.send(Method::PUT, &path, Some(&distributor), Some(&set)).await.0, 403);
    let (status, body) = server.send(Method::PUT, &path, Some(&sales), Some(&set)).await;
    assert_eq!(status, 200, "{body}");
    let plan: DemandPlan = parse(&body);
    let row = plan.rows.iter().find(|r| r.sku == sku).expect("the planned SKU is shown");
    assert_eq!(row.cells[1].planned, Some(120));
    assert_eq!(row.cells[0].planned, None);

    // Bad input: a month past the plan's reach, an unknown SKU, too many units, a cell twice.
    for bad in [
        json!({ "entries": [{ "sku": sku, "month": "2020-01", "quantity": 1 }] }),
        json!({ "entries": [{ "sku": sku, "month": "2026-13", "quantity": 1 }] }),
        json!({ "entries": [{ "sku": "NO-SUCH-SKU", "month": month, "quantity": 1 }] }),
        json!({ "entries": [{ "sku": sku, "month": month, "quantity": 2_000_000 }] }),
        json!({ "entries": [{ "sku": sku, "month": month, "quantity": 1 }, { "sku": sku, "month": month, "quantity": 2 }] }),
        json!({ "entries": [] }),
    ] {
        let (status, body) = server.send(Method::PUT, &path, Some(&sales), Some(&bad)).await;
        assert_eq!((status, error_of(&body).code), (400, ErrorCode::InvalidParameter), "{bad}");
    }
}

#[tokio::test]
async fn a_business_manager_sees_each_dealers_trends_and_a_promoter_does_not() {
    let server = TestServer::start(&[]);
    let (distributor, sales, promoter) = (
        signed_in(&server, "distributor").await,
        signed_in(&server, "sales").await,
        signed_in(&server, "promoter").await,
    );
    let sku = dealer_sku(&server, &distributor).await;
    order(&server, &distributor, &sku, 2).await;
    let path = format!("/v1/dealers/{DEALER_EAST}/trends");
    let (status, body) = server.get(&path, &sales).await;
    assert_eq!(status, 200, "{body}");
    let trends: DealerTrends = parse(&body);
    assert_eq!(trends.months.len(), 6);
    assert!(*trends.ordered.values.last().unwrap() > 0, "this month's order counts");
    assert_eq!(trends.ordered.values.len(), 6);
    assert!(trends.credit.reserved > 0);
    assert_eq!(server.get(&path, &promoter).await.0, 403);
    assert_eq!(server.get(&path, &distributor).await.0, 200, "a dealer sees their own");
}
