//! Apple Push Notification service over HTTP/2 with token authentication: one client (so one
//! connection, multiplexed, reused for every push), a provider token signed with the team's key
//! (ES256, `kid` and `iss`) made again every 40 minutes (Apple refuses one older than an hour and
//! throttles one made more often than every 20), and each push one `POST /3/device/{token}`.
//! A token APNs calls `Unregistered` (410) is dropped.
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio::sync::Mutex;

use super::{oauth::Es256, rate::Pace, PushFailure, PushGateway, PushNote};
use crate::config::Config;

/// How long one provider token is used.
const TOKEN_LIFE: Duration = Duration::from_secs(40 * 60);

pub struct Apns {
    key: Es256,
    key_id: String,
    team_id: String,
    topic: String,
    endpoint: String,
    http: reqwest::Client,
    token: Mutex<Option<(String, Instant)>>,
    pace: Pace,
}

impl Apns {
    pub fn from_config(config: &Config) -> anyhow::Result<Option<Self>> {
        if config.push_apns_key.0.is_empty() {
            return Ok(None);
        }
        for (name, value) in [
            ("PORTAL_PUSH_APNS_KEY_ID", &config.push_apns_key_id),
            ("PORTAL_PUSH_APNS_TEAM_ID", &config.push_apns_team_id),
            ("PORTAL_PUSH_APNS_TOPIC", &config.push_apns_topic),
        ] {
            if value.trim().is_empty() {
                anyhow::bail!("APNs needs {name}");
            }
        }
        let http = reqwest::Client::builder()
            .http2_prior_knowledge()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .pool_idle_timeout(None)
            .http2_keep_alive_interval(Duration::from_secs(60))
            .build()?;
        Ok(Some(Self {
            key: Es256::from_pem(&config.push_apns_key.0)?,
            key_id: config.push_apns_key_id.trim().to_owned(),
            team_id: config.push_apns_team_id.trim().to_owned(),
            topic: config.push_apns_topic.trim().to_owned(),
            endpoint: super::check_endpoint("PORTAL_PUSH_APNS_ENDPOINT", &config.push_apns_endpoint)?,
            http,
            token: Mutex::new(None),
            pace: Pace::per_second(config.push_max_per_sec.max(1)),
        }))
    }

    /// The provider token: the one made within `TOKEN_LIFE`, else a new one.
    async fn provider_token(&self) -> String {
        let mut held = self.token.lock().await;
        if let Some((token, made)) = held.as_ref() {
            if made.elapsed() < TOKEN_LIFE {
                return token.clone();
            }
        }
        let token = self.key.jwt(
            serde_json::json!({ "alg": "ES256", "kid": self.key_id }),
            &serde_json::json!({ "iss": self.team_id, "iat": crate::common::now() }),
        );
        *held = Some((token.clone(), Instant::now()));
        token
    }
}

/// Whether a token is as APNs issues it (hex, 64 characters or more).
pub fn plausible_token(token: &str) -> bool {
    token.len() >= 64 && token.len() <= 200 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

#[async_trait]
impl PushGateway for Apns {
    async fn push(&self, token: &str, note: &PushNote) -> Result<String, PushFailure> {
        if !plausible_token(token) {
            return Err(PushFailure::Refused("not an APNs device token".into()));
        }
        if !self.pace.wait().await {
            return Err(PushFailure::Later("more pushes than this instance's rate allows".into()));
        }
        let mut body = serde_json::json!({
            "aps": { "alert": { "title": note.title, "body": note.body }, "sound": "default" },
            "id": note.id,
        });
        if let Some(link) = &note.link {
            body["link"] = link.clone().into();
        }
        let response = self
            .http
            .post(format!("{}/3/device/{token}", self.endpoint))
            .header("authorization", format!("bearer {}", self.provider_token().await))
            .header("apns-topic", &self.topic)
            .header("apns-push-type", "alert")
            .header("apns-priority", "10")
            .header("apns-expiration", (crate::common::now() + 86_400).to_string())
            .header("apns-collapse-id", &note.id)
            .header("apns-id", &note.id)
            .json(&body)
            .send()
            .await
            .map_err(|e| PushFailure::Later(format!("APNs unreachable: {}", e.without_url())))?;
        let status = response.status().as_u16();
        let apns_id = response.headers().get("apns-id").and_then(|v| v.to_str().ok()).unwrap_or(&note.id).to_owned();
        if status == 200 {
            return Ok(apns_id);
        }
        let answer: serde_json::Value = response.json().await.unwrap_or_default();
        let reason = answer["reason"].as_str().unwrap_or("").to_owned();
        match (status, reason.as_str()) {
            // Only APNs' word that the app is gone from the device drops its token: BadDeviceToken
            // and DeviceTokenNotForTopic also come from a sandbox/production or topic mistake in
            // the configuration, which must not wipe every device.
            (410, _) | (_, "Unregistered") => Err(PushFailure::TokenGone(reason)),
            (403, "ExpiredProviderToken" | "InvalidProviderToken") => {
                *self.token.lock().await = None;
                Err(PushFailure::Later(format!("APNs refused the provider token: {reason}")))
            }
            (429 | 500 | 503, _) => Err(PushFailure::Later(reason)),
            _ => Err(PushFailure::Refused(format!("HTTP {status} {reason}"))),
        }
    }
}
