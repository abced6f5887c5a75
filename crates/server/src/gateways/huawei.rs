//! Huawei Push Kit, the channel that reaches Android phones in mainland China (FCM does not): an
//! OAuth 2.0 client-credentials token from Huawei's account server (kept until shortly before it
//! expires), then `POST /v1/{appId}/messages:send` with it. Push Kit answers HTTP 200 with its own
//! result code: `80000000` sent, `80300007` every token invalid (dropped), `80200001`/`80200003`
//! the access token refused (fetched again).
use async_trait::async_trait;
use serde::Deserialize;

use super::{oauth::TokenCache, rate::Pace, PushFailure, PushGateway, PushNote};
use crate::config::{Config, Secret};

pub struct Huawei {
    app_id: String,
    client_secret: Secret,
    token_endpoint: String,
    endpoint: String,
    http: reqwest::Client,
    token: TokenCache,
    pace: Pace,
}

#[derive(Deserialize)]
struct SendAnswer {
    #[serde(default)]
    code: String,
    #[serde(default)]
    msg: String,
    #[serde(default, rename = "requestId")]
    request_id: String,
}

impl Huawei {
    pub fn from_config(config: &Config) -> anyhow::Result<Option<Self>> {
        if config.push_huawei_app_id.trim().is_empty() {
            return Ok(None);
        }
        if config.push_huawei_client_secret.0.is_empty() {
            anyhow::bail!("Huawei Push Kit needs PORTAL_PUSH_HUAWEI_CLIENT_SECRET");
        }
        Ok(Some(Self {
            app_id: config.push_huawei_app_id.trim().to_owned(),
            client_secret: config.push_huawei_client_secret.clone(),
            token_endpoint: super::check_endpoint(
                "PORTAL_PUSH_HUAWEI_TOKEN_ENDPOINT",
                &config.push_huawei_token_endpoint,
            )?,
            endpoint: super::check_endpoint("PORTAL_PUSH_HUAWEI_ENDPOINT", &config.push_huawei_endpoint)?,
            http: super::http_client(),
            token: TokenCache::default(),
            pace: Pace::per_second(config.push_max_per_sec.max(1)),
        }))
    }

    async fn access_token(&self) -> Result<String, PushFailure> {
        self.token
            .get(|| async {
                let form = [
                    ("grant_type", "client_credentials"),
                    ("client_id", self.app_id.as_str()),
                    ("client_secret", self.client_secret.0.as_str()),
                ];
                super::oauth::fetch_token(&self.http, &self.token_endpoint, &form, "Huawei's account server").await
            })
            .await
            .map_err(PushFailure::Later)
    }
}

#[async_trait]
impl PushGateway for Huawei {
    async fn push(&self, token: &str, note: &PushNote) -> Result<String, PushFailure> {
        if !self.pace.wait().await {
            return Err(PushFailure::Later("more pushes than this instance's rate allows".into()));
        }
        let bearer = self.access_token().await?;
        let data = note.data();
        let body = serde_json::json!({
            "validate_only": false,
            "message": {
                // Push Kit takes the data message as a string.
                "data": data.to_string(),
                "android": {
                    "ttl": "86400s",
                    "notification": {
                        "title": note.title,
                        "body": note.body,
                        "tag": note.id,
                        "click_action": { "type": 3 },
                    },
                },
                "token": [token],
            },
        });
        let response = self
            .http
            .post(format!("{}/v1/{}/messages:send", self.endpoint, self.app_id))
            .bearer_auth(bearer)
            .json(&body)
            .send()
            .await
            .map_err(|e| PushFailure::Later(format!("Push Kit unreachable: {}", e.without_url())))?;
        let status = response.status().as_u16();
        if matches!(status, 429 | 500 | 502 | 503) {
            return Err(PushFailure::Later(format!("Push Kit answered HTTP {status}")));
        }
        let answer: SendAnswer = response
            .json()
            .await
            .map_err(|_| PushFailure::Later(format!("Push Kit answered HTTP {status} without a result")))?;
        match answer.code.as_str() {
            "80000000" => Ok(answer.request_id),
            "80300007" => Err(PushFailure::TokenGone(answer.msg)),
            "80200001" | "80200003" => {
                self.token.forget().await;
                Err(PushFailure::Later("Push Kit refused the access token; signing in again".into()))
            }
            "81000001" | "80300010" => Err(PushFailure::Later(format!("{}: {}", answer.code, answer.msg))),
            code => Err(PushFailure::Refused(format!("{code}: {}", answer.msg))),
        }
    }
}
