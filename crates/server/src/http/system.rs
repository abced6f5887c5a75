//! Health, and the dev-mode outbox.
use std::sync::Arc;

use axum::extract::State;
use portal_api::*;
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::{ApiJson, ApiQuery};
use crate::{
    error::{AppError, AppResult},
    identity::normalize,
    portal::Portal,
};

#[utoipa::path(get, path = "/healthz", tag = "system", responses((status = 200, body = Health), (status = 500, body = ApiError)))]
pub async fn health(State(portal): State<Arc<Portal>>) -> AppResult<ApiJson<Health>> {
    let database = portal.db.health().await?;
    Ok(ApiJson(Health { status: "ok".into(), version: env!("CARGO_PKG_VERSION").into(), database }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct OutboxQuery {
    /// A phone number or e-mail address, normalised as the sender saw it.
    pub to: String,
}

/// Messages the embedded sender delivered to one address. Only in dev mode.
#[utoipa::path(get, path = "/v1/dev/outbox", tag = "dev", params(OutboxQuery),
    responses((status = 200, body = Vec<OutboxMessage>), (status = 404, body = ApiError)))]
pub async fn outbox(
    State(portal): State<Arc<Portal>>,
    ApiQuery(q): ApiQuery<OutboxQuery>,
) -> AppResult<ApiJson<Vec<OutboxMessage>>> {
    if !portal.config.dev_mode {
        return Err(AppError::new(ErrorCode::NotDevMode, "The outbox exists only when the server runs in dev mode."));
    }
    let to = if q.to.contains('@') { normalize::email(&q.to)? } else { normalize::phone(&q.to)? };
    Ok(ApiJson(portal.sender.outbox(&to)))
}
