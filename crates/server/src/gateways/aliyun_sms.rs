//! SMS through Alibaba Cloud's SMS service (短信服务, `dysmsapi`, API version 2017-05-25): the
//! `SendSms` action over HTTPS, signed as its RPC API requires (signature version 1.0,
//! HMAC-SHA1 over the sorted, percent-encoded parameters, the secret followed by `&`), with a
//! fresh nonce and a UTC timestamp on every request. Texts are templates approved by the
//! provider: a sign-in code goes as the configured template with `{"code": …}`.
use std::collections::BTreeMap;

use async_trait::async_trait;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Deserialize;

use super::{rate::Pace, SendFailure};

/// The API version and action this speaks.
const VERSION: &str = "2017-05-25";

pub use crate::config::AliyunSmsConfig;

/// Alibaba Cloud's percent-encoding for signing: RFC 3986 unreserved characters stay, everything
/// else is `%XX` of its UTF-8 bytes (so a space is `%20`, `*` is `%2A`, `~` stays).
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The signature of `params` for `method` with `secret`: Base64 of HMAC-SHA1, keyed by the secret
/// and `&`, over `METHOD&%2F&` and the encoded, sorted query.
pub fn signature(method: &str, params: &BTreeMap<String, String>, secret: &str) -> String {
    let query: Vec<String> =
        params.iter().map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v))).collect();
    let to_sign = format!("{method}&{}&{}", percent_encode("/"), percent_encode(&query.join("&")));
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(format!("{secret}&").as_bytes()).expect("HMAC takes any key");
    mac.update(to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// A phone number as the service takes it: mainland numbers without `+86`, others with their
/// country code and no `+`.
pub fn provider_number(e164: &str) -> String {
    let digits = e164.trim().trim_start_matches('+');
    digits.strip_prefix("86").filter(|rest| rest.len() == 11).unwrap_or(digits).to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    biz_id: Option<String>,
}

pub struct AliyunSms {
    config: AliyunSmsConfig,
    http: reqwest::Client,
    /// Sign-in codes and campaigns keep to their own shares of the account's rate, so a campaign
    /// never makes people wait for their code.
    code_pace: Pace,
    marketing_pace: Pace,
}

impl AliyunSms {
    pub fn new(config: AliyunSmsConfig) -> Self {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .connect_timeout(std::time::Duration::from_secs(5))
            .build()
            .expect("an HTTP client with timeouts");
        let rate = config.max_per_sec.max(2);
        let codes = (rate / 5).max(1);
        let (code_pace, marketing_pace) = (Pace::per_second(codes), Pace::per_second(rate - codes));
        Self { config, http, code_pace, marketing_pace }
    }

    /// The signed parameters of one `SendSms` request.
    #[allow(clippy::too_many_arguments)]
    pub fn signed_params(
        &self,
        sign_name: &str,
        phone: &str,
        template: &str,
        template_param: &str,
        out_id: &str,
        nonce: &str,
        timestamp: &str,
    ) -> BTreeMap<String, String> {
        let mut params: BTreeMap<String, String> = [
            ("AccessKeyId", self.config.access_key_id.as_str()),
            ("Action", "SendSms"),
            ("Format", "JSON"),
            ("OutId", out_id),
            ("PhoneNumbers", phone),
            ("RegionId", "cn-hangzhou"),
            ("SignName", sign_name),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", nonce),
            ("SignatureVersion", "1.0"),
            ("TemplateCode", template),
            ("TemplateParam", template_param),
            ("Timestamp", timestamp),
            ("Version", VERSION),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let signature = signature("POST", &params, &self.config.access_key_secret.0);
        params.insert("Signature".into(), signature);
        params
    }

    /// Sends one templated text (a marketing one under the marketing signature, at the
    /// marketing share of the rate); the provider's id for it.
    pub async fn send_template(
        &self,
        to: &str,
        template: &str,
        template_param: &serde_json::Value,
        out_id: &str,
        marketing: bool,
    ) -> Result<String, SendFailure> {
        let (pace, sign_name) = if marketing {
            (&self.marketing_pace, self.config.marketing_sign_name.as_str())
        } else {
            (&self.code_pace, self.config.sign_name.as_str())
        };
        if !pace.wait().await {
            return Err(SendFailure::Throttled("more texts than this instance's rate allows".into()));
        }
        let nonce = uuid::Uuid::now_v7().to_string();
        let timestamp = utc_timestamp_now();
        let params = self.signed_params(
            sign_name,
            &provider_number(to),
            template,
            &template_param.to_string(),
            out_id,
            &nonce,
            &timestamp,
        );
        let body: Vec<String> =
            params.iter().map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v))).collect();
        let response = self
            .http
            .post(&self.config.endpoint)
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body.join("&"))
            .send()
            .await
            .map_err(|e| SendFailure::Unavailable(format!("SMS service unreachable: {}", e.without_url())))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        let answer: Answer = serde_json::from_str(&text)
            .map_err(|_| SendFailure::Unavailable(format!("SMS service answered HTTP {status} without a result")))?;
        match answer.code.as_str() {
            "OK" => Ok(answer.biz_id.unwrap_or_default()),
            // Per-number and per-account flow control: try again later.
            "isv.BUSINESS_LIMIT_CONTROL" | "Throttling" | "Throttling.User" | "isv.DAY_LIMIT_CONTROL" => {
                Err(SendFailure::Throttled(answer.message))
            }
            "isv.MOBILE_NUMBER_ILLEGAL" | "isv.MOBILE_COUNT_OVER_LIMIT" | "isv.BLACK_KEY_CONTROL_LIMIT" => {
                Err(SendFailure::BadRecipient(answer.message))
            }
            code => Err(SendFailure::Refused(format!("{code}: {}", answer.message))),
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` of now, in UTC.
fn utc_timestamp_now() -> String {
    let secs = crate::common::now();
    let rest = secs.rem_euclid(86_400);
    format!("{}T{:02}:{:02}:{:02}Z", portal_store_ops::day::utc_date(secs), rest / 3600, rest % 3600 / 60, rest % 60)
}

#[async_trait]
impl super::SmsGateway for AliyunSms {
    async fn send_code(&self, to: &str, code: &str, out_id: &str) -> Result<String, SendFailure> {
        let template = self.config.code_template.clone();
        self.send_template(to, &template, &serde_json::json!({ "code": code }), out_id, false).await
    }

    async fn send_marketing(&self, to: &str, template: &str, out_id: &str) -> Result<String, SendFailure> {
        self.send_template(to, template, &serde_json::json!({}), out_id, true).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_as_the_services_own_documented_example() {
        // The example of Alibaba Cloud's signing guide for SendSms (secret `testSecret`).
        let params: BTreeMap<String, String> = [
            ("AccessKeyId", "testId"),
            ("Action", "SendSms"),
            ("Format", "XML"),
            ("OutId", "123"),
            ("PhoneNumbers", "15300000001"),
            ("RegionId", "cn-hangzhou"),
            ("SignName", "阿里云短信测试专用"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "45e25e9b-0a6f-4070-8c85-2956eda1b466"),
            ("SignatureVersion", "1.0"),
            ("TemplateCode", "SMS_71390007"),
            ("TemplateParam", "{\"customer\":\"test\"}"),
            ("Timestamp", "2017-07-12T02:42:19Z"),
            ("Version", "2017-05-25"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(signature("GET", &params, "testSecret"), "zJDF+Lrzhj/ThnlvIToysFRq6t4=");
    }

    #[test]
    fn numbers_and_text_are_encoded_as_the_service_reads_them() {
        assert_eq!(percent_encode("a b*c~d/é"), "a%20b%2Ac~d%2F%C3%A9");
        assert_eq!(provider_number("+8613900000003"), "13900000003");
        assert_eq!(provider_number("+85291234567"), "85291234567");
        let now = utc_timestamp_now();
        assert_eq!((now.len(), &now[10..11], &now[19..]), (20, "T", "Z"));
    }
}
