//! The administrator's console against the real server: people found by phone or name; an
//! account locked ends every session at once and refuses sign-in until unlocked; a person's
//! session ended by an administrator signs that device out; every change an administrator or
//! business manager makes is in the audit log; health and `/metrics` for administrators (and the
//! scrape token) only.
use portal_api::*;
use portal_server::demo::{DEALER_EAST, DEMO_PASSWORD};
use portal_tests::server::*;
use reqwest::Method;
use serde_json::json;

async fn signed_in(server: &TestServer, who: &str) -> String {
    access(&server.sign_in_password(who, DEMO_PASSWORD).await)
}

#[tokio::test]
async fn a_locked_account_is_signed_out_everywhere_until_unlocked() {
    let server = TestServer::start(&[]);
    let admin = signed_in(&server, "admin").await;
    let first = server.sign_in_password("promoter", DEMO_PASSWORD).await;
    let (promoter, refresh) = (access(&first), first["tokens"]["refresh_token"].as_str().unwrap().to_owned());
    let tablet = signed_in(&server, "promoter").await;

    // Found by phone and by the start of a name; only administrators search.
    let (status, body) = server.get("/v1/admin/people?q=13900000003", &admin).await;
    assert_eq!(status, 200, "{body}");
    let found: AdminUserList = parse(&body);
    assert_eq!(found.users.len(), 1);
    let person = found.users[0].user.id;
    let (_, body) = server.get(&format!("/v1/admin/people?q={}", urlencode("促销员")), &admin).await;
    assert!(parse::<AdminUserList>(&body).users.iter().any(|u| u.user.id == person));
    let (_, body) = server.get("/v1/admin/people?q=&role=admin", &admin).await;
    assert!(parse::<AdminUserList>(&body).users.iter().all(|u| u.user.role == Role::Admin));
    assert_eq!(server.get("/v1/admin/people?q=x", &promoter).await.0, 403);
    let (status, body) = server.get("/v1/admin/people?role=nobody", &admin).await;
    assert_eq!((status, error_of(&body).code), (400, ErrorCode::InvalidParameter));

    // The person's two sessions; one ended by the administrator signs that device out.
    let path = format!("/v1/admin/users/{person}/sessions");
    let (_, body) = server.get(&path, &admin).await;
    let sessions = parse::<AdminSessions>(&body).sessions;
    assert_eq!(sessions.len(), 2);
    let (status, body) = server.send(Method::DELETE, &format!("{path}/{}", sessions[1].id), Some(&admin), None).await;
    assert_eq!((status, parse::<AdminSessions>(&body).sessions.len()), (200, 1), "{body}");
    let (gone, kept) = (server.get("/v1/me", &tablet).await.0, server.get("/v1/me", &promoter).await.0);
    assert!(gone == 401 || kept == 401, "one of the two devices is signed out");

    // Locked with a reason: every session ends at once and sign-in is refused.
    let lock = format!("/v1/admin/users/{person}/lock");
    let (status, body) = server.send(Method::PUT, &lock, Some(&admin), Some(&json!({ "reason": " " }))).await;
    assert_eq!((status, error_of(&body).code), (422, ErrorCode::ReasonRequired));
    let (status, body) = server.send(Method::PUT, &lock, Some(&admin), Some(&json!({ "reason": "lost tablet" }))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(parse::<AdminUser>(&body).lock.unwrap().reason, "lost tablet");
    let (status, body) = server.get("/v1/me", &promoter).await;
    assert_eq!((status, error_of(&body).code), (401, ErrorCode::SessionRevoked));
    let (status, body) = server
        .post(
            "/v1/auth/sign-in/password",
            json!({ "login": "promoter", "password": DEMO_PASSWORD, "device_name": "t" }),
        )
        .await;
    assert_eq!((status, error_of(&body).code), (403, ErrorCode::AccountSuspended));
    let (status, body) = server.post("/v1/auth/refresh", json!({ "refresh_token": refresh })).await;
    assert!(status == 403 || status == 401, "no new tokens for a locked account: {status} {body}");
    let me = parse::<AdminUserList>(&server.get("/v1/admin/people?q=13900000001", &admin).await.1).users[0].user.id;
    let (status, _) = server
        .send(Method::PUT, &format!("/v1/admin/users/{me}/lock"), Some(&admin), Some(&json!({ "reason": "x" })))
        .await;
    assert_eq!(status, 400, "no administrator locks themself out");

    // Unlocked: the person signs in again.
    let (status, body) = server.send(Method::DELETE, &lock, Some(&admin), None).await;
    assert_eq!((status, parse::<AdminUser>(&body).lock), (200, None));
    signed_in(&server, "promoter").await;
}

#[tokio::test]
async fn every_change_by_an_administrator_or_manager_is_audited_and_health_is_for_administrators() {
    let server = TestServer::start(&[("PORTAL_METRICS_TOKEN", "scrape-secret-1")]);
    let (admin, sales, consumer) =
        (signed_in(&server, "admin").await, signed_in(&server, "sales").await, signed_in(&server, "consumer").await);
    let credit = format!("/v1/dealers/{DEALER_EAST}/credit");
    let body = json!({ "limit": 150_000_00, "reason": "audit" });
    assert_eq!(server.send(Method::PUT, &credit, Some(&sales), Some(&body)).await.0, 200);
    assert_eq!(
        server.send(Method::PUT, &credit, Some(&admin), Some(&json!({ "limit": -1, "reason": "x" }))).await.0,
        422
    );
    let (_, _) = server.send(Method::PUT, "/v1/me/tracking", Some(&consumer), Some(&json!({ "enabled": true }))).await;

    let (status, body) = server.get("/v1/admin/audit", &admin).await;
    assert_eq!(status, 200, "{body}");
    let page: AuditPage = parse(&body);
    let credit_changes: Vec<&AuditEntry> = page.entries.iter().filter(|e| e.path == credit).collect();
    assert_eq!(credit_changes.len(), 2, "{:?}", page.entries);
    assert_eq!(
        (credit_changes[0].role.as_str(), credit_changes[0].status),
        ("admin", 422),
        "newest first, refusals too"
    );
    assert_eq!((credit_changes[1].role.as_str(), credit_changes[1].status), ("business_manager", 200));
    assert!(!credit_changes[1].actor_name.is_empty());
    assert!(page.entries.iter().all(|e| e.role != "consumer"), "a consumer's own settings are not admin changes");
    assert_eq!(server.get("/v1/admin/audit", &sales).await.0, 403);

    let (status, body) = server.get("/v1/admin/health", &admin).await;
    assert_eq!(status, 200, "{body}");
    let health: SystemHealth = parse(&body);
    assert!(!health.database.is_empty() && health.requests > 0);
    assert!(!health.instances.is_empty(), "each instance beats");
    assert_eq!(server.get("/v1/admin/health", &consumer).await.0, 403);

    // /metrics: the scrape token or an administrator; nobody else.
    let scrape = |token: Option<&'static str>| {
        let request = reqwest::Client::new().get(server.url("/metrics"));
        async move {
            let response = match token {
                Some(t) => request.bearer_auth(t),
                None => request,
            }
            .send()
            .await
            .unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    assert_eq!(scrape(None).await.0, 401);
    assert_eq!(scrape(Some("scrape-secret-2")).await.0, 401);
    let (status, text) = scrape(Some("scrape-secret-1")).await;
    assert_eq!(status, 200);
    assert!(
        text.contains("portal_http_requests_total{method=\"PUT\",route=\"/v1/dealers/{id}/credit\",status=\"200\"}"),
        "{text}"
    );
    assert!(text.contains("portal_http_request_duration_seconds_bucket"));
    assert!(text.contains("portal_up 1"));
    let response = reqwest::Client::new().get(server.url("/metrics")).bearer_auth(&consumer).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 403);
    let response = reqwest::Client::new().get(server.url("/metrics")).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
}

fn urlencode(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn administrators_create_and_edit_stores_and_dealers() {
    let server = TestServer::start(&[]);
    let (admin, sales) = (signed_in(&server, "admin").await, signed_in(&server, "sales").await);
    let id = uuid::Uuid::now_v7();
    let store = json!({ "id": id, "code": "GZ-001", "name": "广州天河店", "city": "广州" });
    let path = format!("/v1/admin/stores/{id}");
    assert_eq!(server.send(Method::PUT, &path, Some(&sales), Some(&store)).await.0, 403);
    let (status, body) = server.send(Method::PUT, &path, Some(&admin), Some(&store)).await;
    assert_eq!(status, 200, "{body}");
    let renamed = json!({ "id": id, "code": "GZ-001", "name": "广州天河旗舰店", "city": "广州" });
    assert_eq!(server.send(Method::PUT, &path, Some(&admin), Some(&renamed)).await.0, 200);
    let (_, body) = server.get("/v1/admin/stores?after=GZ", &admin).await;
    let stores = parse::<StoreList>(&body).stores;
    assert_eq!(stores.iter().find(|s| s.id == id).map(|s| s.name.as_str()), Some("广州天河旗舰店"));
    assert!(stores.windows(2).all(|w| w[0].code < w[1].code), "by code");
    // Bad input: a code with a space, an empty name, a code another store holds.
    for bad in [
        json!({ "id": id, "code": "GZ 001", "name": "x", "city": "y" }),
        json!({ "id": id, "code": "GZ-001", "name": " ", "city": "y" }),
    ] {
        let (status, body) = server.send(Method::PUT, &path, Some(&admin), Some(&bad)).await;
        assert_eq!((status, error_of(&body).code), (400, ErrorCode::InvalidParameter), "{bad}");
    }
    let other = uuid::Uuid::now_v7();
    let taken = json!({ "id": other, "code": "GZ-001", "name": "x", "city": "y" });
    assert_eq!(server.send(Method::PUT, &format!("/v1/admin/stores/{other}"), Some(&admin), Some(&taken)).await.0, 409);

    let dealer = uuid::Uuid::now_v7();
    let body = json!({ "id": dealer, "code": "D-WEST", "name": "西部经销", "region": "西部" });
    let (status, _) = server.send(Method::PUT, &format!("/v1/admin/dealers/{dealer}"), Some(&admin), Some(&body)).await;
    assert_eq!(status, 200);
    let (_, body) = server.get("/v1/admin/dealers", &admin).await;
    assert!(parse::<DealerList>(&body).dealers.iter().any(|d| d.id == dealer));
    let (_, desk) = server.get("/v1/business/desk", &admin).await;
    assert!(
        parse::<BusinessDesk>(&desk).dealers.iter().any(|d| d.dealer.id == dealer),
        "the order center's desk lists every dealer"
    );
}
