//! Server configuration: a TOML file, overridden by `PORTAL_*` environment variables.
use std::{
    net::{IpAddr, SocketAddr},
    path::PathBuf,
};

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on. Loopback by default.
    pub listen: SocketAddr,
    /// Where the data lives: a SQLite file (a path, or `sqlite://path`; the embedded default), or
    /// a PostgreSQL address (`postgres://user:password@host:port/database`) for several instances.
    pub database: String,
    /// Connections each instance keeps to PostgreSQL.
    pub database_pool_size: u32,
    /// With `sslmode=require` in a PostgreSQL address the connection is TLS and the server's
    /// certificate is checked against the public roots and this authority's certificate (PEM), if set.
    pub database_ca_file: Option<PathBuf>,
    /// This instance's name in health answers and logs; empty means host name and process id.
    pub instance: String,
    /// File holding the 32-byte server key that signs tokens and keys code hashes.
    /// Created with mode 0600 when missing.
    pub key_file: PathBuf,
    /// Dev mode turns on the message outbox endpoint so tests and demo users can read codes.
    pub dev_mode: bool,
    pub access_token_ttl_secs: u64,
    /// A session whose refresh token is unused for this long expires.
    pub session_idle_ttl_secs: u64,
    /// Concurrent refreshes with the same token from one device all succeed within this window.
    pub refresh_grace_secs: u64,
    pub code_ttl_secs: u64,
    pub code_max_attempts: u32,
    pub code_resend_interval_secs: u64,
    pub code_max_per_target_per_hour: u32,
    pub code_max_per_ip_per_hour: u32,
    /// Every message the server may send in an hour, whoever asks (the SMS budget).
    pub code_max_per_hour: u32,
    pub password_max_failures: u32,
    pub password_lockout_secs: u64,
    /// Wrong passwords from one client address before it is locked out (of every account).
    pub password_max_failures_per_address: u32,
    /// Password hashes computed at once; further sign-ins wait (up to `password_queue_wait_ms`)
    /// so that a flood of them cannot starve other requests of CPU.
    pub password_hash_concurrency: usize,
    pub password_queue_wait_ms: u64,
    /// Peers whose `X-Forwarded-For` header is believed (a load balancer's address). Anyone else's
    /// header is ignored: the client address is the peer's. `PORTAL_TRUSTED_PROXIES` takes a
    /// comma-separated list.
    pub trusted_proxies: Vec<IpAddr>,
    /// How often expired codes, old password attempts and ended sessions are deleted.
    pub prune_interval_secs: u64,
    pub max_body_bytes: usize,
    /// How old the trained recommenders may grow before a request starts their rebuild.
    pub recommender_max_age_secs: u64,
    /// How often customer tags take in new behaviour (an incremental pass); every customer is
    /// checked again once a day. 0 turns the background passes off.
    pub tags_interval_secs: u64,
    /// How often triggered offers look at what happened (sign-ins, purchases, restocks). 0 turns
    /// the background passes off.
    pub triggers_interval_secs: u64,
    /// Retention, in days, of each marketing table that grows with traffic (pruned with the rest
    /// every `prune_interval_secs`, in bounded batches): behaviour events of known people,
    /// anonymous events nobody claimed, each person's aggregated interest in a product (by its
    /// latest event; training reads 180 days), served recommendation lists (the report reads up
    /// to 90 days plus the 7-day attribution window), inbox messages, and the report's days
    /// rolled up (a row per day and group; two years and more by default).
    pub retain_events_days: u32,
    pub retain_anonymous_events_days: u32,
    pub retain_interest_days: u32,
    pub retain_lists_days: u32,
    pub retain_inbox_days: u32,
    pub retain_report_days: u32,
    /// The bearer token Prometheus scrapes `/metrics` with (`PORTAL_METRICS_TOKEN`); empty: only an
    /// administrator's access token reads it.
    pub metrics_token: Secret,
    /// The SMS gateway: empty (the embedded sender logs texts) or `aliyun` (Alibaba Cloud SMS).
    pub sms_gateway: String,
    /// The SMS service's address (`https://dysmsapi.aliyuncs.com/`).
    pub sms_endpoint: String,
    pub sms_access_key_id: String,
    pub sms_access_key_secret: Secret,
    /// The approved signature (签名) texts carry.
    pub sms_sign_name: String,
    /// The approved template for sign-in codes (with a `${code}` parameter).
    pub sms_code_template: String,
    /// Requests a second to the SMS service at most, from this instance.
    pub sms_max_per_sec: u32,
    /// The secret part of the addresses the SMS service pushes its delivery receipts and replies
    /// to (`/v1/gateways/aliyun-sms/{token}/receipts` and `…/replies`); empty: none taken.
    pub sms_callback_token: Secret,
    /// The marketing template campaigns' texts go as when a campaign names none of its own.
    pub sms_marketing_template: String,
    /// The signature approved for marketing texts; empty: `sms_sign_name`.
    pub sms_marketing_sign_name: String,
    /// Firebase Cloud Messaging: the service account's JSON key (its content, not a file), whose
    /// `project_id`, `client_email`, `private_key` and `token_uri` it signs in with.
    pub push_fcm_service_account: Secret,
    /// FCM's address (`https://fcm.googleapis.com`).
    pub push_fcm_endpoint: String,
    /// APNs: the token-signing key (the `.p8` file's PEM content), its key id, the team id and the
    /// app's bundle id (the topic).
    pub push_apns_key: Secret,
    pub push_apns_key_id: String,
    pub push_apns_team_id: String,
    pub push_apns_topic: String,
    /// APNs' address (`https://api.push.apple.com`; `https://api.sandbox.push.apple.com` to test).
    pub push_apns_endpoint: String,
    /// Huawei Push Kit: the app's id and its OAuth client secret.
    pub push_huawei_app_id: String,
    pub push_huawei_client_secret: Secret,
    /// Huawei's OAuth token address and Push Kit's address.
    pub push_huawei_token_endpoint: String,
    pub push_huawei_endpoint: String,
    /// Pushes a second at most to each push service, from this instance.
    pub push_max_per_sec: u32,
    /// The SMTP server e-mail leaves through (empty: no e-mail gateway); its port (0: 587 for
    /// STARTTLS, 465 for TLS), `starttls` or `tls`, and the account.
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_tls: String,
    pub smtp_username: String,
    pub smtp_password: Secret,
    /// The sender, such as `品牌 <no-reply@brand.example>`.
    pub smtp_from: String,
    /// A PEM certificate to trust for the SMTP server besides the public roots (a private CA).
    pub smtp_ca: Secret,
    /// E-mails a second at most, from this instance.
    pub smtp_max_per_sec: u32,
    /// The address people reach this server at (`https://portal.brand.example`), for links in
    /// e-mail (the one-click unsubscribe).
    pub public_url: String,
    /// How often the campaigns' sender runs, in seconds (0: never, on this instance).
    pub campaign_interval_secs: u64,
    /// Marketing messages a person gets on one channel in their local day, at most.
    pub campaign_cap_per_day: u32,
    /// How often the live channel reads the last minute's inbox messages whole, in seconds,
    /// besides each time the database says some were written.
    pub live_sweep_secs: u64,
}

/// Days the report's roll-up needs lists and events kept: the day, the week until it is sealed,
/// and the attribution week before it.
const SEALED_WITHIN_DAYS: u32 = 16;

impl Config {
    /// The retention policy, each figure at least a day (lists and anonymous events at least
    /// `SEALED_WITHIN_DAYS`, the inbox the longest cooldown).
    pub fn retention(&self) -> crate::db::Retention {
        let secs = |days: u32| i64::from(days.max(1)) * 86_400;
        crate::db::Retention {
            events_secs: secs(self.retain_events_days),
            // A day is rolled up for the report a week after it ends, reading the week before it.
            anonymous_events_secs: secs(self.retain_anonymous_events_days.max(SEALED_WITHIN_DAYS)),
            interest_secs: secs(self.retain_interest_days),
            lists_secs: secs(self.retain_lists_days.max(SEALED_WITHIN_DAYS)),
            // The inbox is also what a trigger's once-per-fact and cooldown are checked against:
            // kept at least the longest cooldown and the facts' window.
            inbox_secs: secs(self.retain_inbox_days.max(portal_marketing::triggers::COOLDOWN_MAX_DAYS + 2)),
            report_secs: secs(self.retain_report_days),
        }
    }
}

impl Config {
    /// The SMS gateway the configuration names, checked whole: none for the embedded sender.
    pub fn sms(&self) -> Result<Option<AliyunSmsConfig>, String> {
        match self.sms_gateway.trim() {
            "" => Ok(None),
            "aliyun" => {
                let missing: Vec<&str> = [
                    ("PORTAL_SMS_ACCESS_KEY_ID", self.sms_access_key_id.trim().is_empty()),
                    ("PORTAL_SMS_ACCESS_KEY_SECRET", self.sms_access_key_secret.0.is_empty()),
                    ("PORTAL_SMS_SIGN_NAME", self.sms_sign_name.trim().is_empty()),
                    ("PORTAL_SMS_CODE_TEMPLATE", self.sms_code_template.trim().is_empty()),
                ]
                .into_iter()
                .filter_map(|(name, empty)| empty.then_some(name))
                .collect();
                if !missing.is_empty() {
                    return Err(format!("the aliyun SMS gateway needs {}", missing.join(", ")));
                }
                let endpoint = self.sms_endpoint.trim();
                if !(endpoint.starts_with("https://") || endpoint.starts_with("http://127.0.0.1")) {
                    return Err("PORTAL_SMS_ENDPOINT is an https:// address".into());
                }
                Ok(Some(AliyunSmsConfig {
                    endpoint: endpoint.to_owned(),
                    access_key_id: self.sms_access_key_id.trim().to_owned(),
                    access_key_secret: self.sms_access_key_secret.clone(),
                    sign_name: self.sms_sign_name.trim().to_owned(),
                    code_template: self.sms_code_template.trim().to_owned(),
                    marketing_sign_name: Some(self.sms_marketing_sign_name.trim())
                        .filter(|s| !s.is_empty())
                        .unwrap_or(self.sms_sign_name.trim())
                        .to_owned(),
                    max_per_sec: self.sms_max_per_sec.max(1),
                }))
            }
            other => Err(format!("PORTAL_SMS_GATEWAY is empty or aliyun, not {other:?}")),
        }
    }

    /// This instance's name: the configured one, else host name and process id.
    pub fn instance_name(&self) -> String {
        if !self.instance.trim().is_empty() {
            return self.instance.trim().to_owned();
        }
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .or_else(|| std::env::var("HOSTNAME").ok())
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "localhost".into());
        format!("{host}:{}", std::process::id())
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8787".parse().expect("valid default address"),
            database: "portal.sqlite".into(),
            database_pool_size: 16,
            database_ca_file: None,
            instance: String::new(),
            key_file: PathBuf::from("portal.key"),
            dev_mode: false,
            access_token_ttl_secs: 15 * 60,
            session_idle_ttl_secs: 30 * 24 * 3600,
            refresh_grace_secs: 30,
            code_ttl_secs: 5 * 60,
            code_max_attempts: 5,
            code_resend_interval_secs: 60,
            code_max_per_target_per_hour: 10,
            code_max_per_ip_per_hour: 60,
            code_max_per_hour: 20_000,
            password_max_failures: 5,
            password_lockout_secs: 15 * 60,
            password_max_failures_per_address: 50,
            password_hash_concurrency: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).max(2) - 1,
            password_queue_wait_ms: 5_000,
            trusted_proxies: Vec::new(),
            prune_interval_secs: 3600,
            max_body_bytes: 64 * 1024,
            recommender_max_age_secs: 300,
            tags_interval_secs: 60,
            triggers_interval_secs: 30,
            retain_events_days: 400,
            retain_anonymous_events_days: 30,
            retain_interest_days: 200,
            retain_lists_days: 120,
            retain_inbox_days: 400,
            retain_report_days: 800,
            metrics_token: Secret::default(),
            sms_gateway: String::new(),
            sms_endpoint: "https://dysmsapi.aliyuncs.com/".into(),
            sms_access_key_id: String::new(),
            sms_access_key_secret: Secret::default(),
            sms_sign_name: String::new(),
            sms_code_template: String::new(),
            sms_max_per_sec: 100,
            sms_callback_token: Secret::default(),
            sms_marketing_template: String::new(),
            sms_marketing_sign_name: String::new(),
            push_fcm_service_account: Secret::default(),
            push_fcm_endpoint: "https://fcm.googleapis.com".into(),
            push_apns_key: Secret::default(),
            push_apns_key_id: String::new(),
            push_apns_team_id: String::new(),
            push_apns_topic: String::new(),
            push_apns_endpoint: "https://api.push.apple.com".into(),
            push_huawei_app_id: String::new(),
            push_huawei_client_secret: Secret::default(),
            push_huawei_token_endpoint: "https://oauth-login.cloud.huawei.com/oauth2/v3/token".into(),
            push_huawei_endpoint: "https://push-api.cloud.huawei.com".into(),
            push_max_per_sec: 500,
            smtp_host: String::new(),
            smtp_port: 0,
            smtp_tls: "starttls".into(),
            smtp_username: String::new(),
            smtp_password: Secret::default(),
            smtp_from: String::new(),
            smtp_ca: Secret::default(),
            smtp_max_per_sec: 50,
            public_url: String::new(),
            campaign_interval_secs: 5,
            campaign_cap_per_day: 2,
            live_sweep_secs: 5,
        }
    }
}

/// What the SMS sender needs from the configuration.
#[derive(Clone, Debug)]
pub struct AliyunSmsConfig {
    /// `https://dysmsapi.aliyuncs.com/` in production.
    pub endpoint: String,
    pub access_key_id: String,
    pub access_key_secret: Secret,
    /// The approved signature (签名) shown at the start of each text, such as 【品牌】.
    pub sign_name: String,
    /// The approved template for sign-in codes, with a `${code}` parameter.
    pub code_template: String,
    /// The signature marketing texts carry (providers approve one for 推广短信 apart from the one
    /// for codes); the codes' when none is set.
    pub marketing_sign_name: String,
    /// Requests a second at most (the provider's limit for the account).
    pub max_per_sec: u32,
}

/// A secret setting: read like any other, never printed.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() { "(none)" } else { "(set)" })
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.trim().to_owned()))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("config file {path} is not valid: {source}")]
    Parse { path: PathBuf, source: toml::de::Error },
    #[error("environment variable {name}={value:?} is not valid: {reason}")]
    Env { name: String, value: String, reason: String },
}

impl Config {
    /// Load the file when given, then apply `PORTAL_<FIELD>` variables (upper-case field names).
    pub fn load(file: Option<&std::path::Path>) -> Result<Self, ConfigError> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
                toml::from_str(&text).map_err(|source| ConfigError::Parse { path: path.to_owned(), source })?
            }
            None => Config::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        Ok(config)
    }

    fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parse<T: std::str::FromStr>(name: &str, value: String) -> Result<T, ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            value.parse().map_err(|e: T::Err| ConfigError::Env { name: name.into(), value, reason: e.to_string() })
        }
        macro_rules! env_field {
            ($field:ident) => {{
                let name = concat!("PORTAL_", stringify!($field)).to_uppercase();
                if let Some(value) = get(&name) {
                    self.$field = parse(&name, value)?;
                }
            }};
        }
        env_field!(listen);
        env_field!(database);
        env_field!(database_pool_size);
        if let Some(value) = get("PORTAL_DATABASE_CA_FILE") {
            self.database_ca_file = Some(value.trim()).filter(|v| !v.is_empty()).map(PathBuf::from);
        }
        env_field!(instance);
        env_field!(key_file);
        env_field!(dev_mode);
        env_field!(access_token_ttl_secs);
        env_field!(session_idle_ttl_secs);
        env_field!(refresh_grace_secs);
        env_field!(code_ttl_secs);
        env_field!(code_max_attempts);
        env_field!(code_resend_interval_secs);
        env_field!(code_max_per_target_per_hour);
        env_field!(code_max_per_ip_per_hour);
        env_field!(code_max_per_hour);
        env_field!(password_max_failures);
        env_field!(password_lockout_secs);
        env_field!(password_max_failures_per_address);
        env_field!(password_hash_concurrency);
        env_field!(password_queue_wait_ms);
        env_field!(prune_interval_secs);
        if let Some(list) = get("PORTAL_TRUSTED_PROXIES") {
            self.trusted_proxies = list
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(|a| parse("PORTAL_TRUSTED_PROXIES", a.to_owned()))
                .collect::<Result<_, _>>()?;
        }
        env_field!(max_body_bytes);
        env_field!(recommender_max_age_secs);
        env_field!(tags_interval_secs);
        env_field!(triggers_interval_secs);
        env_field!(retain_events_days);
        env_field!(retain_anonymous_events_days);
        env_field!(retain_interest_days);
        env_field!(retain_lists_days);
        env_field!(retain_inbox_days);
        env_field!(retain_report_days);
        env_field!(sms_gateway);
        env_field!(sms_endpoint);
        env_field!(sms_access_key_id);
        env_field!(sms_access_key_secret);
        env_field!(sms_sign_name);
        env_field!(sms_code_template);
        env_field!(sms_max_per_sec);
        env_field!(sms_callback_token);
        env_field!(sms_marketing_template);
        env_field!(sms_marketing_sign_name);
        env_field!(push_fcm_service_account);
        env_field!(push_fcm_endpoint);
        env_field!(push_apns_key);
        env_field!(push_apns_key_id);
        env_field!(push_apns_team_id);
        env_field!(push_apns_topic);
        env_field!(push_apns_endpoint);
        env_field!(push_huawei_app_id);
        env_field!(push_huawei_client_secret);
        env_field!(push_huawei_token_endpoint);
        env_field!(push_huawei_endpoint);
        env_field!(push_max_per_sec);
        env_field!(smtp_host);
        env_field!(smtp_port);
        env_field!(smtp_tls);
        env_field!(smtp_username);
        env_field!(smtp_password);
        env_field!(smtp_from);
        env_field!(smtp_ca);
        env_field!(smtp_max_per_sec);
        env_field!(public_url);
        env_field!(campaign_interval_secs);
        env_field!(campaign_cap_per_day);
        env_field!(live_sweep_secs);
        env_field!(metrics_token);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_file_values() {
        let mut config: Config = toml::from_str("dev_mode = false\ncode_ttl_secs = 60").unwrap();
        config
            .apply_env(|name| match name {
                "PORTAL_DEV_MODE" => Some("true".into()),
                "PORTAL_LISTEN" => Some("127.0.0.1:9999".into()),
                _ => None,
            })
            .unwrap();
        assert!(config.dev_mode);
        assert_eq!(config.code_ttl_secs, 60);
        assert_eq!(config.listen.port(), 9999);
    }

    #[test]
    fn bad_env_value_names_the_variable() {
        let mut config = Config::default();
        let err = config.apply_env(|name| (name == "PORTAL_CODE_TTL_SECS").then(|| "soon".to_string())).unwrap_err();
        assert!(err.to_string().contains("PORTAL_CODE_TTL_SECS"), "{err}");
    }

    #[test]
    fn unknown_keys_in_file_are_refused() {
        assert!(toml::from_str::<Config>("dev_mod = true").is_err());
    }
}
