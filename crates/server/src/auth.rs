//! Who a request is from: the signed-in caller, resolved from a bearer access token whose
//! session must still be live, and the extractors handlers take it with.
use std::sync::Arc;

use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts},
};
use portal_api::{ErrorCode, Role};
use uuid::Uuid;

use crate::{
    common::now,
    db::UserRecord,
    error::{AppError, AppResult},
    portal::Portal,
};

/// The signed-in user behind a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: UserRecord,
    pub session_id: Uuid,
}

impl Caller {
    pub fn require(&self, roles: &[Role]) -> AppResult<()> {
        if roles.contains(&self.user.role) {
            Ok(())
        } else {
            Err(AppError::forbidden())
        }
    }
}

impl Portal {
    /// Resolves a bearer access token to its caller; the session must still be live.
    pub async fn authenticate(&self, token: &str) -> AppResult<Caller> {
        let claims = self
            .keys
            .verify_access(token)
            .ok_or_else(|| AppError::new(ErrorCode::Unauthorized, "The access token is not valid. Sign in again."))?;
        let now = now();
        if claims.exp <= now {
            return Err(AppError::new(ErrorCode::TokenExpired, "The access token has expired; refresh it."));
        }
        // The session still live and the account, in one read.
        let user =
            self.db.live_session_user(claims.sid, claims.uid).await?.ok_or_else(|| {
                AppError::new(ErrorCode::SessionRevoked, "This device was signed out. Sign in again.")
            })?;
        // The session's last use is kept to the minute, and the first use of each access token's
        // generation (refresh rotation reads it): a touch this instance made for the same
        // generation less than a minute ago is not made again.
        if self.session_touch_due(claims.sid, claims.gen, now) {
            self.db.touch_session(claims.sid, claims.gen, now).await?;
            self.session_touched(claims.sid, claims.gen, now);
        }
        Ok(Caller { user, session_id: claims.sid })
    }

    /// Whether this instance should record a use of (session, generation) now.
    fn session_touch_due(&self, session: Uuid, generation: i64, now: i64) -> bool {
        let touched = self.session_touches.lock().expect("not poisoned");
        !touched.get(&(session, generation)).is_some_and(|at| now - at < 60)
    }

    /// Remembers that the use was recorded (only once it was).
    fn session_touched(&self, session: Uuid, generation: i64, now: i64) {
        let mut touched = self.session_touches.lock().expect("not poisoned");
        if touched.len() >= 100_000 {
            touched.clear();
        }
        touched.insert((session, generation), now);
    }
}

impl FromRequestParts<Arc<Portal>> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, portal: &Arc<Portal>) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| AppError::new(ErrorCode::Unauthorized, "Sign in first: this needs an access token."))?;
        portal.authenticate(token.trim()).await
    }
}

/// The caller when a bearer token is sent; `None` for anonymous requests. A token that is sent
/// but not valid is still an error, so a client never silently loses its role.
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequestParts<Arc<Portal>> for MaybeCaller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, portal: &Arc<Portal>) -> Result<Self, Self::Rejection> {
        if parts.headers.contains_key(header::AUTHORIZATION) {
            Caller::from_request_parts(parts, portal).await.map(|c| MaybeCaller(Some(c)))
        } else {
            Ok(MaybeCaller(None))
        }
    }
}
