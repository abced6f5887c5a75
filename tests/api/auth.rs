use portal_api::ErrorCode;
use portal_tests::server::*;
use serde_json::json;

#[tokio::test]
async fn sign_up_by_sms_then_sign_in_by_code_and_password() {
    // The per-number resend interval applies across purposes; this test sends two codes at once.
    let server = TestServer::start(&[("PORTAL_CODE_RESEND_INTERVAL_SECS", "0")]);
    let auth = server.sign_up("138 0013 8000", Some("Secret#2026")).await;
    assert_eq!(auth["created"], true);
    assert_eq!(auth["profile"]["role"], "consumer");
    assert_eq!(auth["profile"]["identities"][0]["value"], "+8613800138000");
    assert_eq!(auth["profile"]["has_password"], true);
    let user_id = auth["profile"]["user_id"].as_str().unwrap().to_owned();
    assert_eq!(uuid::Uuid::parse_str(&user_id).unwrap().get_version_num(), 7, "user ids are UUID v7");

    let (status, me) = server.get("/v1/me", &access(&auth)).await;
    assert_eq!(status, 200);
    assert_eq!(me["user_id"], user_id.as_str());

    // Sign in by code: the same user id.
    let (status, _) = server
        .post("/v1/auth/codes", json!({"channel": "sms", "target": "+8613800138000", "purpose": "sign_in"}))
        .await;
    assert_eq!(status, 200);
    let code = server.last_code("+8613800138000").await;
    let (status, signed_in) = server
        .post("/v1/auth/sign-in/code", json!({"phone": "13800138000", "code": code, "device_name": "tablet"}))
        .await;
    assert_eq!(status, 200, "{signed_in}");
    assert_eq!(signed_in["profile"]["user_id"], user_id.as_str());
    assert_eq!(signed_in["created"], false);

    // The same code cannot be used twice.
    let (status, body) = server
        .post("/v1/auth/sign-in/code", json!({"phone": "13800138000", "code": code, "device_name": "tablet"}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&body).code, ErrorCode::InvalidCode);

    // Sign in by phone + password.
    let by_password = server.sign_in_password("+86 138 0013 8000", "Secret#2026").await;
    assert_eq!(by_password["profile"]["user_id"], user_id.as_str());
}

#[tokio::test]
async fn duplicate_sign_up_is_refused_and_unknown_phone_cannot_sign_in() {
    let server = TestServer::start(&[]);
    server.sign_up("13800138001", None).await;
    let (status, body) =
        server.post("/v1/auth/codes", json!({"channel": "sms", "target": "13800138001", "purpose": "sign_up"})).await;
    assert_eq!(status, 409);
    assert_eq!(error_of(&body).code, ErrorCode::IdentityTaken);
    // Even with a code from elsewhere, the sign-up itself refuses the duplicate.
    let (status, body) =
        server.post("/v1/auth/sign-up", json!({"phone": "13800138001", "code": "123456", "device_name": "x"})).await;
    assert_eq!(status, 409);
    assert_eq!(error_of(&body).code, ErrorCode::IdentityTaken);

    let (status, body) =
        server.post("/v1/auth/codes", json!({"channel": "sms", "target": "13800138999", "purpose": "sign_in"})).await;
    assert_eq!(status, 404);
    assert_eq!(error_of(&body).code, ErrorCode::AccountNotFound);
}

#[tokio::test]
async fn wrong_codes_count_down_then_lock_the_code() {
    let server = TestServer::start(&[]);
    server.post("/v1/auth/codes", json!({"channel": "sms", "target": "13800138002", "purpose": "sign_up"})).await;
    let real = server.last_code("+8613800138002").await;
    let wrong = if real == "000000" { "111111" } else { "000000" };
    for left in (1..=4).rev() {
        let (status, body) = sign_up_with(&server, "13800138002", wrong).await;
        assert_eq!(status, 400);
        let err = error_of(&body);
        assert_eq!(err.code, ErrorCode::InvalidCode);
        assert!(err.message.contains(&format!("{left} tries left")), "{}", err.message);
    }
    let (status, body) = sign_up_with(&server, "13800138002", wrong).await;
    assert_eq!(status, 429);
    assert_eq!(error_of(&body).code, ErrorCode::TooManyAttempts);
    // After five tries even the right code is refused, and no account was created.
    let (_, body) = sign_up_with(&server, "13800138002", &real).await;
    assert_eq!(error_of(&body).code, ErrorCode::TooManyAttempts);
    let (status, _) =
        server.post("/v1/auth/codes", json!({"channel": "sms", "target": "13800138002", "purpose": "sign_in"})).await;
    assert_eq!(status, 404, "no half-made account exists");
}

async fn sign_up_with(server: &TestServer, phone: &str, code: &str) -> (u16, serde_json::Value) {
    server.post("/v1/auth/sign-up", json!({"phone": phone, "code": code, "device_name": "x"})).await
}

#[tokio::test]
async fn expired_code_is_refused() {
    let server = TestServer::start(&[("PORTAL_CODE_TTL_SECS", "1")]);
    server.post("/v1/auth/codes", json!({"channel": "sms", "target": "13800138003", "purpose": "sign_up"})).await;
    let code = server.last_code("+8613800138003").await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (status, body) =
        server.post("/v1/auth/sign-up", json!({"phone": "13800138003", "code": code, "device_name": "x"})).await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&body).code, ErrorCode::CodeExpired);
}

#[tokio::test]
async fn code_sends_are_throttled_per_phone_and_per_ip() {
    let server = TestServer::start(&[("PORTAL_CODE_MAX_PER_IP_PER_HOUR", "3")]);
    let send = |phone: &'static str| {
        server.post("/v1/auth/codes", json!({"channel": "sms", "target": phone, "purpose": "sign_up"}))
    };
    assert_eq!(send("13800138004").await.0, 200);
    let (status, body) = send("13800138004").await;
    assert_eq!(status, 429);
    let err = error_of(&body);
    assert_eq!(err.code, ErrorCode::RateLimited);
    assert!(err.retry_after_secs.unwrap() > 0 && err.retry_after_secs.unwrap() <= 60);
    // The same refusal carries a Retry-After header.
    let res = server
        .http
        .post(server.url("/v1/auth/codes"))
        .json(&json!({"channel": "sms", "target": "13800138004", "purpose": "sign_up"}))
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("retry-after").is_some());

    assert_eq!(send("13800138005").await.0, 200);
    assert_eq!(send("13800138006").await.0, 200);
    let (status, body) = send("13800138007").await;
    assert_eq!(status, 429, "the fourth number from one address in an hour is refused");
    assert_eq!(error_of(&body).code, ErrorCode::RateLimited);
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_password_sign_in() {
    let server = TestServer::start(&[]);
    server.sign_up("13800138008", Some("Right#pass1")).await;
    for left in (1..=4).rev() {
        let (status, body) = server
            .post(
                "/v1/auth/sign-in/password",
                json!({"login": "13800138008", "password": "Wrong#pass1", "device_name": "x"}),
            )
            .await;
        assert_eq!(status, 401);
        let err = error_of(&body);
        assert_eq!(err.code, ErrorCode::InvalidCredentials);
        assert!(err.message.contains(&format!("{left} tries left")), "{}", err.message);
    }
    let (status, body) = server
        .post(
            "/v1/auth/sign-in/password",
            json!({"login": "13800138008", "password": "Wrong#pass1", "device_name": "x"}),
        )
        .await;
    assert_eq!(status, 429);
    let err = error_of(&body);
    assert_eq!(err.code, ErrorCode::AccountLocked);
    assert!(err.retry_after_secs.unwrap() > 800);
    // While locked, even the right password is refused.
    let (status, body) = server
        .post(
            "/v1/auth/sign-in/password",
            json!({"login": "13800138008", "password": "Right#pass1", "device_name": "x"}),
        )
        .await;
    assert_eq!(status, 429);
    assert_eq!(error_of(&body).code, ErrorCode::AccountLocked);
    // An unknown login gets the same answer as a wrong password.
    let (status, body) = server
        .post("/v1/auth/sign-in/password", json!({"login": "nobody", "password": "Wrong#pass1", "device_name": "x"}))
        .await;
    assert_eq!(status, 401);
    assert_eq!(error_of(&body).code, ErrorCode::InvalidCredentials);
}

#[tokio::test]
async fn linking_an_email_with_a_code_enables_email_sign_in() {
    let server = TestServer::start(&[]);
    let auth = server.sign_up("13800138009", Some("Secret#2026")).await;
    let token = access(&auth);
    let (status, _) = server
        .send(
            reqwest::Method::POST,
            "/v1/auth/codes",
            None,
            Some(&json!({"channel": "email", "target": "Li.Wei@Example.com", "purpose": "link"})),
        )
        .await;
    assert_eq!(status, 200);
    let code = server.last_code("li.wei@example.com").await;
    let (status, profile) = server
        .send(
            reqwest::Method::POST,
            "/v1/me/identities",
            Some(&token),
            Some(&json!({"kind": "email", "value": "li.wei@example.com", "code": code})),
        )
        .await;
    assert_eq!(status, 200, "{profile}");
    assert!(profile["identities"].as_array().unwrap().iter().any(|i| i["value"] == "li.wei@example.com"));
    let by_email = server.sign_in_password("LI.WEI@example.com", "Secret#2026").await;
    assert_eq!(by_email["profile"]["user_id"], auth["profile"]["user_id"]);

    // Another account cannot link the same address.
    let other = server.sign_up("13800138010", None).await;
    let (status, body) = server
        .send(
            reqwest::Method::POST,
            "/v1/me/identities",
            Some(&access(&other)),
            Some(&json!({"kind": "email", "value": "li.wei@example.com", "code": "123456"})),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(error_of(&body).code, ErrorCode::IdentityTaken);
    // A link code for a phone number must be the right one.
    server.post("/v1/auth/codes", json!({"channel": "sms", "target": "13800138011", "purpose": "link"})).await;
    let (status, body) = server
        .send(
            reqwest::Method::POST,
            "/v1/me/identities",
            Some(&access(&other)),
            Some(&json!({"kind": "phone", "value": "13800138011", "code": "999999"})),
        )
        .await;
    assert!(status == 400 || status == 429, "{body}");
}

#[tokio::test]
async fn no_password_code_or_token_is_stored_in_the_database_or_log() {
    let server = TestServer::start(&[]);
    let password = "Unmistakable#Pw42";
    let auth = server.sign_up("13800138012", Some(password)).await;
    let code = server.last_code("+8613800138012").await;
    let refresh = refresh_token(&auth);
    let access_token = access(&auth);
    let (status, pair) = server.post("/v1/auth/refresh", json!({"refresh_token": refresh})).await;
    assert_eq!(status, 200);
    let db = String::from_utf8_lossy(&server.database_bytes()).into_owned();
    assert!(db.contains("+8613800138012"), "the check reads the right database");
    for secret in [password, refresh.as_str(), access_token.as_str(), pair["refresh_token"].as_str().unwrap()] {
        assert!(!db.contains(secret), "a secret is stored in SQLite");
    }
    assert!(!db.contains(&format!("\"{code}\"")), "the code is stored in SQLite");
    assert!(db.contains("$argon2id$"), "passwords are argon2id hashes");
    let log = server.log();
    assert!(!log.contains(password) && !log.contains(&refresh) && !log.contains(&access_token));
}

#[tokio::test]
async fn outbox_is_closed_outside_dev_mode_and_codes_are_masked_in_the_log() {
    let server = TestServer::start(&[("PORTAL_DEV_MODE", "false")]);
    let (status, _) =
        server.post("/v1/auth/codes", json!({"channel": "sms", "target": "13800138013", "purpose": "sign_up"})).await;
    assert_eq!(status, 200);
    let res = server.http.get(server.url("/v1/dev/outbox?to=13800138013")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 404);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(error_of(&body).code, ErrorCode::NotDevMode);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let log = server.log();
    assert!(log.contains("******"), "the embedded sender logs the message with its code masked: {log}");
}
