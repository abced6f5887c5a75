//! Sign-up, sign-in (code or password, under the lockout), refresh and sign-out.
use portal_api::*;
use uuid::Uuid;

use super::IdentityService;
use super::{lockout, normalize, password, tokens::AccessClaims};
use crate::{
    auth::Caller,
    common::now,
    db::{NewIdentity, NewUser, Rotation, SessionRecord},
    error::{AppError, AppResult},
};

impl IdentityService {
    pub async fn sign_up(&self, req: SignUpRequest) -> AppResult<AuthResponse> {
        // Validate everything before the code is spent, so bad input costs the user nothing.
        let phone = normalize::phone(&req.phone)?;
        let display_name = match &req.display_name {
            Some(name) if !name.trim().is_empty() => normalize::display_name(name)?,
            _ => default_display_name(&phone),
        };
        let device_name = device_name(&req.device_name)?;
        if let Some(pw) = &req.password {
            password::check_strength(pw)?;
        }
        if self.accounts.find_identity(IdentityKind::Phone, &phone).await?.is_some() {
            return Err(AppError::field(
                ErrorCode::IdentityTaken,
                "phone",
                "This phone number already has an account. Sign in instead.",
            ));
        }
        self.verify_code(&phone, CodePurpose::SignUp, &req.code).await?;
        let password_hash = match req.password {
            Some(pw) => Some(password::hash(pw, self.password_slot().await?).await?),
            None => None,
        };
        let user = NewUser {
            id: Uuid::now_v7(),
            display_name,
            role: Role::Consumer,
            store_id: None,
            dealer_id: None,
            password_hash,
            created_at: now(),
            identities: vec![NewIdentity { kind: IdentityKind::Phone, value: phone, verified: true }],
        };
        let user_id = user.id;
        self.accounts.create_user(user).await?;
        tracing::info!(%user_id, "account created by sign-up");
        self.start_session(user_id, device_name, true).await
    }

    pub async fn sign_in_with_code(&self, req: CodeSignInRequest) -> AppResult<AuthResponse> {
        let phone = normalize::phone(&req.phone)?;
        let device_name = device_name(&req.device_name)?;
        let Some(identity) = self.accounts.find_identity(IdentityKind::Phone, &phone).await? else {
            return Err(AppError::new(
                ErrorCode::AccountNotFound,
                "No account uses this phone number yet. Sign up instead.",
            ));
        };
        self.verify_code(&phone, CodePurpose::SignIn, &req.code).await?;
        self.start_session(identity.user_id, device_name, false).await
    }

    pub async fn sign_in_with_password(&self, req: PasswordSignInRequest, client_ip: &str) -> AppResult<AuthResponse> {
        let device_name = device_name(&req.device_name)?;
        let (kind, login) = match normalize::login(&req.login)? {
            normalize::Login::Phone(v) => (IdentityKind::Phone, v),
            normalize::Login::Email(v) => (IdentityKind::Email, v),
            normalize::Login::Username(v) => (IdentityKind::Username, v),
        };
        let identity = self.accounts.find_identity(kind, &login).await?;
        // One count per account, whichever of its logins is typed; an unknown login counts alone.
        let account_key = match &identity {
            Some(identity) => format!("user:{}", identity.user_id),
            None => format!("login:{login}"),
        };
        let user = match &identity {
            Some(identity) => self.accounts.get_user(identity.user_id).await?,
            None => None,
        };
        let hash = user.as_ref().and_then(|u| u.password_hash.clone());
        self.check_password(account_key, client_ip, req.password, hash).await?;
        let user = user.expect("a matching password implies a user");
        self.start_session(user.id, device_name, false).await
    }

    fn lockout_policies(&self) -> (lockout::Policy, lockout::Policy) {
        let cfg = &self.config;
        let lockout_secs = cfg.password_lockout_secs as i64;
        (
            lockout::Policy { max_failures: cfg.password_max_failures, lockout_secs },
            lockout::Policy { max_failures: cfg.password_max_failures_per_address, lockout_secs },
        )
    }

    /// Verifies a password under the lockout rules: the attempt is counted on the account and the
    /// client's address before the (slow) hash is checked, so parallel guesses cannot outrun the
    /// lock. Ok only when it matches.
    pub(super) async fn check_password(
        &self,
        account_key: String,
        client_ip: &str,
        password: String,
        hash: Option<String>,
    ) -> AppResult<()> {
        let (account_policy, address_policy) = self.lockout_policies();
        let address_key = format!("ip:{client_ip}");
        let now = now();
        let locked = |until: i64| {
            AppError::retry_after(
                ErrorCode::AccountLocked,
                (until - now).max(1) as u64,
                "Too many wrong passwords. Sign-in with a password is locked for a while; you can still sign in with an SMS code.",
            )
        };
        let admission = self
            .sign_in
            .admit_password_attempt(
                vec![(account_key.clone(), account_policy), (address_key.clone(), address_policy)],
                now,
            )
            .await?;
        if let lockout::Admission::Locked { until } = admission {
            return Err(locked(until));
        }
        let slot = match self.password_slot().await {
            Ok(slot) => slot,
            Err(busy) => {
                // The attempt was never made: give both counts back.
                self.sign_in
                    .settle_password_attempt(
                        (account_key, account_policy),
                        (address_key, address_policy),
                        lockout::Settle::Released,
                        now,
                    )
                    .await?;
                return Err(busy);
            }
        };
        // Verified and settled in a task of its own: a client that hangs up mid-way does not leave
        // its attempt counted as a failure (a right password still clears the count).
        let store = self.sign_in.clone();
        let (matches, after) = tokio::spawn(async move {
            let matches = password::verify(password, hash, slot).await;
            let outcome = if matches { lockout::Settle::Succeeded } else { lockout::Settle::Failed };
            let after = store
                .settle_password_attempt((account_key, account_policy), (address_key, address_policy), outcome, now)
                .await;
            (matches, after)
        })
        .await
        .map_err(|_| AppError::internal())?;
        let after = after?;
        if matches {
            return Ok(());
        }
        if let Some(until) = after.locked_until {
            return Err(locked(until));
        }
        let left = account_policy.max_failures.saturating_sub(after.failures);
        Err(AppError::new(
            ErrorCode::InvalidCredentials,
            format!("The login or password is wrong; {left} tries left before a temporary lock."),
        ))
    }

    async fn start_session(&self, user_id: Uuid, device_name: String, created: bool) -> AppResult<AuthResponse> {
        // A session started while an administrator locks the account is refused at its first
        // request (`live_session_user` reads the lock too).
        if !self.locks.account_locks(vec![user_id]).await?.is_empty() {
            return Err(AppError::new(
                ErrorCode::AccountSuspended,
                "An administrator has locked this account; ask them to unlock it.",
            ));
        }
        let now = now();
        let session = SessionRecord {
            id: Uuid::now_v7(),
            user_id,
            device_name,
            created_at: now,
            last_seen_at: now,
            generation: 0,
            rotated_at: now,
            revoked_at: None,
        };
        let session_id = session.id;
        self.sessions.create_session(session).await?;
        // Locked while the session was made: it is ended, not handed out.
        if !self.locks.account_locks(vec![user_id]).await?.is_empty() {
            self.sessions.revoke_session(session_id, "account_locked", now).await?;
            return Err(AppError::new(
                ErrorCode::AccountSuspended,
                "An administrator has locked this account; ask them to unlock it.",
            ));
        }
        // The sign-in is a fact the server saw; it is not lost with the session's answer.
        if let Err(e) = super::sign_in_event::record_sign_in(self.events.as_ref(), user_id, session_id).await {
            tracing::warn!(error = ?e, "the sign-in event was not recorded");
        }
        let tokens = self.tokens(user_id, session_id, 0, now);
        let profile = self.profile(user_id).await?;
        Ok(AuthResponse { tokens, profile, created })
    }

    fn tokens(&self, user_id: Uuid, session_id: Uuid, generation: i64, now: i64) -> TokenPair {
        let ttl = self.config.access_token_ttl_secs;
        TokenPair {
            access_token: self.keys.access_token(&AccessClaims {
                sid: session_id,
                uid: user_id,
                exp: now + ttl as i64,
                gen: generation,
            }),
            access_expires_in_secs: ttl,
            refresh_token: self.keys.refresh_token(session_id, generation),
            session_id,
        }
    }

    pub async fn refresh(&self, req: RefreshRequest) -> AppResult<TokenPair> {
        let invalid =
            || AppError::new(ErrorCode::InvalidRefreshToken, "The refresh token is not valid. Sign in again.");
        let (session_id, presented) = self.keys.verify_refresh(&req.refresh_token).ok_or_else(invalid)?;
        let now = now();
        let session = self.sessions.get_session(session_id).await?.ok_or_else(invalid)?;
        // A locked account's device gets no new tokens: its session ends here.
        if !self.locks.account_locks(vec![session.user_id]).await?.is_empty() {
            self.sessions.revoke_session(session_id, "account_locked", now).await?;
            return Err(AppError::new(
                ErrorCode::AccountSuspended,
                "An administrator has locked this account; ask them to unlock it.",
            ));
        }
        if session.revoked_at.is_none() && session.last_seen_at + (self.config.session_idle_ttl_secs as i64) < now {
            self.sessions.revoke_session(session_id, "idle_expired", now).await?;
            return Err(AppError::new(
                ErrorCode::SessionRevoked,
                "This session expired after a long time unused. Sign in again.",
            ));
        }
        match self.sessions.rotate_session(session_id, presented, self.config.refresh_grace_secs as i64, now).await? {
            Rotation::Advanced { generation } | Rotation::WithinGrace { generation } => {
                Ok(self.tokens(session.user_id, session_id, generation, now))
            }
            Rotation::Reused => {
                tracing::warn!(%session_id, "refresh token reuse detected; session revoked");
                Err(AppError::new(
                    ErrorCode::RefreshTokenReused,
                    "This refresh token was already used. For your safety this device was signed out; sign in again.",
                ))
            }
            Rotation::Revoked => {
                Err(AppError::new(ErrorCode::SessionRevoked, "This device was signed out. Sign in again."))
            }
            Rotation::Unknown => Err(invalid()),
        }
    }

    /// Ends the session a refresh token names (a device that signed out while offline).
    pub async fn revoke_by_refresh_token(&self, token: &str) -> AppResult<()> {
        let invalid = || AppError::new(ErrorCode::InvalidRefreshToken, "The refresh token is not valid.");
        let (session_id, _) = self.keys.verify_refresh(token).ok_or_else(invalid)?;
        self.sessions.get_session(session_id).await?.ok_or_else(invalid)?;
        self.sessions.revoke_session(session_id, "signed_out", now()).await?;
        Ok(())
    }

    pub async fn sign_out(&self, caller: &Caller) -> AppResult<()> {
        self.sessions.revoke_session(caller.session_id, "signed_out", now()).await?;
        Ok(())
    }
}

fn device_name(input: &str) -> AppResult<String> {
    let name = input.trim();
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
        return Err(AppError::field(
            ErrorCode::InvalidDisplayName,
            "device_name",
            "A device name has 1 to 80 characters.",
        ));
    }
    Ok(name.to_owned())
}

fn default_display_name(phone: &str) -> String {
    format!("用户{}", normalize::phone_tail(phone))
}
