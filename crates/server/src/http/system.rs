//! Health, and the dev-mode outbox.
use std::sync::Arc;

use axum::extract::State;
use portal_api::{
    endpoints::{self, Endpoint},
    *,
};

use super::extract::{ApiJson, ApiQuery};
use crate::{
    error::{AppError, AppResult},
    identity::normalize,
    portal::Portal,
};

#[utoipa::path(get, path = endpoints::HealthCheck::PATH, tag = "system", responses((status = 200, body = Health), (status = 500, body = ApiError)))]
pub async fn health(State(portal): State<Arc<Portal>>) -> AppResult<ApiJson<Health>> {
    let database = portal.db.health().await?;
    Ok(ApiJson(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        database,
        instance: portal.config.instance_name(),
    }))
}

/// Whether this instance can serve: its database answers. While the instance is starting (its
/// database being migrated) it answers 503 here, and to every other request; a load balancer
/// sends it nothing until this says ready.
#[utoipa::path(get, path = endpoints::ReadyCheck::PATH, tag = "system", responses((status = 200, body = Health), (status = 503, body = ApiError)))]
pub async fn ready(State(portal): State<Arc<Portal>>) -> AppResult<ApiJson<Health>> {
    let database = portal.db.health().await.map_err(|e| {
        tracing::warn!(error = %e, "not ready: the database does not answer");
        AppError::new(ErrorCode::Unavailable, "The server cannot reach its database. Try again in a moment.")
    })?;
    Ok(ApiJson(Health {
        status: "ready".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        database,
        instance: portal.config.instance_name(),
    }))
}

/// Messages the embedded sender delivered to one address. Only in dev mode.
#[utoipa::path(get, path = endpoints::DevOutbox::PATH, tag = "dev", params(OutboxQuery),
    responses((status = 200, body = Vec<OutboxMessage>), (status = 404, body = ApiError)))]
pub async fn outbox(
    State(portal): State<Arc<Portal>>,
    ApiQuery(q): ApiQuery<OutboxQuery>,
) -> AppResult<ApiJson<Vec<OutboxMessage>>> {
    if !portal.config.dev_mode {
        return Err(AppError::new(ErrorCode::NotDevMode, "The outbox exists only when the server runs in dev mode."));
    }
    let to = if q.to.contains('@') { normalize::email(&q.to)? } else { normalize::phone(&q.to)? };
    let key = portal.keys.dev_outbox_key();
    let messages = portal.db.dev_messages(&to, 1000).await?;
    Ok(ApiJson(
        messages
            .into_iter()
            .filter_map(|m| {
                let (body, code) = crate::sender::open(&key, &m.recipient, &m.sealed)?;
                let channel = from_wire_name(&m.channel).unwrap_or(CodeChannel::Sms);
                Some(OutboxMessage { channel, to: m.recipient, body, code, sent_at: m.sent_at })
            })
            .collect(),
    ))
}
