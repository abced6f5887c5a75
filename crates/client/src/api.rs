//! The HTTP client for the portal server.
use std::time::Duration;

use portal_api::{endpoints::Endpoint, *};
use reqwest::{Method, StatusCode};
use uuid::Uuid;

use crate::error::{ClientError, ClientResult};

#[derive(Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    base: url::Url,
}

/// Checks and normalises a server address typed by a person.
pub fn parse_server_url(input: &str) -> ClientResult<url::Url> {
    let trimmed = input.trim().trim_end_matches('/');
    let url = url::Url::parse(trimmed).map_err(|_| ClientError::InvalidServerUrl(input.to_owned()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ClientError::InvalidServerUrl(input.to_owned()));
    }
    // Tokens and customers' data never cross a network in the clear: plain http only to this
    // machine, unless a developer allows it (`PORTAL_ALLOW_INSECURE_HTTP=1`).
    let insecure_allowed = std::env::var("PORTAL_ALLOW_INSECURE_HTTP").is_ok_and(|v| v == "1");
    if url.scheme() == "http" && !is_loopback(&url) && !insecure_allowed {
        return Err(ClientError::InvalidServerUrl(input.to_owned()));
    }
    Ok(url)
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

impl ApiClient {
    pub fn new(base: url::Url) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .build()
            .expect("a TLS backend is compiled in");
        Self { http, base }
    }

    pub fn base(&self) -> &url::Url {
        &self.base
    }

    /// Sends one request to the endpoint it names, with the access token when given, and reads
    /// its answer; an error answer becomes `ClientError::Api` with the server's code.
    pub async fn call<E: Endpoint>(&self, access: Option<&str>, endpoint: &E) -> ClientResult<E::Answer> {
        let url = self.base.join(&endpoint.path()).map_err(|e| ClientError::Protocol(e.to_string()))?;
        let mut request = self.http.request(method(E::METHOD), url);
        if let Some(token) = access {
            request = request.bearer_auth(token);
        }
        if let Some(query) = endpoint.query() {
            request = request.query(query);
        }
        if let Some(body) = endpoint.body() {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| ClientError::Unreachable {
            url: self.base.to_string(),
            reason: if e.is_timeout() { "timed out".into() } else { e.without_url().to_string() },
        })?;
        let status = response.status();
        if status.is_success() {
            if status == StatusCode::NO_CONTENT {
                return serde_json::from_str("null").map_err(|e| ClientError::Protocol(e.to_string()));
            }
            return response.json().await.map_err(|e| ClientError::Protocol(e.to_string()));
        }
        let text = response.text().await.unwrap_or_default();
        match serde_json::from_str::<ApiError>(&text) {
            Ok(error) => Err(ClientError::Api(error)),
            Err(_) => Err(ClientError::Protocol(format!("HTTP {status} without an error body"))),
        }
    }
}

impl ApiClient {
    /// A text answer (CSV) of an endpoint that answers JSON otherwise, for `path` with its query.
    pub async fn get_text(&self, access: &str, path_and_query: &str) -> ClientResult<String> {
        let url = self.base.join(path_and_query).map_err(|e| ClientError::Protocol(e.to_string()))?;
        let response = self.http.get(url).bearer_auth(access).send().await.map_err(|e| ClientError::Unreachable {
            url: self.base.to_string(),
            reason: e.without_url().to_string(),
        })?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if status.is_success() {
            return Ok(text);
        }
        match serde_json::from_str::<ApiError>(&text) {
            Ok(error) => Err(ClientError::Api(error)),
            Err(_) => Err(ClientError::Protocol(format!("HTTP {status} without an error body"))),
        }
    }

    /// Opens the live channel (server-sent events) for as long as the server keeps it, telling it
    /// the last event heard; the answer's body is read as it comes.
    pub async fn open_live(&self, access: &str, last_event: Option<String>) -> ClientResult<reqwest::Response> {
        let url = self
            .base
            .join(portal_api::endpoints::LiveChannel::PATH)
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        let mut request = self
            .http
            .get(url)
            .bearer_auth(access)
            .header(reqwest::header::ACCEPT, "text/event-stream")
            // The channel stays open: an hour at most, then it is opened again.
            .timeout(Duration::from_secs(3_600));
        if let Some(id) = last_event {
            request = request.header("Last-Event-ID", id);
        }
        let response = request.send().await.map_err(|e| ClientError::Unreachable {
            url: self.base.to_string(),
            reason: e.without_url().to_string(),
        })?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        match serde_json::from_str::<ApiError>(&text) {
            Ok(error) => Err(ClientError::Api(error)),
            Err(_) => Err(ClientError::Protocol(format!("HTTP {status} without an error body"))),
        }
    }

    /// Imports a catalog as CSV (one row per SKU): the report, whether applied or refused (a
    /// refusal is a report of each row's problems, not an error).
    pub async fn import_catalog_csv(&self, access: &str, csv: String) -> ClientResult<portal_api::ImportReport> {
        let url = self
            .base
            .join(portal_api::endpoints::ImportCatalog::PATH)
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        let response = self
            .http
            .post(url)
            .bearer_auth(access)
            .header(reqwest::header::CONTENT_TYPE, "text/csv; charset=utf-8")
            .body(csv)
            .send()
            .await
            .map_err(|e| ClientError::Unreachable {
                url: self.base.to_string(),
                reason: e.without_url().to_string(),
            })?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if status.is_success() || status == StatusCode::UNPROCESSABLE_ENTITY {
            if let Ok(report) = serde_json::from_str::<portal_api::ImportReport>(&text) {
                return Ok(report);
            }
        }
        match serde_json::from_str::<ApiError>(&text) {
            Ok(error) => Err(ClientError::Api(error)),
            Err(_) => Err(ClientError::Protocol(format!("HTTP {status} without an error body"))),
        }
    }
}

fn method(method: portal_api::endpoints::Method) -> Method {
    use portal_api::endpoints::Method as M;
    match method {
        M::Get => Method::GET,
        M::Post => Method::POST,
        M::Put => Method::PUT,
        M::Patch => Method::PATCH,
        M::Delete => Method::DELETE,
    }
}

/// The query of a page of the caller's history: 50 events before (`at`, `id`) when given.
pub fn history_query(before: Option<(i64, Uuid)>) -> HistoryQuery {
    HistoryQuery { before_at: before.map(|b| b.0), before_id: before.map(|b| b.1), limit: Some(50) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls() {
        assert_eq!(parse_server_url(" http://127.0.0.1:8787/ ").unwrap().as_str(), "http://127.0.0.1:8787/");
        assert!(parse_server_url("https://portal.example.com").is_ok());
        assert!(parse_server_url("http://localhost:8787").is_ok());
        assert!(parse_server_url("http://[::1]:8787").is_ok());
        for bad in [
            "",
            "127.0.0.1:8787",
            "ftp://x",
            "http://",
            "not a url",
            "http://portal.example.com",
            "http://192.168.1.5:8787",
        ] {
            assert!(matches!(parse_server_url(bad), Err(ClientError::InvalidServerUrl(_))), "{bad}");
        }
    }

    #[tokio::test]
    async fn unreachable_server_is_a_coded_error() {
        // Port 9 on loopback: nothing listens there.
        let client = ApiClient::new(parse_server_url("http://127.0.0.1:9").unwrap());
        let err = client.call(None, &portal_api::endpoints::HealthCheck {}).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::ServerUnreachable, "{err}");
    }
}
