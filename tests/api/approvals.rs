//! Requests beyond a business manager's authority against the real server: a credit line above it
//! and a price below the brand's floor go to the order center, which approves (the change is made
//! as theirs) or rejects, with a reason, once whatever decides at once (over every instance).
use portal_api::*;
use portal_server::demo::{DEALER_EAST, DEMO_PASSWORD};
use portal_tests::server::*;
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

async fn signed_in(server: &TestServer, who: &str) -> String {
    access(&server.sign_in_password(who, DEMO_PASSWORD).await)
}

#[tokio::test]
async fn a_credit_line_above_authority_waits_for_the_order_center_and_is_decided_once() {
    let server = TestServer::start(&[]);
    let (sales, admin, distributor) =
        (signed_in(&server, "sales").await, signed_in(&server, "admin").await, signed_in(&server, "distributor").await);
    let credit = format!("/v1/dealers/{DEALER_EAST}/credit");
    let above = json!({ "limit": 8_000_000_00i64, "reason": "peak season" });
    assert_eq!(server.send(Method::PUT, &credit, Some(&sales), Some(&above)).await.0, 403);

    let ask = json!({ "id": Uuid::now_v7(), "dealer_id": DEALER_EAST, "reason": "peak season", "credit_limit": 8_000_000_00i64 });
    assert_eq!(server.send(Method::POST, "/v1/approvals", Some(&distributor), Some(&ask)).await.0, 403);
    let (status, body) = server.send(Method::POST, "/v1/approvals", Some(&sales), Some(&ask)).await;
    assert_eq!(status, 200, "{body}");
    let asked: Approval = parse(&body);
    assert_eq!((asked.status, asked.kind), (ApprovalStatus::Waiting, ApprovalKind::CreditLimit));
    let (status, again) = server.send(Method::POST, "/v1/approvals", Some(&sales), Some(&ask)).await;
    assert_eq!((status, parse::<Approval>(&again).id), (200, asked.id), "a retry answers the same request");
    let mut other = ask.clone();
    other["credit_limit"] = json!(9_000_000_00i64);
    let (status, body) = server.send(Method::POST, "/v1/approvals", Some(&sales), Some(&other)).await;
    assert_eq!((status, error_of(&body).code), (409, ErrorCode::IdempotencyConflict));
    for bad in [
        json!({ "id": Uuid::now_v7(), "dealer_id": DEALER_EAST, "reason": " ", "credit_limit": 1 }),
        json!({ "id": Uuid::now_v7(), "dealer_id": DEALER_EAST, "reason": "x" }),
        json!({ "id": Uuid::now_v7(), "dealer_id": DEALER_EAST, "reason": "x", "credit_limit": -1 }),
    ] {
        let (status, _) = server.send(Method::POST, "/v1/approvals", Some(&sales), Some(&bad)).await;
        assert!(status == 400 || status == 422, "{bad}: {status}");
    }

    // The order center sees it with the dealer's credit; the manager sees their own.
    let (_, body) = server.get("/v1/approvals", &admin).await;
    let waiting: ApprovalList = parse(&body);
    let seen = waiting.approvals.iter().find(|a| a.id == asked.id).expect("the order center sees it");
    assert_eq!(seen.credit.limit, 200_000_00, "the dealer's line as it stands");
    assert_eq!(parse::<ApprovalList>(&server.get("/v1/approvals", &sales).await.1).approvals.len(), 1);
    assert_eq!(server.get("/v1/approvals", &distributor).await.0, 403);

    // Decided once, whatever decides at once; the line is then set as the order center's.
    let path = format!("/v1/approvals/{}/decision", asked.id);
    let (status, body) =
        server.send(Method::POST, &path, Some(&admin), Some(&json!({ "approve": true, "reason": "" }))).await;
    assert_eq!((status, error_of(&body).code), (422, ErrorCode::ReasonRequired));
    assert_eq!(
        server.send(Method::POST, &path, Some(&sales), Some(&json!({ "approve": true, "reason": "x" }))).await.0,
        403
    );
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (url, admin) = (server.url(&path), admin.clone());
            tokio::spawn(async move {
                let body = json!({ "approve": i % 2 == 0, "reason": format!("decision {i}") });
                reqwest::Client::new().post(url).bearer_auth(admin).json(&body).send().await.unwrap().status().as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 409), "{statuses:?}");
    let (_, body) = server.get(&format!("/v1/approvals?status=approved"), &admin).await;
    let approved = parse::<ApprovalList>(&body).approvals;
    let (_, body) = server.get(&credit, &admin).await;
    let line: CreditLine = parse(&body);
    if approved.iter().any(|a| a.id == asked.id) {
        assert_eq!(line.limit, 8_000_000_00, "approved: the line is set");
    } else {
        assert_eq!(line.limit, 200_000_00, "rejected: nothing changes");
    }
}

#[tokio::test]
async fn a_price_below_the_floor_is_asked_for_and_kept_when_approved() {
    let server = TestServer::start(&[]);
    let (sales, admin) = (signed_in(&server, "sales").await, signed_in(&server, "admin").await);
    let (_, body) = server.send(Method::GET, "/v1/catalog/sync?limit=200", Some(&admin), None).await;
    let sku = parse::<SyncPage>(&body)
        .items
        .into_iter()
        .find_map(|i| match i {
            SyncItem::Product { data: Some(p), .. } => p.skus.into_iter().find(|s| s.distributor_price.is_some()),
            _ => None,
        })
        .unwrap()
        .code;
    let floor = json!({ "entries": [{ "scope_kind": "list", "sku": sku, "price": 500_00, "floor": 450_00, "valid_from": "2026-01-01" }] });
    assert_eq!(server.send(Method::POST, "/v1/price-lists", Some(&admin), Some(&floor)).await.0, 200);
    let low = json!({ "scope_kind": "dealer", "scope_key": DEALER_EAST, "sku": sku, "price": 420_00, "valid_from": "2031-01-01" });
    let (status, _) =
        server.send(Method::POST, "/v1/price-lists", Some(&sales), Some(&json!({ "entries": [low] }))).await;
    assert_eq!(status, 403, "below the floor: beyond the manager's authority");

    // Someone else's prices are not asked for here.
    let other = json!({ "scope_kind": "list", "sku": sku, "price": 1_00, "valid_from": "2031-01-01" });
    let ask = json!({ "id": Uuid::now_v7(), "dealer_id": DEALER_EAST, "reason": "key account", "entries": [other] });
    assert_eq!(server.send(Method::POST, "/v1/approvals", Some(&sales), Some(&ask)).await.0, 400);
    let ask = json!({ "id": Uuid::now_v7(), "dealer_id": DEALER_EAST, "reason": "key account", "entries": [low] });
    let (status, body) = server.send(Method::POST, "/v1/approvals", Some(&sales), Some(&ask)).await;
    assert_eq!(status, 200, "{body}");
    let asked: Approval = parse(&body);
    let path = format!("/v1/approvals/{}/decision", asked.id);
    let (status, body) =
        server.send(Method::POST, &path, Some(&admin), Some(&json!({ "approve": true, "reason": "strategic" }))).await;
    assert_eq!((status, parse::<Approval>(&body).status), (200, ApprovalStatus::Approved), "{body}");
    let (_, body) = server
        .get(&format!("/v1/price-lists?scope_kind=dealer&scope_key={DEALER_EAST}&sku={sku}&day=2031-02-01"), &admin)
        .await;
    let kept = parse::<PriceListPage>(&body).entries;
    assert_eq!(kept.iter().map(|e| e.price).collect::<Vec<_>>(), vec![420_00], "kept as the order center's");
    // Decided once: deciding again is refused.
    let (status, body) =
        server.send(Method::POST, &path, Some(&admin), Some(&json!({ "approve": false, "reason": "no" }))).await;
    assert_eq!((status, error_of(&body).code), (409, ErrorCode::StaleState));
}
