//! Local stand-ins for the three push services, each checking every request the way the real one
//! does before it "delivers", written here apart from the server's own code:
//! - FCM HTTP v1: the service account's RS256 assertion at the token endpoint (issuer, scope,
//!   audience, times, signature), then the bearer token, the project, and a message whose `data`
//!   values are all strings; `UNREGISTERED` (404) for a dead token.
//! - APNs: HTTP/2 only, the ES256 provider token (key id, team, age under an hour, signature),
//!   the topic, push type, a 64-hex device token, a payload of at most 4 KB; `Unregistered` (410)
//!   for a dead token. It counts connections and provider tokens, to show both are reused.
//! - Huawei Push Kit: client credentials at the OAuth endpoint, the bearer token, the app id, the
//!   data message as a string; `80300007` for a dead token.
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::{
    body::Bytes,
    extract::{ConnectInfo, Path, State},
    http::{HeaderMap, StatusCode, Version},
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use ring::signature::{self, KeyPair};
use serde_json::{json, Value};

/// A push the stand-in delivered.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub token: String,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
}

#[derive(Default)]
struct Seen {
    delivered: Vec<Delivered>,
    /// Tokens that no longer reach an installation, and how often each was tried.
    dead: HashMap<String, u32>,
    /// Access tokens issued (FCM, Huawei).
    issued: HashSet<String>,
    /// APNs: the client connections pushes came over, and the provider tokens they carried.
    peers: HashSet<SocketAddr>,
    provider_tokens: HashSet<String>,
    refusals: Vec<String>,
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Splits and checks a JWT's signature with `verify`; its header and claims.
fn read_jwt(jwt: &str, verify: impl Fn(&[u8], &[u8]) -> bool) -> Option<(Value, Value)> {
    let (input, sig) = jwt.rsplit_once('.')?;
    let (header, claims) = input.split_once('.')?;
    if !verify(input.as_bytes(), &URL_SAFE_NO_PAD.decode(sig).ok()?) {
        return None;
    }
    let part = |p: &str| serde_json::from_slice::<Value>(&URL_SAFE_NO_PAD.decode(p).ok()?).ok();
    Some((part(header)?, part(claims)?))
}

fn bearer(headers: &HeaderMap, scheme: &str) -> String {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix(scheme))
        .unwrap_or("")
        .to_owned()
}

/// What every stand-in shares: what it saw, and how to start it.
#[derive(Clone, Default)]
pub struct Record(Arc<Mutex<Seen>>);

impl Record {
    pub fn delivered(&self) -> Vec<Delivered> {
        self.0.lock().unwrap().delivered.clone()
    }
    pub fn refusals(&self) -> Vec<String> {
        self.0.lock().unwrap().refusals.clone()
    }
    /// Marks a token as no longer reaching its installation.
    pub fn kill(&self, token: &str) {
        self.0.lock().unwrap().dead.insert(token.to_owned(), 0);
    }
    /// How often a dead token was tried.
    pub fn tries_of_dead(&self, token: &str) -> u32 {
        self.0.lock().unwrap().dead.get(token).copied().unwrap_or(0)
    }
    pub fn connections(&self) -> usize {
        self.0.lock().unwrap().peers.len()
    }
    pub fn provider_tokens(&self) -> usize {
        self.0.lock().unwrap().provider_tokens.len()
    }
    fn refuse(&self, why: &str) {
        self.0.lock().unwrap().refusals.push(why.to_owned());
    }
    /// Counts a try of a dead token; whether it was dead.
    fn dead(&self, token: &str) -> bool {
        match self.0.lock().unwrap().dead.get_mut(token) {
            Some(n) => {
                *n += 1;
                true
            }
            None => false,
        }
    }
    fn issue(&self) -> String {
        let token = format!("ya29.{}", uuid::Uuid::now_v7().simple());
        self.0.lock().unwrap().issued.insert(token.clone());
        token
    }
    fn knows(&self, token: &str) -> bool {
        self.0.lock().unwrap().issued.contains(token)
    }
    fn deliver(&self, d: Delivered) {
        self.0.lock().unwrap().delivered.push(d);
    }
}

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap()
    });
    addr
}

// ---- FCM ----

pub const FCM_SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";

#[derive(Clone)]
pub struct FcmStandIn {
    pub addr: SocketAddr,
    pub record: Record,
    /// The service account's JSON key, for the server's configuration.
    pub service_account: String,
}

#[derive(Clone)]
struct FcmState {
    record: Record,
    project: String,
    client_email: String,
    token_uri: String,
    public_key: Vec<u8>,
}

impl FcmStandIn {
    pub async fn start() -> Self {
        let pem = include_str!("fixtures/fcm-test-service-account.pem");
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = base64::engine::general_purpose::STANDARD.decode(body).unwrap();
        let pair = signature::RsaKeyPair::from_pkcs8(&der).unwrap();
        let record = Record::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = FcmState {
            record: record.clone(),
            project: "brand-portal-test".into(),
            client_email: "portal-push@brand-portal-test.iam.gserviceaccount.com".into(),
            token_uri: format!("http://{addr}/token"),
            public_key: pair.public().as_ref().to_vec(),
        };
        let service_account = json!({
            "type": "service_account", "project_id": state.project, "client_email": state.client_email,
            "private_key": pem, "token_uri": state.token_uri,
        })
        .to_string();
        let app = Router::new()
            .route("/token", post(fcm_token))
            .route("/v1/projects/{project}/messages:send", post(fcm_send))
            .with_state(state);
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { addr, record, service_account }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }
}

async fn fcm_token(State(s): State<FcmState>, body: Bytes) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let bad = |why: &str| {
        s.record.refuse(why);
        (StatusCode::BAD_REQUEST, Json(json!({ "error": "invalid_grant", "error_description": why }))).into_response()
    };
    if form.get("grant_type").map(String::as_str) != Some("urn:ietf:params:oauth:grant-type:jwt-bearer") {
        return bad("grant_type");
    }
    let key = signature::UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, s.public_key.clone());
    let Some((header, claims)) =
        read_jwt(form.get("assertion").map(String::as_str).unwrap_or(""), |m, sig| key.verify(m, sig).is_ok())
    else {
        return bad("Invalid JWT Signature.");
    };
    let now = unix_now();
    let (iat, exp) = (claims["iat"].as_i64().unwrap_or(0), claims["exp"].as_i64().unwrap_or(0));
    if header["alg"] != "RS256"
        || claims["iss"] != s.client_email.as_str()
        || claims["scope"] != FCM_SCOPE
        || claims["aud"] != s.token_uri.as_str()
        || (iat - now).abs() > 300
        || exp <= now
        || exp - iat > 3_600
    {
        return bad("Invalid JWT: claims");
    }
    Json(json!({ "access_token": s.record.issue(), "expires_in": 3599, "token_type": "Bearer" })).into_response()
}

fn fcm_error(status: StatusCode, state: &str, code: Option<&str>) -> Response {
    let mut error = json!({ "code": status.as_u16(), "message": state, "status": state });
    if let Some(code) = code {
        error["details"] =
            json!([{ "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": code }]);
    }
    (status, Json(json!({ "error": error }))).into_response()
}

async fn fcm_send(State(s): State<FcmState>, Path(project): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    if !s.record.knows(&bearer(&headers, "Bearer ")) {
        s.record.refuse("UNAUTHENTICATED");
        return fcm_error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", None);
    }
    if project != s.project {
        s.record.refuse("project");
        return fcm_error(StatusCode::FORBIDDEN, "PERMISSION_DENIED", Some("SENDER_ID_MISMATCH"));
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return fcm_error(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", Some("INVALID_ARGUMENT"));
    };
    let message = &body["message"];
    let token = message["token"].as_str().unwrap_or("").to_owned();
    let strings = message["data"].as_object().is_none_or(|d| d.values().all(Value::is_string));
    let (title, text) = (message["notification"]["title"].as_str(), message["notification"]["body"].as_str());
    if token.is_empty() || !strings || title.is_none() || text.is_none() {
        s.record.refuse("INVALID_ARGUMENT");
        return fcm_error(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", Some("INVALID_ARGUMENT"));
    }
    if s.record.dead(&token) {
        return fcm_error(StatusCode::NOT_FOUND, "NOT_FOUND", Some("UNREGISTERED"));
    }
    s.record.deliver(Delivered {
        token,
        title: title.unwrap().to_owned(),
        body: text.unwrap().to_owned(),
        link: message["data"]["link"].as_str().map(str::to_owned),
    });
    Json(json!({ "name": format!("projects/{project}/messages/0:{}", uuid::Uuid::now_v7().simple()) })).into_response()
}

// ---- APNs ----

#[derive(Clone)]
pub struct ApnsStandIn {
    pub addr: SocketAddr,
    pub record: Record,
    /// The team's signing key (PKCS#8 PEM), its id, the team and the app's topic.
    pub key_pem: String,
    pub key_id: String,
    pub team_id: String,
    pub topic: String,
}

#[derive(Clone)]
struct ApnsState {
    record: Record,
    public_key: Vec<u8>,
    key_id: String,
    team_id: String,
    topic: String,
}

impl ApnsStandIn {
    pub async fn start() -> Self {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = signature::EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair =
            signature::EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
                .unwrap();
        let key_pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            base64::engine::general_purpose::STANDARD.encode(pkcs8.as_ref())
        );
        let record = Record::default();
        let state = ApnsState {
            record: record.clone(),
            public_key: pair.public_key().as_ref().to_vec(),
            key_id: "ABC123DEFG".into(),
            team_id: "DEF123GHIJ".into(),
            topic: "com.brand.portal".into(),
        };
        let app = Router::new().route("/3/device/{token}", post(apns_push)).with_state(state.clone());
        let addr = serve(app).await;
        Self { addr, record, key_pem, key_id: state.key_id, team_id: state.team_id, topic: state.topic }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }
}

fn apns_refuse(record: &Record, status: StatusCode, reason: &str) -> Response {
    record.refuse(reason);
    (status, Json(json!({ "reason": reason }))).into_response()
}

async fn apns_push(
    State(s): State<ApnsState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    version: Version,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if version != Version::HTTP_2 {
        return apns_refuse(&s.record, StatusCode::BAD_REQUEST, "HTTP/2 only");
    }
    let jwt = bearer(&headers, "bearer ");
    let key = signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, s.public_key.clone());
    let Some((header, claims)) = read_jwt(&jwt, |m, sig| key.verify(m, sig).is_ok()) else {
        return apns_refuse(&s.record, StatusCode::FORBIDDEN, "InvalidProviderToken");
    };
    if header["alg"] != "ES256" || header["kid"] != s.key_id.as_str() || claims["iss"] != s.team_id.as_str() {
        return apns_refuse(&s.record, StatusCode::FORBIDDEN, "InvalidProviderToken");
    }
    if unix_now() - claims["iat"].as_i64().unwrap_or(0) > 3_600 {
        return apns_refuse(&s.record, StatusCode::FORBIDDEN, "ExpiredProviderToken");
    }
    let header_of = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
    if header_of("apns-topic") != s.topic {
        return apns_refuse(&s.record, StatusCode::BAD_REQUEST, "DeviceTokenNotForTopic");
    }
    if header_of("apns-push-type") != "alert" {
        return apns_refuse(&s.record, StatusCode::BAD_REQUEST, "InvalidPushType");
    }
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return apns_refuse(&s.record, StatusCode::BAD_REQUEST, "BadDeviceToken");
    }
    if body.len() > 4_096 {
        return apns_refuse(&s.record, StatusCode::PAYLOAD_TOO_LARGE, "PayloadTooLarge");
    }
    let Ok(payload) = serde_json::from_slice::<Value>(&body) else {
        return apns_refuse(&s.record, StatusCode::BAD_REQUEST, "PayloadEmpty");
    };
    {
        let mut seen = s.record.0.lock().unwrap();
        seen.peers.insert(peer);
        seen.provider_tokens.insert(jwt);
    }
    if s.record.dead(&token) {
        return (StatusCode::GONE, Json(json!({ "reason": "Unregistered", "timestamp": unix_now() * 1000 })))
            .into_response();
    }
    let alert = &payload["aps"]["alert"];
    let (Some(title), Some(text)) = (alert["title"].as_str(), alert["body"].as_str()) else {
        return apns_refuse(&s.record, StatusCode::BAD_REQUEST, "PayloadEmpty");
    };
    s.record.deliver(Delivered {
        token,
        title: title.to_owned(),
        body: text.to_owned(),
        link: payload["link"].as_str().map(str::to_owned),
    });
    let id = header_of("apns-id").to_owned();
    (StatusCode::OK, [("apns-id", if id.is_empty() { uuid::Uuid::now_v7().to_string() } else { id })]).into_response()
}

// ---- Huawei Push Kit ----

#[derive(Clone)]
pub struct HuaweiStandIn {
    pub addr: SocketAddr,
    pub record: Record,
    pub app_id: String,
    pub client_secret: String,
}

#[derive(Clone)]
struct HuaweiState {
    record: Record,
    app_id: String,
    client_secret: String,
}

impl HuaweiStandIn {
    pub async fn start() -> Self {
        let record = Record::default();
        let state =
            HuaweiState { record: record.clone(), app_id: "107654321".into(), client_secret: "hw+secret/2026".into() };
        let app = Router::new()
            .route("/oauth2/v3/token", post(huawei_token))
            .route("/v1/{app}/messages:send", post(huawei_send))
            .with_state(state.clone());
        let addr = serve(app).await;
        Self { addr, record, app_id: state.app_id, client_secret: state.client_secret }
    }

    pub fn token_endpoint(&self) -> String {
        format!("http://{}/oauth2/v3/token", self.addr)
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }
}

async fn huawei_token(State(s): State<HuaweiState>, body: Bytes) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    if get("grant_type") != "client_credentials"
        || get("client_id") != s.app_id
        || get("client_secret") != s.client_secret
    {
        s.record.refuse("invalid client");
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": 1101, "error_description": "invalid client" })))
            .into_response();
    }
    Json(json!({ "access_token": s.record.issue(), "expires_in": 3600, "token_type": "Bearer" })).into_response()
}

async fn huawei_send(
    State(s): State<HuaweiState>,
    Path(app): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answer = |code: &str, msg: &str| {
        Json(json!({ "code": code, "msg": msg, "requestId": uuid::Uuid::now_v7().simple().to_string() }))
            .into_response()
    };
    if !s.record.knows(&bearer(&headers, "Bearer ")) {
        s.record.refuse("80200003");
        return (StatusCode::UNAUTHORIZED, answer("80200003", "OAuth token expired")).into_response();
    }
    if app != s.app_id {
        s.record.refuse("80300002");
        return answer("80300002", "The current app does not have the permission to send messages");
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return answer("80100003", "Incorrect message structure");
    };
    let message = &body["message"];
    let tokens: Vec<String> = message["token"]
        .as_array()
        .map(|t| t.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    let note = &message["android"]["notification"];
    let data_is_text = message["data"].is_null() || message["data"].is_string();
    if tokens.is_empty() || tokens.len() > 1_000 || !data_is_text || !body["validate_only"].is_boolean() {
        s.record.refuse("80100003");
        return answer("80100003", "Incorrect message structure");
    }
    let (Some(title), Some(text)) = (note["title"].as_str(), note["body"].as_str()) else {
        s.record.refuse("80100003");
        return answer("80100003", "Incorrect message structure");
    };
    if tokens.iter().all(|t| s.record.dead(t)) {
        return answer("80300007", "All the tokens are invalid");
    }
    let data: Value = message["data"].as_str().and_then(|d| serde_json::from_str(d).ok()).unwrap_or_default();
    for token in tokens {
        s.record.deliver(Delivered {
            token,
            title: title.to_owned(),
            body: text.to_owned(),
            link: data["link"].as_str().map(str::to_owned),
        });
    }
    answer("80000000", "Success")
}
