use portal_api::ErrorCode;
use portal_tests::server::*;
use serde_json::json;

async fn refresh(server: &TestServer, token: &str) -> (u16, serde_json::Value) {
    server.post("/v1/auth/refresh", json!({"refresh_token": token})).await
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_device_session() {
    let server = TestServer::start(&[]);
    let auth = server.sign_up("13900138000", None).await;
    let r0 = refresh_token(&auth);
    let (status, p1) = refresh(&server, &r0).await;
    assert_eq!(status, 200, "{p1}");
    let r1 = p1["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(r0, r1, "the refresh token rotates");
    // Within the grace window the previous token yields the same successor.
    let (status, again) = refresh(&server, &r0).await;
    assert_eq!(status, 200);
    assert_eq!(again["refresh_token"], r1.as_str());
    let (status, p2) = refresh(&server, &r1).await;
    assert_eq!(status, 200);
    let r2 = p2["refresh_token"].as_str().unwrap().to_owned();
    // r0 is now two generations old: reuse. The whole device session is revoked.
    let (status, body) = refresh(&server, &r0).await;
    assert_eq!(status, 401);
    assert_eq!(error_of(&body).code, ErrorCode::RefreshTokenReused);
    let (status, body) = refresh(&server, &r2).await;
    assert_eq!(status, 401);
    assert_eq!(error_of(&body).code, ErrorCode::SessionRevoked);
    let (status, body) = server.get("/v1/me", p2["access_token"].as_str().unwrap()).await;
    assert_eq!(status, 401);
    assert_eq!(error_of(&body).code, ErrorCode::SessionRevoked);
}

#[tokio::test]
async fn reuse_after_the_grace_window_revokes() {
    let server = TestServer::start(&[("PORTAL_REFRESH_GRACE_SECS", "1")]);
    let auth = server.sign_up("13900138001", None).await;
    let r0 = refresh_token(&auth);
    let (status, r1) = refresh(&server, &r0).await;
    assert_eq!(status, 200);
    // The device got the answer and used it: the old token is done with.
    assert_eq!(server.get("/v1/me", r1["access_token"].as_str().unwrap()).await.0, 200);
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    let (status, body) = refresh(&server, &r0).await;
    assert_eq!(status, 401);
    assert_eq!(error_of(&body).code, ErrorCode::RefreshTokenReused);
}

#[tokio::test]
async fn concurrent_refreshes_from_one_device_all_succeed() {
    let server = TestServer::start(&[]);
    let auth = server.sign_up("13900138002", None).await;
    let r0 = refresh_token(&auth);
    let results = futures_join(&server, &r0, 8).await;
    let first = results[0].1["refresh_token"].clone();
    for (status, body) in &results {
        assert_eq!(*status, 200, "{body}");
        assert_eq!(body["refresh_token"], first, "every concurrent refresh gets the same successor");
    }
    // And the successor works.
    assert_eq!(refresh(&server, first.as_str().unwrap()).await.0, 200);
}

async fn futures_join(server: &TestServer, token: &str, n: usize) -> Vec<(u16, serde_json::Value)> {
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..n {
        let (http, url, token) = (server.http.clone(), server.url("/v1/auth/refresh"), token.to_owned());
        set.spawn(async move {
            let res = http.post(url).json(&json!({"refresh_token": token})).send().await.unwrap();
            (res.status().as_u16(), res.json::<serde_json::Value>().await.unwrap())
        });
    }
    let mut out = Vec::new();
    while let Some(result) = set.join_next().await {
        out.push(result.unwrap());
    }
    out
}

#[tokio::test]
async fn a_user_lists_and_revokes_device_sessions_and_signs_out() {
    let server = TestServer::start(&[]);
    let phone_auth = server.sign_up("13900138003", Some("Secret#2026")).await;
    let tablet = server.sign_in_password("13900138003", "Secret#2026").await;
    let (status, list) = server.get("/v1/me/sessions", &access(&phone_auth)).await;
    assert_eq!(status, 200);
    let sessions = list["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);

    let tablet_id = tablet["tokens"]["session_id"].as_str().unwrap();
    let (status, _) = server
        .send(reqwest::Method::DELETE, &format!("/v1/me/sessions/{tablet_id}"), Some(&access(&phone_auth)), None)
        .await;
    assert_eq!(status, 204);
    let (status, body) = server.get("/v1/me", &access(&tablet)).await;
    assert_eq!(status, 401);
    assert_eq!(error_of(&body).code, ErrorCode::SessionRevoked);
    assert_eq!(error_of(&refresh(&server, &refresh_token(&tablet)).await.1).code, ErrorCode::SessionRevoked);

    // Someone else's session is not found, not revoked.
    let stranger = server.sign_up("13900138004", None).await;
    let own_id = phone_auth["tokens"]["session_id"].as_str().unwrap();
    let (status, _) = server
        .send(reqwest::Method::DELETE, &format!("/v1/me/sessions/{own_id}"), Some(&access(&stranger)), None)
        .await;
    assert_eq!(status, 404);
    assert_eq!(server.get("/v1/me", &access(&phone_auth)).await.0, 200);

    // Sign-out ends this session for both tokens.
    let (status, _) = server.send(reqwest::Method::POST, "/v1/auth/sign-out", Some(&access(&phone_auth)), None).await;
    assert_eq!(status, 204);
    assert_eq!(server.get("/v1/me", &access(&phone_auth)).await.0, 401);
    assert_eq!(error_of(&refresh(&server, &refresh_token(&phone_auth)).await.1).code, ErrorCode::SessionRevoked);
}

#[tokio::test]
async fn sessions_survive_a_server_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    let mut server = TestServer::start_in(dir, &[], false);
    let auth = server.sign_up("13900138005", None).await;
    server.stop();
    let dir = std::mem::replace(&mut server.dir, tempfile::tempdir().unwrap());
    drop(server);
    let server = TestServer::start_in(dir, &[], false);
    assert!(path.exists());
    assert_eq!(server.get("/v1/me", &access(&auth)).await.0, 200, "the key file and sessions persist");
    assert_eq!(refresh(&server, &refresh_token(&auth)).await.0, 200);
}

#[tokio::test]
async fn favourite_operations_apply_exactly_once_and_never_go_back_in_time() {
    let server = TestServer::start(&[]);
    let auth = server.sign_up("13900138006", None).await;
    let token = access(&auth);
    let op = |id: uuid::Uuid, active: bool, at: i64| json!({"id": id, "model": "65E8K-000", "kind": "favourite", "active": active, "changed_at": at});
    let (a, b) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let send = |ops: Vec<serde_json::Value>| {
        let token = token.clone();
        let server = &server;
        async move {
            server
                .send(reqwest::Method::POST, "/v1/me/favourites/ops", Some(&token), Some(&json!({ "ops": ops })))
                .await
        }
    };
    let (status, body) = send(vec![op(a, true, 100), op(b, false, 200)]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["acked"].as_array().unwrap().len(), 2);
    assert!(body["favourites"].as_array().unwrap().is_empty(), "on then off: off");
    // A duplicate delivery of the first operation (a retry after a lost answer) changes nothing.
    let (_, body) = send(vec![op(a, true, 100)]).await;
    assert!(body["favourites"].as_array().unwrap().is_empty(), "applied once only");
    // A new operation from a device whose clock is behind does not undo a newer change.
    let (_, body) = send(vec![op(uuid::Uuid::now_v7(), true, 150)]).await;
    assert!(body["favourites"].as_array().unwrap().is_empty());
    let (_, body) = send(vec![op(uuid::Uuid::now_v7(), true, 300)]).await;
    assert_eq!(body["favourites"][0]["model"], "65E8K-000");
    let (status, list) = server.get("/v1/me/favourites", &token).await;
    assert_eq!(status, 200);
    assert_eq!(list["favourites"].as_array().unwrap().len(), 1);
    // Another account sees none of it.
    let other = server.sign_up("13900138007", None).await;
    let (_, list) = server.get("/v1/me/favourites", &access(&other)).await;
    assert!(list["favourites"].as_array().unwrap().is_empty());
}
