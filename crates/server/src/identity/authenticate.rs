//! Resolving a bearer access token to its caller: the token checked, the session still live, its
//! use recorded at most once a minute per instance.
use portal_api::ErrorCode;
use uuid::Uuid;

use super::IdentityService;
use crate::{
    auth::Caller,
    common::now,
    error::{AppError, AppResult},
};

impl IdentityService {
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
            self.sessions.live_session_user(claims.sid, claims.uid).await?.ok_or_else(|| {
                AppError::new(ErrorCode::SessionRevoked, "This device was signed out. Sign in again.")
            })?;
        // The session's last use is kept to the minute, and the first use of each access token's
        // generation (refresh rotation reads it): a touch this instance made for the same
        // generation less than a minute ago is not made again.
        if self.session_touch_due(claims.sid, claims.gen, now) {
            self.sessions.touch_session(claims.sid, claims.gen, now).await?;
            self.session_touched(claims.sid, claims.gen, now);
        }
        Ok(Caller { user, session_id: claims.sid })
    }

    /// Whether this instance should record a use of (session, generation) now.
    fn session_touch_due(&self, session: Uuid, generation: i64, now: i64) -> bool {
        let touched = self.session_touches.lock().expect("not poisoned");
        !touched.get(&super::SessionGeneration { session, generation }).is_some_and(|at| now - at < 60)
    }

    /// Remembers that the use was recorded (only once it was).
    fn session_touched(&self, session: Uuid, generation: i64, now: i64) {
        let mut touched = self.session_touches.lock().expect("not poisoned");
        if touched.len() >= 100_000 {
            touched.clear();
        }
        touched.insert(super::SessionGeneration { session, generation }, now);
    }
}
