//! A person's own account: profile, birthday, password, linked identities and device sessions.
use portal_api::*;
use uuid::Uuid;

use super::IdentityService;
use super::{normalize, password};
use crate::{
    auth::Caller,
    common::now,
    db::NewIdentity,
    error::{AppError, AppResult},
};

impl IdentityService {
    pub async fn profile(&self, user_id: Uuid) -> AppResult<Profile> {
        let user = self.accounts.get_user(user_id).await?.ok_or_else(|| AppError::not_found("account"))?;
        let identities = self
            .accounts
            .list_identities(user_id)
            .await?
            .into_iter()
            .map(|i| Identity { kind: i.kind, value: i.value, verified: i.verified, linked_at: i.linked_at })
            .collect();
        let discount_limit_percent = crate::org::discount_limit(&user);
        Ok(Profile {
            user_id,
            display_name: user.display_name,
            role: user.role,
            store_id: user.store_id,
            dealer_id: user.dealer_id,
            identities,
            has_password: user.password_hash.is_some(),
            created_at: user.created_at,
            stores: self.placements.user_stores(user_id).await?,
            discount_limit_percent,
            birthday: self.birthdays.birthday(user_id).await?,
        })
    }

    pub async fn update_profile(&self, caller: &Caller, req: UpdateProfileRequest) -> AppResult<Profile> {
        let name = normalize::display_name(&req.display_name)?;
        let birthday = match req.birthday.as_deref().map(str::trim) {
            None => None,
            Some("") => Some(None),
            Some(b) if portal_marketing::triggers::valid_birthday(b) => Some(Some(b.to_owned())),
            Some(_) => {
                return Err(AppError::field(
                    ErrorCode::InvalidParameter,
                    "birthday",
                    "A birthday is month-day, e.g. 08-15.",
                ))
            }
        };
        self.accounts.set_display_name(caller.user.id, &name).await?;
        if let Some(birthday) = birthday {
            self.birthdays.set_birthday(caller.user.id, birthday).await?;
        }
        self.profile(caller.user.id).await
    }

    /// Sets or changes the password. Guesses of the current one count towards the account's
    /// lockout; a change signs out every other device of the account.
    pub async fn set_password(&self, caller: &Caller, req: SetPasswordRequest, client_ip: &str) -> AppResult<()> {
        password::check_strength(&req.new_password)?;
        if let Some(current_hash) = caller.user.password_hash.clone() {
            let current = req.current_password.unwrap_or_default();
            let key = format!("user:{}", caller.user.id);
            match self.check_password(key, client_ip, current, Some(current_hash)).await {
                Ok(()) => {}
                Err(e) if e.0.code == ErrorCode::InvalidCredentials => {
                    return Err(AppError::field(
                        ErrorCode::InvalidCredentials,
                        "current_password",
                        "The current password is wrong.",
                    ))
                }
                Err(e) => return Err(e),
            }
        }
        let hash = password::hash(req.new_password, self.password_slot().await?).await?;
        self.accounts.set_password_hash(caller.user.id, &hash, Some(caller.session_id), now()).await?;
        tracing::info!(user_id = %caller.user.id, "password changed; other sessions revoked");
        Ok(())
    }

    pub async fn link_identity(&self, caller: &Caller, req: LinkIdentityRequest) -> AppResult<Profile> {
        let (value, verified) = match req.kind {
            IdentityKind::Phone => (normalize::phone(&req.value)?, true),
            IdentityKind::Email => (normalize::email(&req.value)?, true),
            IdentityKind::Username => (normalize::username(&req.value)?, true),
            IdentityKind::Legacy => {
                return Err(AppError::field(
                    ErrorCode::Forbidden,
                    "kind",
                    "Accounts from the old user centers are linked by the import, not by hand.",
                ))
            }
        };
        if let Some(existing) = self.accounts.find_identity(req.kind, &value).await? {
            let message = if existing.user_id == caller.user.id {
                "This is already linked to your account."
            } else {
                "This already belongs to another account."
            };
            return Err(AppError::field(ErrorCode::IdentityTaken, "value", message));
        }
        if matches!(req.kind, IdentityKind::Phone | IdentityKind::Email) {
            self.verify_code(&value, CodePurpose::Link, &req.code).await?;
        }
        self.accounts.add_identity(caller.user.id, NewIdentity { kind: req.kind, value, verified }, now()).await?;
        self.profile(caller.user.id).await
    }

    pub async fn sessions(&self, caller: &Caller) -> AppResult<DeviceSessionList> {
        let sessions = self
            .sessions
            .list_sessions(caller.user.id)
            .await?
            .into_iter()
            .map(|s| DeviceSession {
                id: s.id,
                device_name: s.device_name,
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
                current: s.id == caller.session_id,
            })
            .collect();
        Ok(DeviceSessionList { sessions })
    }

    pub async fn revoke_own_session(&self, caller: &Caller, session_id: Uuid) -> AppResult<()> {
        match self.sessions.get_session(session_id).await? {
            Some(s) if s.user_id == caller.user.id && s.revoked_at.is_none() => {
                self.sessions.revoke_session(session_id, "revoked_by_user", now()).await?;
                Ok(())
            }
            _ => Err(AppError::not_found("device session")),
        }
    }
}
