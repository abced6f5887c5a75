//! Request extractors: JSON bodies with coded errors, the signed-in caller, the client's address.
use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

use axum::{
    extract::{rejection::JsonRejection, ConnectInfo, FromRequest, FromRequestParts, Path, Query, Request},
    http::{header, request::Parts, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use portal_api::ErrorCode;
use serde::{de::DeserializeOwned, Serialize};

use crate::{
    auth::{Caller, MaybeCaller},
    error::AppError,
    portal::Portal,
};

/// JSON in and out; a body that is not valid JSON, or too large, is a coded error.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned + serde::Serialize,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => {
                // No text may hold a NUL character: no database stores one, and a device would
                // otherwise send a refused write again and again.
                if serde_json::to_string(&value).is_ok_and(|json| json.contains("\\u0000")) {
                    return Err(AppError::new(
                        ErrorCode::InvalidJson,
                        "The body holds a NUL character (\\u0000) in a text; remove it.",
                    ));
                }
                Ok(ApiJson(value))
            }
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

/// A path parameter; a malformed one (say, not a UUID) is a coded error.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(AppError::new(
                ErrorCode::InvalidParameter,
                format!("A path parameter is not valid: {}", rejection.body_text()),
            )),
        }
    }
}

/// Query parameters; a malformed query string is a coded error.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(AppError::new(
                ErrorCode::InvalidParameter,
                format!("The query string is not valid: {}", rejection.body_text()),
            )),
        }
    }
}

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}

/// The address the request came from, for rate limits: the peer's, or, when the peer is a
/// configured trusted proxy, the right-most address of `X-Forwarded-For` that is not itself one of
/// those proxies (what a client sends in the header cannot choose its own address).
pub struct ClientIp(pub String);

impl FromRequestParts<Arc<Portal>> for ClientIp {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, portal: &Arc<Portal>) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
        let forwarded = parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
        Ok(ClientIp(client_address(peer, forwarded, &portal.config.trusted_proxies)))
    }
}

/// The client's address from the peer and the `X-Forwarded-For` headers (in order), as rate
/// limits count it: an IPv6 client by its /64 (one subscriber's network, which hands out as many
/// addresses as it likes), an IPv4 one by its address.
pub fn client_address<'a>(
    peer: Option<IpAddr>,
    forwarded: impl Iterator<Item = &'a str>,
    trusted: &[IpAddr],
) -> String {
    // A listener on [::] sees IPv4 peers as IPv4-mapped IPv6 addresses: compare the IPv4 ones.
    let Some(peer) = peer.map(|p| p.to_canonical()) else { return "unknown".into() };
    if !trusted.contains(&peer) {
        return limited_as(peer);
    }
    let hops: Vec<IpAddr> = forwarded
        .flat_map(|v| v.split(','))
        .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
        .map(|hop| hop.to_canonical())
        .collect();
    limited_as(hops.into_iter().rev().find(|hop| !trusted.contains(hop)).unwrap_or(peer))
}

/// `ip` is canonical (an IPv4-mapped address already turned into its IPv4 one).
fn limited_as(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => format!("{}/64", std::net::Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64))),
        IpAddr::V4(v4) => v4.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let client: IpAddr = "203.0.113.7".parse().unwrap();
        // An untrusted peer's header is ignored.
        assert_eq!(client_address(Some(client), ["1.2.3.4"].into_iter(), &[proxy]), "203.0.113.7");
        // Behind the proxy, a spoofed left-most entry does not win.
        assert_eq!(client_address(Some(proxy), ["1.2.3.4, 203.0.113.7"].into_iter(), &[proxy]), "203.0.113.7");
        assert_eq!(client_address(Some(proxy), std::iter::empty(), &[proxy]), "10.0.0.1");
        assert_eq!(client_address(None, std::iter::empty(), &[proxy]), "unknown");
        // One IPv6 subscriber is one client, whichever of its addresses it uses.
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        assert_eq!(client_address(Some(a), std::iter::empty(), &[]), "2001:db8:1:2::/64");
        assert_eq!(client_address(Some(b), std::iter::empty(), &[]), "2001:db8:1:2::/64");
        let mapped: IpAddr = "::ffff:203.0.113.7".parse().unwrap();
        assert_eq!(client_address(Some(mapped), std::iter::empty(), &[]), "203.0.113.7");
        // A proxy configured by its IPv4 address is trusted when it arrives IPv4-mapped.
        let mapped_proxy: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(client_address(Some(mapped_proxy), ["203.0.113.8"].into_iter(), &[proxy]), "203.0.113.8");
    }
}

impl FromRequestParts<Arc<Portal>> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, portal: &Arc<Portal>) -> Result<Self, Self::Rejection> {
        // Authenticated already by the middleware that audits changes.
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| AppError::new(ErrorCode::Unauthorized, "Sign in first: this needs an access token."))?;
        portal.identity.authenticate(token.trim()).await
    }
}

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
