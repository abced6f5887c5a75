//! /v1/me: the signed-in user's profile, identities, password and device sessions.
use std::sync::Arc;

use axum::{extract::State, http::StatusCode};
use portal_api::{
    endpoints::{self, Endpoint},
    *,
};
use uuid::Uuid;

use super::extract::{ApiJson, ApiPath, ClientIp};
use crate::{auth::Caller, error::AppResult, favourites::FavouritesService, identity::IdentityService, portal::Portal};

#[utoipa::path(get, path = endpoints::GetProfile::PATH, tag = "me", security(("bearer" = [])),
    responses((status = 200, body = Profile), (status = 401, body = ApiError)))]
pub async fn get_profile(State(identity): State<IdentityService>, caller: Caller) -> AppResult<ApiJson<Profile>> {
    identity.profile(caller.user.id).await.map(ApiJson)
}

#[utoipa::path(patch, path = endpoints::UpdateProfile::PATH, tag = "me", security(("bearer" = [])), request_body = UpdateProfileRequest,
    responses((status = 200, body = Profile),
        (status = 400, body = ApiError, description = "a birthday that is not month-day (MM-DD)"),
        (status = 422, body = ApiError)))]
pub async fn update_profile(
    State(identity): State<IdentityService>,
    caller: Caller,
    ApiJson(req): ApiJson<UpdateProfileRequest>,
) -> AppResult<ApiJson<Profile>> {
    identity.update_profile(&caller, req).await.map(ApiJson)
}

#[utoipa::path(put, path = endpoints::SetPassword::PATH, tag = "me", security(("bearer" = [])), request_body = SetPasswordRequest,
    responses((status = 204), (status = 401, body = ApiError), (status = 422, body = ApiError),
        (status = 429, body = ApiError, description = "too many wrong current passwords (locked), or the server is busy hashing passwords")))]
pub async fn set_password(
    State(identity): State<IdentityService>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<SetPasswordRequest>,
) -> AppResult<StatusCode> {
    identity.set_password(&caller, req, &ip).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Link another phone number or e-mail address (proven by a `link` code), or a username.
#[utoipa::path(post, path = endpoints::LinkIdentity::PATH, tag = "me", security(("bearer" = [])), request_body = LinkIdentityRequest,
    responses((status = 200, body = Profile), (status = 400, body = ApiError), (status = 409, body = ApiError),
        (status = 429, body = ApiError, description = "too many wrong codes")))]
pub async fn link_identity(
    State(identity): State<IdentityService>,
    caller: Caller,
    ApiJson(req): ApiJson<LinkIdentityRequest>,
) -> AppResult<ApiJson<Profile>> {
    identity.link_identity(&caller, req).await.map(ApiJson)
}

#[utoipa::path(get, path = endpoints::ListSessions::PATH, tag = "me", security(("bearer" = [])),
    responses((status = 200, body = DeviceSessionList)))]
pub async fn list_sessions(
    State(identity): State<IdentityService>,
    caller: Caller,
) -> AppResult<ApiJson<DeviceSessionList>> {
    identity.sessions(&caller).await.map(ApiJson)
}

#[utoipa::path(delete, path = endpoints::RevokeSession::PATH, tag = "me", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "device session id")),
    responses((status = 204), (status = 404, body = ApiError)))]
pub async fn revoke_session(
    State(identity): State<IdentityService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<StatusCode> {
    identity.revoke_own_session(&caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = endpoints::ListFavourites::PATH, tag = "me", security(("bearer" = [])),
    responses((status = 200, body = FavouriteList)))]
pub async fn list_favourites(
    State(favourites): State<FavouritesService>,
    caller: Caller,
) -> AppResult<ApiJson<FavouriteList>> {
    favourites.favourites(&caller).await.map(ApiJson)
}

/// Operations from a device's outbox, applied in order and each exactly once (by its id); the
/// answer lists the acknowledged ids and the account's favourites after them.
#[utoipa::path(post, path = endpoints::FavouriteOpsBatch::PATH, tag = "me", security(("bearer" = [])), request_body = FavouriteOps,
    responses((status = 200, body = FavouriteList), (status = 422, body = ApiError)))]
pub async fn favourite_ops(
    State(favourites): State<FavouritesService>,
    caller: Caller,
    ApiJson(req): ApiJson<FavouriteOps>,
) -> AppResult<ApiJson<FavouriteList>> {
    favourites.apply_favourite_ops(&caller, req).await.map(ApiJson)
}

/// Favourites handlers take the favourites from the server's state.
impl axum::extract::FromRef<Arc<Portal>> for FavouritesService {
    fn from_ref(portal: &Arc<Portal>) -> Self {
        portal.favourites.clone()
    }
}
