//! The administrator's console: people, locks, sessions, the audit log, health; and `/metrics`
//! for Prometheus (the configured scrape token, or an administrator's access token).
use std::sync::Arc;

use axum::{
    extract::State,
    http::{header, HeaderMap},
    response::{IntoResponse, Response},
};
use portal_api::{
    endpoints::{self, Endpoint},
    *,
};
use uuid::Uuid;

use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::{
    auth::Caller,
    console::ConsoleService,
    error::{AppError, AppResult},
    portal::Portal,
};

#[utoipa::path(get, path = endpoints::SearchUsers::PATH, tag = "admin", security(("bearer" = [])),
    params(UserSearchQuery),
    responses((status = 200, body = AdminUserList), (status = 400, body = ApiError), (status = 403, body = ApiError)))]
pub async fn search(
    State(console): State<ConsoleService>,
    caller: Caller,
    ApiQuery(query): ApiQuery<UserSearchQuery>,
) -> AppResult<ApiJson<AdminUserList>> {
    console.search(&caller, query).await.map(ApiJson)
}

/// Locks an account: no sign-in until unlocked, every session ended now.
#[utoipa::path(put, path = endpoints::LockUser::PATH, tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "account id")), request_body = LockAccount,
    responses((status = 200, body = AdminUser), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn lock(
    State(console): State<ConsoleService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<LockAccount>,
) -> AppResult<ApiJson<AdminUser>> {
    console.lock(&caller, id, req).await.map(ApiJson)
}

#[utoipa::path(delete, path = endpoints::UnlockUser::PATH, tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "account id")),
    responses((status = 200, body = AdminUser), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn unlock(
    State(console): State<ConsoleService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<ApiJson<AdminUser>> {
    console.unlock(&caller, id).await.map(ApiJson)
}

#[utoipa::path(get, path = endpoints::UserSessions::PATH, tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "account id")),
    responses((status = 200, body = AdminSessions), (status = 403, body = ApiError)))]
pub async fn sessions(
    State(console): State<ConsoleService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<ApiJson<AdminSessions>> {
    console.sessions(&caller, id).await.map(ApiJson)
}

#[utoipa::path(delete, path = endpoints::EndUserSession::PATH, tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "account id"), ("session" = Uuid, Path, description = "session id")),
    responses((status = 200, body = AdminSessions), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn end_session(
    State(console): State<ConsoleService>,
    caller: Caller,
    ApiPath((id, session)): ApiPath<(Uuid, Uuid)>,
) -> AppResult<ApiJson<AdminSessions>> {
    console.end_session(&caller, id, session).await.map(ApiJson)
}

#[utoipa::path(get, path = endpoints::AuditLog::PATH, tag = "admin", security(("bearer" = [])),
    params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 400, body = ApiError), (status = 403, body = ApiError)))]
pub async fn audit(
    State(console): State<ConsoleService>,
    caller: Caller,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> AppResult<ApiJson<AuditPage>> {
    console.audit(&caller, query).await.map(ApiJson)
}

#[utoipa::path(get, path = endpoints::SystemHealthOf::PATH, tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = SystemHealth), (status = 403, body = ApiError)))]
pub async fn health(State(console): State<ConsoleService>, caller: Caller) -> AppResult<ApiJson<SystemHealth>> {
    console.health(&caller).await.map(ApiJson)
}

#[utoipa::path(get, path = endpoints::AdminStores::PATH, tag = "admin", security(("bearer" = [])),
    params(DirectoryQuery),
    responses((status = 200, body = StoreList), (status = 400, body = ApiError), (status = 403, body = ApiError)))]
pub async fn stores(
    State(console): State<ConsoleService>,
    caller: Caller,
    ApiQuery(query): ApiQuery<DirectoryQuery>,
) -> AppResult<ApiJson<StoreList>> {
    console.stores(&caller, query).await.map(ApiJson)
}

#[utoipa::path(put, path = endpoints::PutStore::PATH, tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "store id")), request_body = Store,
    responses((status = 200, body = Store), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 409, body = ApiError)))]
pub async fn put_store(
    State(console): State<ConsoleService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(store): ApiJson<Store>,
) -> AppResult<ApiJson<Store>> {
    console.put_store(&caller, id, store).await.map(ApiJson)
}

#[utoipa::path(get, path = endpoints::AdminDealers::PATH, tag = "admin", security(("bearer" = [])),
    params(DirectoryQuery),
    responses((status = 200, body = DealerList), (status = 400, body = ApiError), (status = 403, body = ApiError)))]
pub async fn dealers(
    State(console): State<ConsoleService>,
    caller: Caller,
    ApiQuery(query): ApiQuery<DirectoryQuery>,
) -> AppResult<ApiJson<DealerList>> {
    console.dealers(&caller, query).await.map(ApiJson)
}

#[utoipa::path(put, path = endpoints::PutDealer::PATH, tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "dealer id")), request_body = Dealer,
    responses((status = 200, body = Dealer), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 409, body = ApiError)))]
pub async fn put_dealer(
    State(console): State<ConsoleService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(dealer): ApiJson<Dealer>,
) -> AppResult<ApiJson<Dealer>> {
    console.put_dealer(&caller, id, dealer).await.map(ApiJson)
}

/// `/metrics` in the Prometheus text format.
pub async fn metrics(State(portal): State<Arc<Portal>>, headers: HeaderMap) -> AppResult<Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(|| {
            AppError::new(ErrorCode::Unauthorized, "Send the scrape token or an administrator's access token.")
        })?;
    let scrape_token = &portal.config.metrics_token.0;
    let by_token = !scrape_token.is_empty() && ring_eq(scrape_token.as_bytes(), token.as_bytes());
    if !by_token {
        portal.identity.authenticate(token).await?.require(&[Role::Admin])?;
    }
    let body = portal.console.prometheus().await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body).into_response())
}

/// Compares secrets in time that does not depend on where they differ.
fn ring_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl axum::extract::FromRef<Arc<Portal>> for ConsoleService {
    fn from_ref(portal: &Arc<Portal>) -> Self {
        portal.console.clone()
    }
}
