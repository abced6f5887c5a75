//! Firebase Cloud Messaging, HTTP v1: the service account signs a JWT (RS256) for the
//! `firebase.messaging` scope, trades it at its `token_uri` for an OAuth access token (kept until
//! shortly before it expires), and each message is one `messages:send` to the project with that
//! bearer token. A token FCM calls `UNREGISTERED` is dropped.
use async_trait::async_trait;
use serde::Deserialize;

use super::{
    oauth::{Rs256, TokenCache},
    rate::Pace,
    PushFailure, PushGateway, PushNote,
};
use crate::config::Config;

pub const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";

#[derive(Deserialize)]
struct ServiceAccount {
    project_id: String,
    client_email: String,
    private_key: String,
    token_uri: String,
}

pub struct Fcm {
    project_id: String,
    client_email: String,
    token_uri: String,
    key: Rs256,
    endpoint: String,
    http: reqwest::Client,
    token: TokenCache,
    pace: Pace,
}

impl Fcm {
    pub fn from_config(config: &Config) -> anyhow::Result<Option<Self>> {
        if config.push_fcm_service_account.0.is_empty() {
            return Ok(None);
        }
        let account: ServiceAccount = serde_json::from_str(&config.push_fcm_service_account.0).map_err(|_| {
            anyhow::anyhow!("PORTAL_PUSH_FCM_SERVICE_ACCOUNT is a service account's JSON key (project_id, client_email, private_key, token_uri)")
        })?;
        let token_uri = super::check_endpoint("the service account's token_uri", &account.token_uri)?;
        Ok(Some(Self {
            key: Rs256::from_pem(&account.private_key)?,
            project_id: account.project_id,
            client_email: account.client_email,
            token_uri,
            endpoint: super::check_endpoint("PORTAL_PUSH_FCM_ENDPOINT", &config.push_fcm_endpoint)?,
            http: super::http_client(),
            token: TokenCache::default(),
            pace: Pace::per_second(config.push_max_per_sec.max(1)),
        }))
    }

    /// The signed assertion the token endpoint takes: good for an hour.
    fn assertion(&self) -> String {
        let now = crate::common::now();
        self.key.jwt(&serde_json::json!({
            "iss": self.client_email,
            "scope": SCOPE,
            "aud": self.token_uri,
            "iat": now,
            "exp": now + 3_600,
        }))
    }

    async fn access_token(&self) -> Result<String, PushFailure> {
        self.token
            .get(|| async {
                let assertion = self.assertion();
                let form =
                    [("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion.as_str())];
                super::oauth::fetch_token(&self.http, &self.token_uri, &form, "the token endpoint").await
            })
            .await
            .map_err(PushFailure::Later)
    }
}

/// FCM's error code for a failed send (`error.details[].errorCode`, else `error.status`).
fn error_code(body: &serde_json::Value) -> String {
    let error = &body["error"];
    error["details"]
        .as_array()
        .and_then(|d| d.iter().find_map(|x| x["errorCode"].as_str()))
        .or_else(|| error["status"].as_str())
        .unwrap_or("")
        .to_owned()
}

#[async_trait]
impl PushGateway for Fcm {
    async fn push(&self, token: &str, note: &PushNote) -> Result<String, PushFailure> {
        if !self.pace.wait().await {
            return Err(PushFailure::Later("more pushes than this instance's rate allows".into()));
        }
        let bearer = self.access_token().await?;
        let data = note.data();
        let body = serde_json::json!({
            "message": {
                "token": token,
                "notification": { "title": note.title, "body": note.body },
                "data": data,
                // A notification sent again replaces the one shown (tag), never shows twice.
                "android": {
                    "collapse_key": note.id, "priority": "HIGH", "ttl": "86400s",
                    "notification": { "tag": note.id },
                },
            }
        });
        let url = format!("{}/v1/projects/{}/messages:send", self.endpoint, self.project_id);
        let response = self
            .http
            .post(url)
            .bearer_auth(bearer)
            .json(&body)
            .send()
            .await
            .map_err(|e| PushFailure::Later(format!("FCM unreachable: {}", e.without_url())))?;
        let status = response.status().as_u16();
        let answer: serde_json::Value = response.json().await.unwrap_or_default();
        if status == 200 {
            return Ok(answer["name"].as_str().unwrap_or_default().to_owned());
        }
        let code = error_code(&answer);
        match (status, code.as_str()) {
            // Only FCM's own word that the installation is gone drops its token: a wrong project
            // or credentials (SENDER_ID_MISMATCH, a bare 404) must not wipe every device.
            (_, "UNREGISTERED") => Err(PushFailure::TokenGone(code)),
            (401, _) => {
                self.token.forget().await;
                Err(PushFailure::Later("FCM refused the access token; signing in again".into()))
            }
            (429 | 500 | 503, _) | (_, "QUOTA_EXCEEDED" | "UNAVAILABLE" | "INTERNAL") => Err(PushFailure::Later(code)),
            _ => Err(PushFailure::Refused(format!("HTTP {status} {code}"))),
        }
    }
}
