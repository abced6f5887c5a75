//! Every role against every endpoint group, with scope: a promoter sees only their store, a store
//! manager the stores they run, a distributor only their dealer.
use portal_api::ErrorCode;
use portal_server::demo::{DEALER_EAST, DEALER_SOUTH, DEMO_PASSWORD, STORE_BEIJING, STORE_SHANGHAI, STORE_SHENZHEN};
use portal_tests::server::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn each_role_against_each_endpoint_group() {
    let server = TestServer::start(&[]);
    let roles = ["consumer", "promoter", "distributor", "operator", "admin", "manager"];
    let mut tokens = Vec::new();
    for role in roles {
        let auth = server.sign_in_password(role, DEMO_PASSWORD).await;
        assert_eq!(auth["profile"]["role"], if role == "manager" { "store_manager" } else { role });
        tokens.push(access(&auth));
    }
    let store = format!("/v1/stores/{STORE_SHANGHAI}");
    let other_store = format!("/v1/stores/{STORE_BEIJING}");
    let dealer = format!("/v1/dealers/{DEALER_EAST}");
    let other_dealer = format!("/v1/dealers/{DEALER_SOUTH}");
    let (stock, other_stock) = (format!("{store}/stock"), format!("{other_store}/stock"));
    let (report, other_report) = (format!("{store}/report"), format!("{other_store}/report"));
    let far_store = format!("/v1/stores/{STORE_SHENZHEN}");
    let (far_stock, samples, staff) =
        (format!("{far_store}/stock"), format!("{store}/samples"), format!("{store}/staff"));
    let (transfers, far_staff) = (format!("{other_store}/transfers"), format!("{far_store}/staff"));
    // (path, which roles may: consumer, promoter, distributor, operator, admin, store manager of
    // Shanghai and Beijing)
    let matrix: Vec<(&str, [bool; 6])> = vec![
        ("/v1/me", [true, true, true, true, true, true]),
        ("/v1/me/sessions", [true, true, true, true, true, true]),
        (&store, [false, true, false, false, true, true]),
        (&other_store, [false, false, false, false, true, true]),
        (&far_store, [false, false, false, false, true, false]),
        (&stock, [false, true, false, false, true, true]),
        (&other_stock, [false, false, false, false, true, true]),
        (&far_stock, [false, false, false, false, true, false]),
        (&report, [false, true, false, false, true, true]),
        (&other_report, [false, false, false, false, true, true]),
        (&samples, [false, true, false, false, true, true]),
        (&transfers, [false, false, false, false, true, true]),
        (&staff, [false, false, false, false, true, true]),
        (&far_staff, [false, false, false, false, true, false]),
        ("/v1/me/purchases", [true, true, true, true, true, true]),
        (&dealer, [false, false, true, false, true, false]),
        (&other_dealer, [false, false, false, false, true, false]),
        ("/v1/marketing/audience", [false, false, false, true, true, false]),
        ("/v1/admin/users", [false, false, false, false, true, false]),
    ];
    for (path, allowed) in &matrix {
        for (i, role) in roles.iter().enumerate() {
            let (status, body) = server.get(path, &tokens[i]).await;
            if allowed[i] {
                assert_eq!(status, 200, "{role} on {path}: {body}");
            } else {
                assert_eq!(status, 403, "{role} on {path}: {body}");
                assert_eq!(error_of(&body).code, ErrorCode::Forbidden);
            }
        }
        let res = server.http.get(server.url(path)).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 401, "anonymous on {path}");
    }
    // Role changes: admin only.
    let consumer_id = server.get("/v1/me", &tokens[0]).await.1["user_id"].as_str().unwrap().to_owned();
    let set_role = format!("/v1/admin/users/{consumer_id}/role");
    for (i, role) in roles.iter().enumerate().filter(|(_, r)| **r != "admin") {
        let (status, _) =
            server.send(Method::PUT, &set_role, Some(&tokens[i]), Some(&json!({"role": "operator"}))).await;
        assert_eq!(status, 403, "{role} may not change roles");
    }
    let (status, body) = server.get(&store, &tokens[1]).await;
    assert_eq!(status, 200);
    assert_eq!(body["store"]["code"], "SH-001");
    assert_eq!(body["promoter_count"], 1);
    let (status, body) = server.get("/v1/admin/users", &tokens[4]).await;
    assert_eq!(status, 200);
    assert!(body["total"].as_u64().unwrap() >= 5);
}

#[tokio::test]
async fn admin_binds_a_promoter_to_a_store() {
    let server = TestServer::start(&[]);
    let admin = access(&server.sign_in_password("admin", DEMO_PASSWORD).await);
    let user = server.sign_up("13600136000", None).await;
    let id = user["profile"]["user_id"].as_str().unwrap();
    let path = format!("/v1/admin/users/{id}/role");
    let (status, body) = server.send(Method::PUT, &path, Some(&admin), Some(&json!({"role": "promoter"}))).await;
    assert_eq!(status, 422);
    let err = error_of(&body);
    assert_eq!(err.code, ErrorCode::InvalidRole);
    assert_eq!(err.field.as_deref(), Some("store_id"));
    let (status, body) = server
        .send(Method::PUT, &path, Some(&admin), Some(&json!({"role": "promoter", "store_id": STORE_BEIJING})))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["role"], "promoter");
    // The change applies to the user's existing session at once.
    let token = access(&user);
    assert_eq!(server.get(&format!("/v1/stores/{STORE_BEIJING}"), &token).await.0, 200);
    assert_eq!(server.get(&format!("/v1/stores/{STORE_SHANGHAI}"), &token).await.0, 403);
    // An administrator cannot demote themself.
    let admin_id = server.get("/v1/me", &admin).await.1["user_id"].as_str().unwrap().to_owned();
    let (status, _) = server
        .send(
            Method::PUT,
            &format!("/v1/admin/users/{admin_id}/role"),
            Some(&admin),
            Some(&json!({"role": "consumer"})),
        )
        .await;
    assert_eq!(status, 422);
}
