//! Request extractors: JSON bodies with coded errors, the signed-in caller, the client's address.
use std::{net::SocketAddr, sync::Arc};

use axum::{
    extract::{rejection::JsonRejection, ConnectInfo, FromRequest, FromRequestParts, Request},
    http::{header, request::Parts, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use portal_api::ErrorCode;
use serde::{de::DeserializeOwned, Serialize};

use crate::{error::AppError, identity::accounts::Caller, portal::Portal};

/// JSON in and out; a body that is not valid JSON, or too large, is a coded error.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> AppError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return AppError::new(ErrorCode::BodyTooLarge, "The request body is too large.");
    }
    let message = match &rejection {
        JsonRejection::MissingJsonContentType(_) => {
            "Send the body as JSON with Content-Type: application/json.".to_owned()
        }
        JsonRejection::JsonSyntaxError(_) => format!("The body is not valid JSON: {}", rejection.body_text()),
        JsonRejection::JsonDataError(_) => {
            format!("The JSON does not have the expected fields: {}", rejection.body_text())
        }
        _ => format!("The body could not be read: {}", rejection.body_text()),
    };
    AppError::new(ErrorCode::InvalidJson, message)
}

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
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

/// The address the request came from, for rate limits.
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        Ok(ClientIp(ip))
    }
}
