use portal_api::ErrorCode;
use portal_tests::server::*;
use serde_json::json;

async fn raw(server: &TestServer, path: &str, content_type: &str, body: Vec<u8>) -> (u16, serde_json::Value) {
    let res = server.http.post(server.url(path)).header("content-type", content_type).body(body).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test]
async fn malformed_json_oversized_body_and_wrong_content_type() {
    let server = TestServer::start(&[]);
    let (status, body) = raw(&server, "/v1/auth/codes", "application/json", b"{\"channel\": ".to_vec()).await;
    assert_eq!(status, 422);
    assert_eq!(error_of(&body).code, ErrorCode::InvalidJson);
    let (status, body) =
        raw(&server, "/v1/auth/codes", "application/json", b"{\"channel\": \"pigeon\"}".to_vec()).await;
    assert_eq!(status, 422);
    assert_eq!(error_of(&body).code, ErrorCode::InvalidJson);
    let (status, body) = raw(&server, "/v1/auth/codes", "text/plain", b"{}".to_vec()).await;
    assert_eq!(status, 422);
    assert_eq!(error_of(&body).code, ErrorCode::InvalidJson);
    let huge = format!("{{\"refresh_token\": \"{}\"}}", "x".repeat(200 * 1024));
    let (status, body) = raw(&server, "/v1/auth/refresh", "application/json", huge.into_bytes()).await;
    assert_eq!(status, 413);
    assert_eq!(error_of(&body).code, ErrorCode::BodyTooLarge);
}

#[tokio::test]
async fn invalid_phone_email_and_fields_are_named() {
    let server = TestServer::start(&[]);
    for phone in ["12345", "23800138000", "+86 128 0000 0000", "phone"] {
        let (status, body) =
            server.post("/v1/auth/codes", json!({"channel": "sms", "target": phone, "purpose": "sign_up"})).await;
        assert_eq!(status, 422, "{phone}");
        let err = error_of(&body);
        assert_eq!(err.code, ErrorCode::InvalidPhone);
        assert_eq!(err.field.as_deref(), Some("phone"));
    }
    let (status, body) =
        server.post("/v1/auth/codes", json!({"channel": "email", "target": "not-an-email", "purpose": "link"})).await;
    assert_eq!(status, 422);
    assert_eq!(error_of(&body).code, ErrorCode::InvalidEmail);
    // A weak password is refused before the code is spent: the same code then still works.
    server.post("/v1/auth/codes", json!({"channel": "sms", "target": "13700137000", "purpose": "sign_up"})).await;
    let code = server.last_code("+8613700137000").await;
    let (status, body) = server
        .post(
            "/v1/auth/sign-up",
            json!({"phone": "13700137000", "code": code, "password": "short", "device_name": "x"}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(error_of(&body).code, ErrorCode::WeakPassword);
    let (status, body) =
        server.post("/v1/auth/sign-up", json!({"phone": "13700137000", "code": code, "device_name": "x"})).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn bad_tokens_are_refused_with_codes() {
    let server = TestServer::start(&[]);
    let (status, body) = server.get("/v1/me", "a1.bogus.token").await;
    assert_eq!(status, 401);
    assert_eq!(error_of(&body).code, ErrorCode::Unauthorized);
    let res = server.http.get(server.url("/v1/me")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 401);
    let (status, body) = server.post("/v1/auth/refresh", json!({"refresh_token": "r1.nope.0.sig"})).await;
    assert_eq!(status, 401);
    assert_eq!(error_of(&body).code, ErrorCode::InvalidRefreshToken);
    let (status, body) = server.post("/v1/nowhere", json!({})).await;
    assert_eq!(status, 404);
    assert_eq!(error_of(&body).code, ErrorCode::NotFound);
}

#[tokio::test]
async fn expired_access_token_is_refused_and_refresh_renews_it() {
    // Two seconds, counted in whole seconds: a token issued just before a second ends still lives
    // a second more, so the renewed one is used well within its life (with one second, a renewal
    // late in a second was expired by the time it was used: a flaky test).
    let server = TestServer::start(&[("PORTAL_ACCESS_TOKEN_TTL_SECS", "2")]);
    let auth = server.sign_up("13700137001", None).await;
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let (status, body) = server.get("/v1/me", &access(&auth)).await;
    assert_eq!(status, 401);
    assert_eq!(error_of(&body).code, ErrorCode::TokenExpired);
    let (status, pair) = server.post("/v1/auth/refresh", json!({"refresh_token": refresh_token(&auth)})).await;
    assert_eq!(status, 200);
    assert_eq!(server.get("/v1/me", pair["access_token"].as_str().unwrap()).await.0, 200);
}
