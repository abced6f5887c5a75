//! This installation in the server's registry of devices: registered after each sign-in and
//! start (with its language and, on a phone, the push service's token the OS gave it), forgotten
//! at sign-out. The server pushes only to installations whose session is live, so a sign-out made
//! offline stops pushes too once the server hears of it.
use super::*;

/// The push service and token the OS gave this installation (set by the mobile shell).
const PUSH_TOKEN: &str = "push.token";

/// The platform as the server names it.
pub fn platform() -> &'static str {
    match std::env::consts::OS {
        "android" => "android",
        "ios" => "ios",
        "windows" => "windows",
        "macos" => "macos",
        _ => "linux",
    }
}

impl PortalApp {
    /// What this installation registers as.
    pub(super) fn device_registration(&self) -> ClientResult<DeviceRegistration> {
        let cache = self.cache();
        let locale = cache.setting(LOCALE)?.unwrap_or_else(|| DEFAULT_LOCALE.into());
        let (push, token) = cache
            .setting(PUSH_TOKEN)?
            .and_then(|kept| serde_json::from_str::<(PushService, String)>(&kept).ok())
            .unwrap_or((PushService::None, String::new()));
        Ok(DeviceRegistration {
            platform: platform().into(),
            push,
            token,
            language: if locale == "en" { "en".into() } else { "zh-CN".into() },
            app_version: env!("CARGO_PKG_VERSION").into(),
        })
    }

    /// Registers this installation; a failure is logged and tried again at the next start.
    pub(super) async fn register_device(&self) {
        let result = async {
            let installation = events::install_id(&self.cache())?;
            let body = self.device_registration()?;
            self.authed(|api, token| {
                let body = body.clone();
                async move { api.call(Some(&token), &ep::RegisterDevice { installation, body }).await }
            })
            .await
        };
        if let Err(e) = result.await {
            tracing::info!(error = %e, "this device is registered for notifications later");
        }
    }

    /// Forgets this installation on the server (before signing out); offline, the session's end
    /// does it.
    pub(super) async fn forget_device(&self) {
        let result = async {
            let installation = events::install_id(&self.cache())?;
            self.authed(|api, token| async move { api.call(Some(&token), &ep::ForgetDevice { installation }).await })
                .await
        };
        if let Err(e) = result.await {
            tracing::info!(error = %e, "the server forgets this device when the session ends");
        }
    }

    /// The push service's token the OS gave this installation (a phone's shell calls this when
    /// it gets or renews one); registered at once when signed in.
    pub async fn set_push_token(&self, push: PushService, token: &str) -> ClientResult<AppState> {
        let kept = serde_json::to_string(&(push, token.trim())).map_err(|e| ClientError::Protocol(e.to_string()))?;
        self.cache().set_setting(PUSH_TOKEN, &kept)?;
        if self.session.has_refresh_token()? {
            self.register_device().await;
        }
        self.state()
    }

    /// The account's installations that are pushed to now.
    pub async fn my_devices(&self) -> ClientResult<DeviceList> {
        self.authed(|api, token| async move { api.call(Some(&token), &ep::MyDevices {}).await }).await
    }
}
