//! The registry of the app's installations for push: each signed-in installation registers
//! itself (again at each start, which keeps it seen) with its platform, push service, token and
//! language; signing out there forgets it, so a shared phone is not pushed the last person's
//! messages.
use portal_api::*;
use uuid::Uuid;

use super::CampaignService;
use crate::{
    auth::Caller,
    common::now,
    db::{DeviceRow, PushProvider},
    error::{AppError, AppResult},
};

/// The longest push token any of the services issues (FCM's and Huawei's are a few hundred
/// characters, APNs' 64 hex digits), with room to spare.
const MAX_TOKEN: usize = 512;
const PLATFORMS: &[&str] = &["android", "ios", "linux", "windows", "macos"];

fn bad(field: &str, message: &str) -> AppError {
    AppError::field(ErrorCode::InvalidParameter, field, message)
}

/// Checks a registration whole; the row it becomes.
pub fn device_row(
    user: Uuid,
    session: Uuid,
    installation: Uuid,
    r: &DeviceRegistration,
    at: i64,
) -> AppResult<DeviceRow> {
    if !PLATFORMS.contains(&r.platform.as_str()) {
        return Err(bad("platform", "One of android, ios, linux, windows, macos."));
    }
    let provider = match r.push {
        PushService::Fcm => PushProvider::Fcm,
        PushService::Apns => PushProvider::Apns,
        PushService::Huawei => PushProvider::Huawei,
        PushService::None => PushProvider::None,
    };
    let token = r.token.trim();
    if provider == PushProvider::None && !token.is_empty() {
        return Err(bad("token", "A token needs the push service that issued it."));
    }
    if provider != PushProvider::None
        && (token.is_empty() || token.len() > MAX_TOKEN || !token.bytes().all(|b| b.is_ascii_graphic()))
    {
        return Err(bad("token", "The push service's token for this installation, as it gave it."));
    }
    if provider == PushProvider::Apns && !crate::gateways::apns::plausible_token(token) {
        return Err(bad("token", "An APNs device token is hexadecimal, 64 digits or more."));
    }
    let fits = match provider {
        PushProvider::Apns => r.platform == "ios" || r.platform == "macos",
        PushProvider::Fcm => r.platform == "android" || r.platform == "ios",
        PushProvider::Huawei => r.platform == "android",
        PushProvider::None => true,
    };
    if !fits {
        return Err(bad("push", "That push service does not reach this platform."));
    }
    if r.language != "zh-CN" && r.language != "en" {
        return Err(bad("language", "zh-CN or en."));
    }
    let version = r.app_version.trim();
    if version.is_empty() || version.len() > 40 || !version.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad("app_version", "The app's version, such as 1.4.0."));
    }
    Ok(DeviceRow {
        user,
        installation,
        session,
        platform: r.platform.clone(),
        provider,
        token: token.to_owned(),
        language: r.language.clone(),
        app_version: version.to_owned(),
        registered_at: at,
        last_seen: at,
    })
}

impl CampaignService {
    pub async fn register_device(&self, caller: &Caller, installation: Uuid, r: DeviceRegistration) -> AppResult<()> {
        let row = device_row(caller.user.id, caller.session_id, installation, &r, now())?;
        Ok(self.outbound.register_device(row).await?)
    }

    /// The caller's installations pushed to now.
    pub async fn devices(&self, caller: &Caller) -> AppResult<DeviceList> {
        let rows = self.outbound.devices_of(caller.user.id).await?;
        Ok(DeviceList {
            devices: rows
                .into_iter()
                .map(|d| DeviceInfo {
                    installation: d.installation,
                    push: match d.provider {
                        PushProvider::Fcm => PushService::Fcm,
                        PushProvider::Apns => PushService::Apns,
                        PushProvider::Huawei => PushService::Huawei,
                        PushProvider::None => PushService::None,
                    },
                    this_session: d.session == caller.session_id,
                    platform: d.platform,
                    language: d.language,
                    app_version: d.app_version,
                    last_seen: d.last_seen,
                })
                .collect(),
        })
    }

    /// Forgets the caller's installation (signed out there); one not registered is no change.
    pub async fn forget_device(&self, caller: &Caller, installation: Uuid) -> AppResult<()> {
        self.outbound.remove_device(caller.user.id, installation).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone() -> DeviceRegistration {
        DeviceRegistration {
            platform: "android".into(),
            push: PushService::Huawei,
            token: "IQAAAACy0kYdAAB".into(),
            language: "zh-CN".into(),
            app_version: "1.4.0".into(),
        }
    }

    #[test]
    fn a_registration_is_checked_whole() {
        let (user, install) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert_eq!(device_row(user, user, install, &phone(), 5).unwrap().provider, PushProvider::Huawei);
        let desktop =
            DeviceRegistration { platform: "linux".into(), push: PushService::None, token: String::new(), ..phone() };
        assert!(device_row(user, user, install, &desktop, 5).is_ok());
        let cases: Vec<(DeviceRegistration, &str)> = vec![
            (DeviceRegistration { platform: "amiga".into(), ..phone() }, "platform"),
            (DeviceRegistration { token: String::new(), ..phone() }, "token"),
            (DeviceRegistration { token: "a b".into(), ..phone() }, "token"),
            (DeviceRegistration { token: "x".repeat(600), ..phone() }, "token"),
            (DeviceRegistration { platform: "ios".into(), push: PushService::Apns, ..phone() }, "token"),
            (DeviceRegistration { push: PushService::Apns, token: "ab".repeat(32), ..phone() }, "push"),
            (DeviceRegistration { push: PushService::None, ..phone() }, "token"),
            (DeviceRegistration { language: "fr".into(), ..phone() }, "language"),
            (DeviceRegistration { app_version: String::new(), ..phone() }, "app_version"),
        ];
        for (r, field) in cases {
            let e = device_row(user, user, install, &r, 5).unwrap_err();
            assert_eq!(e.0.field.as_deref(), Some(field), "{r:?}");
        }
    }
}
