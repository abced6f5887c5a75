//! The middleware every routed request passes: its duration and status counted for `/metrics`,
//! and each change an administrator or business manager makes (any request but a read, sign-in
//! aside) written to the audit log with who, when, what and how it ended. The caller it
//! authenticates is handed on, so the handler does not authenticate twice.
use std::sync::Arc;
use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request, State},
    http::{header, Method},
    middleware::Next,
    response::Response,
};
use portal_api::Role;

use crate::{common::now, db::AuditRecord, portal::Portal};

/// The longest path kept in the audit log.
const MAX_PATH: usize = 300;

pub async fn observe(State(portal): State<Arc<Portal>>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str()).to_owned();
    let path: String = req.uri().path().chars().take(MAX_PATH).collect();
    let changes = !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
    let mut actor = None;
    if changes && !route.starts_with("/v1/auth/") {
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_owned());
        if let Some(token) = token {
            if let Ok(caller) = portal.identity.authenticate(&token).await {
                if matches!(caller.user.role, Role::Admin | Role::BusinessManager) {
                    actor = Some((caller.user.id, caller.user.role));
                }
                req.extensions_mut().insert(caller);
            }
        }
    }
    let response = next.run(req).await;
    let status = response.status().as_u16();
    portal.console.metrics.observe(method.as_str(), &route, status, started.elapsed().as_secs_f64());
    if let Some((actor_id, role)) = actor {
        let entry = AuditRecord {
            actor_id,
            role: role.as_str().to_owned(),
            method: method.to_string(),
            path,
            status,
            at: now(),
        };
        if let Err(e) = portal.db.record_audit(entry).await {
            tracing::error!(error = %e, %actor_id, "an administrator's change could not be written to the audit log");
        }
    }
    response
}
