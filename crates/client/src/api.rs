//! The HTTP client for the portal server.
use std::time::Duration;

use portal_api::*;
use reqwest::{Method, StatusCode};
use serde::{de::DeserializeOwned, Serialize};
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

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<&B>,
    ) -> ClientResult<T> {
        let url = self.base.join(path).map_err(|e| ClientError::Protocol(e.to_string()))?;
        let mut request = self.http.request(method, url);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
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

    pub async fn health(&self) -> ClientResult<Health> {
        self.call::<(), _>(Method::GET, "/healthz", None, None).await
    }
    pub async fn send_code(&self, req: &SendCodeRequest) -> ClientResult<SendCodeResponse> {
        self.call(Method::POST, "/v1/auth/codes", None, Some(req)).await
    }
    pub async fn sign_up(&self, req: &SignUpRequest) -> ClientResult<AuthResponse> {
        self.call(Method::POST, "/v1/auth/sign-up", None, Some(req)).await
    }
    pub async fn sign_in_code(&self, req: &CodeSignInRequest) -> ClientResult<AuthResponse> {
        self.call(Method::POST, "/v1/auth/sign-in/code", None, Some(req)).await
    }
    pub async fn sign_in_password(&self, req: &PasswordSignInRequest) -> ClientResult<AuthResponse> {
        self.call(Method::POST, "/v1/auth/sign-in/password", None, Some(req)).await
    }
    pub async fn refresh(&self, refresh_token: &str) -> ClientResult<TokenPair> {
        let req = RefreshRequest { refresh_token: refresh_token.to_owned() };
        self.call(Method::POST, "/v1/auth/refresh", None, Some(&req)).await
    }
    /// Ends the session a refresh token names (a sign-out made offline, sent later).
    pub async fn revoke(&self, refresh_token: &str) -> ClientResult<()> {
        let req = RefreshRequest { refresh_token: refresh_token.to_owned() };
        self.call::<_, ()>(Method::POST, "/v1/auth/revoke", None, Some(&req)).await
    }
    pub async fn sign_out(&self, access: &str) -> ClientResult<()> {
        self.call::<(), ()>(Method::POST, "/v1/auth/sign-out", Some(access), None).await
    }
    pub async fn profile(&self, access: &str) -> ClientResult<Profile> {
        self.call::<(), _>(Method::GET, "/v1/me", Some(access), None).await
    }
    pub async fn update_profile(&self, access: &str, req: &UpdateProfileRequest) -> ClientResult<Profile> {
        self.call(Method::PATCH, "/v1/me", Some(access), Some(req)).await
    }
    pub async fn set_password(&self, access: &str, req: &SetPasswordRequest) -> ClientResult<()> {
        self.call(Method::PUT, "/v1/me/password", Some(access), Some(req)).await
    }
    pub async fn link_identity(&self, access: &str, req: &LinkIdentityRequest) -> ClientResult<Profile> {
        self.call(Method::POST, "/v1/me/identities", Some(access), Some(req)).await
    }
    pub async fn sessions(&self, access: &str) -> ClientResult<DeviceSessionList> {
        self.call::<(), _>(Method::GET, "/v1/me/sessions", Some(access), None).await
    }
    pub async fn revoke_session(&self, access: &str, id: Uuid) -> ClientResult<()> {
        self.call::<(), ()>(Method::DELETE, &format!("/v1/me/sessions/{id}"), Some(access), None).await
    }
    pub async fn store_overview(&self, access: &str, id: Uuid) -> ClientResult<StoreOverview> {
        self.call::<(), _>(Method::GET, &format!("/v1/stores/{id}"), Some(access), None).await
    }
    pub async fn dealer_overview(&self, access: &str, id: Uuid) -> ClientResult<DealerOverview> {
        self.call::<(), _>(Method::GET, &format!("/v1/dealers/{id}"), Some(access), None).await
    }
    pub async fn audience(&self, access: &str) -> ClientResult<AudienceOverview> {
        self.call::<(), _>(Method::GET, "/v1/marketing/audience", Some(access), None).await
    }
    pub async fn catalog_page(&self, access: Option<&str>, cursor: Option<&str>, limit: u32) -> ClientResult<SyncPage> {
        let mut path = format!("/v1/catalog/sync?limit={limit}");
        if let Some(cursor) = cursor {
            let encoded: String = url::form_urlencoded::byte_serialize(cursor.as_bytes()).collect();
            path.push_str(&format!("&cursor={encoded}"));
        }
        self.call::<(), _>(Method::GET, &path, access, None).await
    }
    pub async fn favourites(&self, access: &str) -> ClientResult<FavouriteList> {
        self.call::<(), _>(Method::GET, "/v1/me/favourites", Some(access), None).await
    }
    pub async fn events(&self, access: Option<&str>, batch: &EventBatch) -> ClientResult<EventReceipt> {
        self.call(Method::POST, "/v1/events", access, Some(batch)).await
    }
    pub async fn recommendations(
        &self,
        access: Option<&str>,
        placement: Placement,
        model: Option<&str>,
    ) -> ClientResult<RecommendationList> {
        let mut path = format!("/v1/recommendations?placement={}", placement.as_str());
        if let Some(m) = model {
            path.push_str("&model=");
            path.extend(url::form_urlencoded::byte_serialize(m.as_bytes()));
        }
        self.call::<(), _>(Method::GET, &path, access, None).await
    }
    pub async fn recommendation_report(&self, access: &str, days: u32) -> ClientResult<RecommendationReport> {
        self.call::<(), _>(
            Method::GET,
            &format!("/v1/marketing/recommendations/report?days={days}"),
            Some(access),
            None,
        )
        .await
    }
    pub async fn triggers(&self, access: &str) -> ClientResult<TriggerList> {
        self.call::<(), _>(Method::GET, "/v1/marketing/triggers", Some(access), None).await
    }
    pub async fn create_trigger(&self, access: &str, req: &NewTrigger) -> ClientResult<Trigger> {
        self.call(Method::POST, "/v1/marketing/triggers", Some(access), Some(req)).await
    }
    pub async fn set_trigger_active(
        &self,
        access: &str,
        id: Uuid,
        req: &SetTriggerActive,
    ) -> ClientResult<TriggerList> {
        self.call(Method::PUT, &format!("/v1/marketing/triggers/{id}/active"), Some(access), Some(req)).await
    }
    pub async fn inbox(&self, access: &str) -> ClientResult<Inbox> {
        self.call::<(), _>(Method::GET, "/v1/me/inbox", Some(access), None).await
    }
    pub async fn read_inbox(&self, access: &str, id: Uuid) -> ClientResult<Inbox> {
        self.call::<(), _>(Method::POST, &format!("/v1/me/inbox/{id}/read"), Some(access), None).await
    }
    pub async fn experiments(&self, access: &str) -> ClientResult<ExperimentList> {
        self.call::<(), _>(Method::GET, "/v1/marketing/experiments", Some(access), None).await
    }
    pub async fn start_experiment(&self, access: &str, req: &NewExperiment) -> ClientResult<Experiment> {
        self.call(Method::POST, "/v1/marketing/experiments", Some(access), Some(req)).await
    }
    pub async fn stop_experiment(&self, access: &str, id: Uuid, req: &StopExperiment) -> ClientResult<Experiment> {
        self.call(Method::POST, &format!("/v1/marketing/experiments/{id}/stop"), Some(access), Some(req)).await
    }
    pub async fn customer_tags(&self, access: &str) -> ClientResult<CustomerTagList> {
        self.call::<(), _>(Method::GET, "/v1/marketing/tags", Some(access), None).await
    }
    pub async fn create_customer_tag(&self, access: &str, req: &NewCustomerTag) -> ClientResult<CustomerTag> {
        self.call(Method::POST, "/v1/marketing/tags", Some(access), Some(req)).await
    }
    pub async fn delete_customer_tag(&self, access: &str, id: Uuid) -> ClientResult<()> {
        self.call::<(), ()>(Method::DELETE, &format!("/v1/marketing/tags/{id}"), Some(access), None).await
    }
    pub async fn recompute_customer_tags(&self, access: &str, full: bool) -> ClientResult<CustomerTagList> {
        self.call::<(), _>(Method::POST, &format!("/v1/marketing/tags/recompute?full={full}"), Some(access), None).await
    }
    pub async fn find_customer(&self, access: &str, phone: &str) -> ClientResult<CustomerView> {
        let req = CustomerPhone { phone: phone.to_owned() };
        self.call(Method::POST, "/v1/customers/find", Some(access), Some(&req)).await
    }
    pub async fn customer_view(&self, access: &str, id: Uuid) -> ClientResult<CustomerView> {
        self.call::<(), _>(Method::GET, &format!("/v1/customers/{id}"), Some(access), None).await
    }
    pub async fn own_customer_view(&self, access: &str) -> ClientResult<CustomerView> {
        self.call::<(), _>(Method::GET, "/v1/me/customer-view", Some(access), None).await
    }
    pub async fn counter_code(&self, access: &str, phone: &str) -> ClientResult<SendCodeResponse> {
        let req = CustomerPhone { phone: phone.to_owned() };
        self.call(Method::POST, "/v1/customers/counter-code", Some(access), Some(&req)).await
    }
    pub async fn counter_consent(&self, access: &str, req: &CounterConsent) -> ClientResult<CustomerView> {
        self.call(Method::POST, "/v1/customers/counter-consent", Some(access), Some(req)).await
    }
    pub async fn tracking(&self, access: &str) -> ClientResult<TrackingConsent> {
        self.call::<(), _>(Method::GET, "/v1/me/tracking", Some(access), None).await
    }
    pub async fn set_tracking(&self, access: &str, tracking: bool) -> ClientResult<TrackingConsent> {
        self.call(Method::PUT, "/v1/me/tracking", Some(access), Some(&SetTrackingConsent { tracking })).await
    }
    pub async fn event_history(&self, access: &str, before: Option<(i64, Uuid)>) -> ClientResult<EventHistory> {
        let path = match before {
            Some((at, id)) => format!("/v1/me/events?limit=50&before_at={at}&before_id={id}"),
            None => "/v1/me/events?limit=50".to_owned(),
        };
        self.call::<(), _>(Method::GET, &path, Some(access), None).await
    }
    pub async fn delete_events(&self, access: &str) -> ClientResult<EventsDeleted> {
        self.call::<(), _>(Method::DELETE, "/v1/me/events", Some(access), None).await
    }
    pub async fn favourite_ops(&self, access: &str, ops: &FavouriteOps) -> ClientResult<FavouriteList> {
        self.call(Method::POST, "/v1/me/favourites/ops", Some(access), Some(ops)).await
    }
    pub async fn store_ops(&self, access: &str, ops: &StoreOps) -> ClientResult<StoreOpsResult> {
        self.call(Method::POST, "/v1/store-ops", Some(access), Some(ops)).await
    }
    pub async fn report_set_aside(&self, access: &str, report: &SetAsideReport) -> ClientResult<SetAsideAck> {
        self.call(Method::POST, "/v1/store-ops/set-aside", Some(access), Some(report)).await
    }
    pub async fn checkout_offer(
        &self,
        access: &str,
        store: Uuid,
        req: &CheckoutOfferRequest,
    ) -> ClientResult<CheckoutOffer> {
        self.call(Method::POST, &format!("/v1/stores/{store}/checkout-offer"), Some(access), Some(req)).await
    }
    pub async fn stock(&self, access: &str, store: Uuid) -> ClientResult<StockReport> {
        self.call::<(), _>(Method::GET, &format!("/v1/stores/{store}/stock"), Some(access), None).await
    }
    pub async fn day_report(&self, access: &str, store: Uuid, day: &str) -> ClientResult<DayReport> {
        self.call::<(), _>(Method::GET, &format!("/v1/stores/{store}/report?day={day}"), Some(access), None).await
    }
    pub async fn samples(&self, access: &str, store: Uuid) -> ClientResult<SampleList> {
        self.call::<(), _>(Method::GET, &format!("/v1/stores/{store}/samples"), Some(access), None).await
    }
    pub async fn transfers(&self, access: &str, store: Uuid) -> ClientResult<TransferList> {
        self.call::<(), _>(Method::GET, &format!("/v1/stores/{store}/transfers"), Some(access), None).await
    }
    pub async fn sales_by_receipt(&self, access: &str, store: Uuid, receipt_no: &str) -> ClientResult<StoreSaleList> {
        let encoded: String = url::form_urlencoded::byte_serialize(receipt_no.as_bytes()).collect();
        self.call::<(), _>(Method::GET, &format!("/v1/stores/{store}/sales?receipt_no={encoded}"), Some(access), None)
            .await
    }
    pub async fn store_flags(&self, access: &str, store: Uuid, after: Option<i64>) -> ClientResult<StoreFlagList> {
        let query = after.map(|a| format!("?after={a}")).unwrap_or_default();
        self.call::<(), _>(Method::GET, &format!("/v1/stores/{store}/flags{query}"), Some(access), None).await
    }
    pub async fn staff(&self, access: &str, store: Uuid) -> ClientResult<StaffList> {
        self.call::<(), _>(Method::GET, &format!("/v1/stores/{store}/staff"), Some(access), None).await
    }
    pub async fn set_discount_limit(
        &self,
        access: &str,
        store: Uuid,
        user: Uuid,
        req: &SetDiscountLimit,
    ) -> ClientResult<StaffMember> {
        self.call(Method::PUT, &format!("/v1/stores/{store}/staff/{user}"), Some(access), Some(req)).await
    }
    pub async fn purchases(&self, access: &str) -> ClientResult<PurchaseList> {
        self.call::<(), _>(Method::GET, "/v1/me/purchases", Some(access), None).await
    }
    pub async fn users(&self, access: &str) -> ClientResult<UserList> {
        self.call::<(), _>(Method::GET, "/v1/admin/users?limit=50", Some(access), None).await
    }
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
        let err = client.health().await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::ServerUnreachable, "{err}");
    }
}
