//! The served OpenAPI document is generated from the code, matches the committed copy, and names
//! every route.
use portal_tests::server::*;

#[tokio::test]
async fn openapi_document_is_current_and_complete() {
    let server = TestServer::start(&[]);
    let res = server.http.get(server.url("/openapi.json")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let served: serde_json::Value = res.json().await.unwrap();
    let paths = served["paths"].as_object().unwrap();
    for (path, method) in [
        ("/healthz", "get"),
        ("/v1/auth/codes", "post"),
        ("/v1/auth/sign-up", "post"),
        ("/v1/auth/sign-in/code", "post"),
        ("/v1/auth/sign-in/password", "post"),
        ("/v1/auth/refresh", "post"),
        ("/v1/auth/sign-out", "post"),
        ("/v1/me", "get"),
        ("/v1/me", "patch"),
        ("/v1/me/password", "put"),
        ("/v1/me/identities", "post"),
        ("/v1/me/sessions", "get"),
        ("/v1/me/sessions/{id}", "delete"),
        ("/v1/stores/{id}", "get"),
        ("/v1/dealers/{id}", "get"),
        ("/v1/marketing/audience", "get"),
        ("/v1/admin/users", "get"),
        ("/v1/admin/users/{id}/role", "put"),
        ("/v1/dev/outbox", "get"),
        ("/v1/me/favourites", "get"),
        ("/v1/me/favourites/ops", "post"),
        ("/v1/catalog/sync", "get"),
        ("/v1/catalog/products/{model}", "get"),
        ("/v1/admin/catalog/products/{model}", "put"),
        ("/v1/admin/catalog/products/{model}", "delete"),
        ("/v1/admin/catalog/import", "post"),
        ("/v1/admin/catalog/export", "get"),
    ] {
        assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "{method} {path} missing from the document");
    }
    assert!(served["components"]["schemas"]["ErrorCode"].is_object());

    let committed_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json");
    let rendered = serde_json::to_string_pretty(&served).unwrap() + "\n";
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(committed_path, &rendered).unwrap();
    }
    let committed = std::fs::read_to_string(committed_path).unwrap_or_default();
    assert!(
        committed == rendered,
        "docs/openapi.json is stale: run `UPDATE_OPENAPI=1 cargo test -p portal-tests openapi`"
    );

    // Every documented path answers with something other than the fallback 404.
    for path in paths.keys().filter(|p| !p.contains('{')) {
        let res = server.http.get(server.url(path)).send().await.unwrap();
        let body: serde_json::Value = res.json().await.unwrap_or_default();
        assert!(body["message"] != "No such endpoint.", "{path} is documented but not routed");
    }
}

#[tokio::test]
async fn healthz_reports_the_database() {
    let server = TestServer::start(&[]);
    let res = server.http.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    let database = body["database"].as_str().unwrap();
    let expected = if server.postgres_url().is_some() { "postgres" } else { "sqlite" };
    assert!(database.starts_with(expected) && database.contains(" schema v"), "{database}");
}
