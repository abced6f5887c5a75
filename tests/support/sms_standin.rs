//! A local stand-in for Alibaba Cloud's SMS service (`dysmsapi`, 2017-05-25) that checks every
//! request the way the real one does before it "sends": the action and version, a known access
//! key, a fresh UTC timestamp (15 minutes either way), a nonce never seen before, the HMAC-SHA1
//! signature recomputed from the parameters (written here apart from the server's own code), the
//! approved signature name and template with its parameters, a mainland mobile number, the
//! account's rate and the per-number flow control for codes. It answers with the service's own
//! codes, and keeps what it accepted for the test to read.
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::{body::Bytes, extract::State, http::StatusCode, response::IntoResponse, routing::post, Json, Router};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};

/// One text the stand-in accepted.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub phone: String,
    pub template: String,
    pub params: Value,
    pub out_id: String,
    pub biz_id: String,
}

#[derive(Clone)]
pub struct StandInConfig {
    pub access_key_id: String,
    pub access_key_secret: String,
    pub sign_name: String,
    /// Approved templates and the parameters each needs.
    pub templates: HashMap<String, Vec<String>>,
    /// Requests a second the account may make.
    pub max_per_sec: u32,
    /// Numbers the carrier rejects.
    pub dead_numbers: Vec<String>,
    /// Templates approved as marketing (推广短信: their approved text carries the opt-out
    /// instruction); the one-a-minute flow control per number is for the others (codes).
    pub marketing_templates: Vec<String>,
}

#[derive(Default)]
struct Seen {
    nonces: HashSet<String>,
    accepted: Vec<Accepted>,
    /// When each number last got a text (codes: one a minute per number).
    last_to: HashMap<String, Instant>,
    /// The instants of the last second's requests.
    window: VecDeque<Instant>,
    /// The most requests seen in any one second.
    peak_per_sec: usize,
    refusals: Vec<String>,
    /// Answer every request after this long (a service that hangs).
    hang: Option<Duration>,
}

#[derive(Clone)]
pub struct SmsStandIn {
    pub addr: SocketAddr,
    config: Arc<StandInConfig>,
    seen: Arc<Mutex<Seen>>,
}

impl SmsStandIn {
    pub async fn start(config: StandInConfig) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let standin = Self { addr, config: Arc::new(config), seen: Arc::new(Mutex::new(Seen::default())) };
        let app = Router::new().route("/", post(answer)).with_state(standin.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        standin
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}/", self.addr)
    }

    pub fn accepted(&self) -> Vec<Accepted> {
        self.seen.lock().unwrap().accepted.clone()
    }

    /// The error codes it answered, in order.
    pub fn refusals(&self) -> Vec<String> {
        self.seen.lock().unwrap().refusals.clone()
    }

    pub fn peak_per_sec(&self) -> usize {
        self.seen.lock().unwrap().peak_per_sec
    }

    pub fn hang(&self, for_how_long: Option<Duration>) {
        self.seen.lock().unwrap().hang = for_how_long;
    }
}

/// RFC 3986 encoding as the service signs: unreserved characters kept, the rest `%XX` upper-case.
fn encode(text: &str) -> String {
    const KEEP: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~";
    let mut out = String::new();
    for b in text.as_bytes() {
        if KEEP.as_bytes().contains(b) {
            out.push(char::from(*b));
        } else {
            out += &format!("%{:02X}", b);
        }
    }
    out
}

fn refuse(seen: &mut Seen, status: StatusCode, code: &str, message: &str) -> (StatusCode, Json<Value>) {
    seen.refusals.push(code.to_owned());
    (status, Json(json!({ "Code": code, "Message": message, "RequestId": uuid::Uuid::now_v7().to_string() })))
}

fn unix_of(timestamp: &str) -> Option<i64> {
    // YYYY-MM-DDTHH:MM:SSZ
    let b = timestamp.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[19] != b'Z'
    {
        return None;
    }
    let n = |r: std::ops::Range<usize>| timestamp.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (n(0..4)?, n(5..7)?, n(8..10)?);
    // Days from the civil date (Howard Hinnant), written out again here.
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    Some(days * 86_400 + n(11..13)? * 3600 + n(14..16)? * 60 + n(17..19)?)
}

async fn answer(State(standin): State<SmsStandIn>, body: Bytes) -> impl IntoResponse {
    let hang = standin.seen.lock().unwrap().hang;
    if let Some(wait) = hang {
        tokio::time::sleep(wait).await;
    }
    let params: BTreeMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let config = &standin.config;
    let mut seen = standin.seen.lock().unwrap();
    let seen = &mut *seen;
    let now = Instant::now();
    seen.window.push_back(now);
    while seen.window.front().is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1)) {
        seen.window.pop_front();
    }
    seen.peak_per_sec = seen.peak_per_sec.max(seen.window.len());
    let get = |k: &str| params.get(k).map(String::as_str).unwrap_or("");
    if get("Action") != "SendSms" || get("Version") != "2017-05-25" {
        return refuse(seen, StatusCode::BAD_REQUEST, "InvalidAction.NotFound", "Specified api is not found");
    }
    if get("SignatureMethod") != "HMAC-SHA1" || get("SignatureVersion") != "1.0" || get("Format") != "JSON" {
        return refuse(seen, StatusCode::BAD_REQUEST, "InvalidParameter", "signature method, version or format");
    }
    if get("AccessKeyId") != config.access_key_id {
        return refuse(
            seen,
            StatusCode::NOT_FOUND,
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.",
        );
    }
    let unix_now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    match unix_of(get("Timestamp")) {
        Some(t) if (t - unix_now).abs() <= 15 * 60 => {}
        Some(_) => return refuse(seen, StatusCode::BAD_REQUEST, "InvalidTimeStamp.Expired", "timestamp expired"),
        None => return refuse(seen, StatusCode::BAD_REQUEST, "InvalidTimeStamp.Format", "timestamp format"),
    }
    let nonce = get("SignatureNonce").to_owned();
    if nonce.is_empty() || !seen.nonces.insert(nonce) {
        return refuse(
            seen,
            StatusCode::BAD_REQUEST,
            "SignatureNonceUsed",
            "Specified signature nonce was used already.",
        );
    }
    let mut signed = params.clone();
    let given = signed.remove("Signature").unwrap_or_default();
    let canonical = signed.iter().map(|(k, v)| encode(k) + "=" + &encode(v)).collect::<Vec<_>>().join("&");
    let to_sign = format!("POST&{}&{}", encode("/"), encode(&canonical));
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice((config.access_key_secret.clone() + "&").as_bytes()).unwrap();
    mac.update(to_sign.as_bytes());
    if base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()) != given {
        return refuse(seen, StatusCode::BAD_REQUEST, "SignatureDoesNotMatch", "Specified signature is not matched.");
    }
    if seen.window.len() > config.max_per_sec as usize {
        return refuse(seen, StatusCode::OK, "Throttling.User", "Request was denied due to user flow control.");
    }
    if get("SignName") != config.sign_name {
        return refuse(seen, StatusCode::OK, "isv.SMS_SIGNATURE_ILLEGAL", "signature name not approved");
    }
    let Some(needs) = config.templates.get(get("TemplateCode")) else {
        return refuse(seen, StatusCode::OK, "isv.SMS_TEMPLATE_ILLEGAL", "template not approved");
    };
    let template_params: Value = serde_json::from_str(get("TemplateParam")).unwrap_or(Value::Null);
    if needs.iter().any(|n| !template_params.get(n).is_some_and(Value::is_string)) {
        return refuse(seen, StatusCode::OK, "isv.TEMPLATE_MISSING_PARAMETERS", "template parameters missing");
    }
    let phone = get("PhoneNumbers").to_owned();
    let mainland = phone.len() == 11 && phone.starts_with('1') && phone.bytes().all(|b| b.is_ascii_digit());
    if !mainland || config.dead_numbers.contains(&phone) {
        return refuse(seen, StatusCode::OK, "isv.MOBILE_NUMBER_ILLEGAL", "invalid mobile number");
    }
    let marketing = config.marketing_templates.iter().any(|t| t == get("TemplateCode"));
    if !marketing && seen.last_to.get(&phone).is_some_and(|t| now.duration_since(*t) < Duration::from_secs(60)) {
        return refuse(seen, StatusCode::OK, "isv.BUSINESS_LIMIT_CONTROL", "per-number flow control");
    }
    if !marketing {
        seen.last_to.insert(phone.clone(), now);
    }
    let biz_id = format!("{}^0", seen.accepted.len() + 900_000);
    seen.accepted.push(Accepted {
        phone,
        template: get("TemplateCode").to_owned(),
        params: template_params,
        out_id: get("OutId").to_owned(),
        biz_id: biz_id.clone(),
    });
    (
        StatusCode::OK,
        Json(json!({ "Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": uuid::Uuid::now_v7().to_string() })),
    )
}
