//! Who a request is from: the signed-in account behind it. `identity::authenticate` resolves a
//! bearer access token to a `Caller`; the extractors in `http::extract` give it to handlers.
use portal_api::Role;
use uuid::Uuid;

use crate::{
    db::UserRecord,
    error::{AppError, AppResult},
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

/// The caller when a bearer token is sent; `None` for anonymous requests. A token that is sent
/// but not valid is still an error, so a client never silently loses its role.
pub struct MaybeCaller(pub Option<Caller>);
