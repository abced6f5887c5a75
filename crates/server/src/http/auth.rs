//! /v1/auth: codes, sign-up, sign-in, refresh, sign-out.
use std::sync::Arc;

use axum::{extract::State, http::StatusCode};
use portal_api::{
    endpoints::{self, Endpoint},
    *,
};

use super::extract::{ApiJson, ClientIp};
use crate::{auth::Caller, error::AppResult, identity::IdentityService, portal::Portal};

/// Send a one-time code by SMS (sign-up, sign-in, link) or e-mail (link).
#[utoipa::path(post, path = endpoints::SendCode::PATH, tag = "auth", request_body = SendCodeRequest,
    responses((status = 200, body = SendCodeResponse), (status = 409, body = ApiError), (status = 422, body = ApiError), (status = 429, body = ApiError)))]
pub async fn send_code(
    State(identity): State<IdentityService>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<SendCodeRequest>,
) -> AppResult<ApiJson<SendCodeResponse>> {
    identity.send_code(req, &ip).await.map(ApiJson)
}

/// Create an account with a phone number proven by an SMS code.
#[utoipa::path(post, path = endpoints::SignUp::PATH, tag = "auth", request_body = SignUpRequest,
    responses((status = 200, body = AuthResponse), (status = 400, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError),
        (status = 429, body = ApiError, description = "too many wrong codes, or the server is busy hashing passwords")))]
pub async fn sign_up(
    State(identity): State<IdentityService>,
    ApiJson(req): ApiJson<SignUpRequest>,
) -> AppResult<ApiJson<AuthResponse>> {
    identity.sign_up(req).await.map(ApiJson)
}

/// Sign in with a phone number and an SMS code.
#[utoipa::path(post, path = endpoints::SignInCode::PATH, tag = "auth", request_body = CodeSignInRequest,
    responses((status = 200, body = AuthResponse), (status = 400, body = ApiError), (status = 404, body = ApiError), (status = 429, body = ApiError)))]
pub async fn sign_in_code(
    State(identity): State<IdentityService>,
    ApiJson(req): ApiJson<CodeSignInRequest>,
) -> AppResult<ApiJson<AuthResponse>> {
    identity.sign_in_with_code(req).await.map(ApiJson)
}

/// Sign in with a phone number, e-mail address or username, and a password.
#[utoipa::path(post, path = endpoints::SignInPassword::PATH, tag = "auth", request_body = PasswordSignInRequest,
    responses((status = 200, body = AuthResponse), (status = 401, body = ApiError), (status = 429, body = ApiError)))]
pub async fn sign_in_password(
    State(identity): State<IdentityService>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<PasswordSignInRequest>,
) -> AppResult<ApiJson<AuthResponse>> {
    identity.sign_in_with_password(req, &ip).await.map(ApiJson)
}

/// Trade a refresh token for a new pair (rotation with reuse detection).
#[utoipa::path(post, path = endpoints::Refresh::PATH, tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenPair), (status = 401, body = ApiError)))]
pub async fn refresh(
    State(identity): State<IdentityService>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> AppResult<ApiJson<TokenPair>> {
    identity.refresh(req).await.map(ApiJson)
}

/// End this device's session.
#[utoipa::path(post, path = endpoints::SignOut::PATH, tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ApiError)))]
pub async fn sign_out(State(identity): State<IdentityService>, caller: Caller) -> AppResult<StatusCode> {
    identity.sign_out(&caller).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// End the session a refresh token names, without an access token: a device that signed out
/// offline sends this when the network returns. Any generation of the session's token will do
/// (ending a session harms no one); an unknown or forged token is refused.
#[utoipa::path(post, path = endpoints::Revoke::PATH, tag = "auth", request_body = RefreshRequest,
    responses((status = 204), (status = 401, body = ApiError), (status = 422, body = ApiError)))]
pub async fn revoke(
    State(identity): State<IdentityService>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> AppResult<StatusCode> {
    identity.revoke_by_refresh_token(&req.refresh_token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Identity handlers take the user center from the server's state.
impl axum::extract::FromRef<Arc<Portal>> for IdentityService {
    fn from_ref(portal: &Arc<Portal>) -> Self {
        portal.identity.clone()
    }
}
