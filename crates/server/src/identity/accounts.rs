//! Sign-up, sign-in, refresh, sign-out, profile, linking and device sessions.
use portal_api::*;
use uuid::Uuid;

use super::{codes, lockout, normalize, password, throttle, tokens::AccessClaims};
use crate::{
    auth::Caller,
    common::now,
    db::{CodeCheck, NewCode, NewIdentity, NewUser, Rotation, SessionRecord},
    error::{AppError, AppResult},
    portal::Portal,
};

impl Portal {
    // ----- codes -----

    pub async fn send_code(&self, req: SendCodeRequest, client_ip: &str) -> AppResult<SendCodeResponse> {
        let target = match req.channel {
            CodeChannel::Sms => normalize::phone(&req.target)?,
            CodeChannel::Email => normalize::email(&req.target)?,
        };
        let kind = match req.channel {
            CodeChannel::Sms => IdentityKind::Phone,
            CodeChannel::Email => IdentityKind::Email,
        };
        if req.channel == CodeChannel::Email && req.purpose != CodePurpose::Link {
            return Err(AppError::field(
                ErrorCode::InvalidPhone,
                "channel",
                "Sign-up and sign-in codes go to a phone number; e-mail codes are for linking an address.",
            ));
        }
        let existing = self.db.find_identity(kind, &target).await?;
        match (req.purpose, existing) {
            (CodePurpose::SignIn, None) => {
                return Err(AppError::new(
                    ErrorCode::AccountNotFound,
                    "No account uses this phone number yet. Sign up instead.",
                ))
            }
            (CodePurpose::CounterConsent, _) => {
                return Err(AppError::field(
                    ErrorCode::Forbidden,
                    "purpose",
                    "A counter code is asked for by the promoter serving the customer.",
                ))
            }
            (CodePurpose::SignUp | CodePurpose::Link, Some(_)) => {
                return Err(AppError::field(
                    ErrorCode::IdentityTaken,
                    "target",
                    "This phone number or e-mail already belongs to an account. Sign in instead.",
                ))
            }
            _ => {}
        }
        self.deliver_code(req.channel, target, req.purpose, req.purpose.as_str().to_owned(), client_ip).await
    }

    /// Makes a code for `target` and `purpose`, within the sending limits, and sends it. The code
    /// is kept under `purpose_key` (the purpose, or the purpose bound to who may use the code).
    pub(crate) async fn deliver_code(
        &self,
        channel: CodeChannel,
        target: String,
        purpose_of: CodePurpose,
        purpose_key: String,
        client_ip: &str,
    ) -> AppResult<SendCodeResponse> {
        self.issue_code(channel, target, purpose_of, purpose_key, client_ip, true).await
    }

    /// A code made, throttled and kept exactly as `deliver_code` does, but sent nowhere: the
    /// answer to a request that must not tell whether its number belongs to anyone (nobody can
    /// then read the code out, so it never matches).
    pub(crate) async fn issue_code_unsent(
        &self,
        channel: CodeChannel,
        target: String,
        purpose_of: CodePurpose,
        purpose_key: String,
        client_ip: &str,
    ) -> AppResult<SendCodeResponse> {
        self.issue_code(channel, target, purpose_of, purpose_key, client_ip, false).await
    }

    async fn issue_code(
        &self,
        channel: CodeChannel,
        target: String,
        purpose_of: CodePurpose,
        purpose_key: String,
        client_ip: &str,
        send: bool,
    ) -> AppResult<SendCodeResponse> {
        let req = SendCodeRequest { channel, target: target.clone(), purpose: purpose_of };
        let now = now();
        let cfg = &self.config;
        let code = codes::generate();
        let purpose = purpose_key.as_str();
        let limits = throttle::Limits {
            resend_interval_secs: cfg.code_resend_interval_secs as i64,
            per_target_per_hour: cfg.code_max_per_target_per_hour,
            per_address_per_hour: cfg.code_max_per_ip_per_hour,
            global_per_hour: cfg.code_max_per_hour,
        };
        let new_code = NewCode {
            channel: req.channel.as_str().into(),
            target: target.clone(),
            purpose: purpose.into(),
            code_hash: codes::hash(&self.keys.code, &target, purpose, &code),
            client_ip: client_ip.into(),
            created_at: now,
            expires_at: now + cfg.code_ttl_secs as i64,
        };
        match self.db.insert_code_if_allowed(new_code, limits).await? {
            Ok(()) => {}
            Err(throttle::Refusal::TooSoon { wait_secs }) => {
                return Err(AppError::retry_after(
                    ErrorCode::RateLimited,
                    wait_secs as u64,
                    "A code was just sent to this number. Wait before asking for another.",
                ))
            }
            Err(throttle::Refusal::TargetHourly { wait_secs }) => {
                return Err(AppError::retry_after(
                    ErrorCode::RateLimited,
                    wait_secs as u64,
                    "Too many codes were sent to this number in the last hour.",
                ))
            }
            Err(throttle::Refusal::AddressHourly) => {
                return Err(AppError::retry_after(
                    ErrorCode::RateLimited,
                    600,
                    "Too many codes were requested from this network. Try again later.",
                ))
            }
            Err(throttle::Refusal::GlobalHourly) => {
                tracing::warn!("the hourly budget of messages is used up; code sends refused");
                return Err(AppError::retry_after(
                    ErrorCode::RateLimited,
                    900,
                    "The service is sending too many messages right now. Try again later or sign in with a password.",
                ));
            }
        }
        let minutes = cfg.code_ttl_secs.div_ceil(60);
        let body = match purpose_of {
            CodePurpose::CounterConsent => format!(
                "【品牌门户】门店店员正在为您服务，请求查看您的会员资料。同意请告知验证码 {code}（{minutes} 分钟内有效）；如您不在门店，请勿提供。\
                 A store promoter serving you asks to see your customer profile: give them {code} to agree ({minutes} min); if you are not at a store, ignore this."
            ),
            _ => format!(
                "【品牌门户】验证码 {code}，{minutes} 分钟内有效，请勿告诉他人。Your code is {code}; it expires in {minutes} min."
            ),
        };
        if send {
            self.deliver(OutboxMessage { channel: req.channel, to: target.clone(), body, code, sent_at: now }).await?;
        }
        Ok(SendCodeResponse {
            target,
            expires_in_secs: cfg.code_ttl_secs,
            resend_after_secs: cfg.code_resend_interval_secs,
        })
    }

    pub(crate) async fn verify_code(&self, target: &str, purpose: CodePurpose, code: &str) -> AppResult<()> {
        self.verify_code_for(target, purpose.as_str(), code).await
    }

    /// Checks a code kept under `purpose` (a purpose's name, or one bound to who may use it).
    pub(crate) async fn verify_code_for(&self, target: &str, purpose: &str, code: &str) -> AppResult<()> {
        let code = code.trim();
        if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
            return Err(AppError::field(ErrorCode::InvalidCode, "code", "The code is the 6 digits in the message."));
        }
        let hash = codes::hash(&self.keys.code, target, purpose, code);
        match self.db.check_code(target, purpose, &hash, self.config.code_max_attempts, now()).await? {
            CodeCheck::Accepted => Ok(()),
            CodeCheck::Wrong { attempts_left } => Err(AppError::field(
                ErrorCode::InvalidCode,
                "code",
                format!("The code is wrong; {attempts_left} tries left."),
            )),
            CodeCheck::NoLiveCode => Err(AppError::field(
                ErrorCode::InvalidCode,
                "code",
                "No code is waiting for this number. Ask for a new code.",
            )),
            CodeCheck::Expired => {
                Err(AppError::field(ErrorCode::CodeExpired, "code", "The code has expired. Ask for a new code."))
            }
            CodeCheck::AttemptsExhausted => Err(AppError::field(
                ErrorCode::TooManyAttempts,
                "code",
                "Too many wrong tries for this code. Ask for a new code.",
            )),
        }
    }

    // ----- sign-up and sign-in -----

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
        if self.db.find_identity(IdentityKind::Phone, &phone).await?.is_some() {
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
        self.db.create_user(user).await?;
        tracing::info!(%user_id, "account created by sign-up");
        self.start_session(user_id, device_name, true).await
    }

    pub async fn sign_in_with_code(&self, req: CodeSignInRequest) -> AppResult<AuthResponse> {
        let phone = normalize::phone(&req.phone)?;
        let device_name = device_name(&req.device_name)?;
        let Some(identity) = self.db.find_identity(IdentityKind::Phone, &phone).await? else {
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
        let identity = self.db.find_identity(kind, &login).await?;
        // One count per account, whichever of its logins is typed; an unknown login counts alone.
        let account_key = match &identity {
            Some(identity) => format!("user:{}", identity.user_id),
            None => format!("login:{login}"),
        };
        let user = match &identity {
            Some(identity) => self.db.get_user(identity.user_id).await?,
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
    async fn check_password(
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
            .db
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
                self.db
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
        let store = self.db.clone();
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
        self.db.create_session(session).await?;
        // The sign-in is a fact the server saw; it is not lost with the session's answer.
        if let Err(e) = self.record_sign_in(user_id, session_id).await {
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
        let session = self.db.get_session(session_id).await?.ok_or_else(invalid)?;
        if session.revoked_at.is_none() && session.last_seen_at + (self.config.session_idle_ttl_secs as i64) < now {
            self.db.revoke_session(session_id, "idle_expired", now).await?;
            return Err(AppError::new(
                ErrorCode::SessionRevoked,
                "This session expired after a long time unused. Sign in again.",
            ));
        }
        match self.db.rotate_session(session_id, presented, self.config.refresh_grace_secs as i64, now).await? {
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
        self.db.get_session(session_id).await?.ok_or_else(invalid)?;
        self.db.revoke_session(session_id, "signed_out", now()).await?;
        Ok(())
    }

    pub async fn sign_out(&self, caller: &Caller) -> AppResult<()> {
        self.db.revoke_session(caller.session_id, "signed_out", now()).await?;
        Ok(())
    }

    // ----- profile -----

    pub async fn profile(&self, user_id: Uuid) -> AppResult<Profile> {
        let user = self.db.get_user(user_id).await?.ok_or_else(|| AppError::not_found("account"))?;
        let identities = self
            .db
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
            stores: self.db.user_stores(user_id).await?,
            discount_limit_percent,
            birthday: self.db.birthday(user_id).await?,
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
        self.db.set_display_name(caller.user.id, &name).await?;
        if let Some(birthday) = birthday {
            self.db.set_birthday(caller.user.id, birthday).await?;
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
        self.db.set_password_hash(caller.user.id, &hash, Some(caller.session_id), now()).await?;
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
        if let Some(existing) = self.db.find_identity(req.kind, &value).await? {
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
        self.db.add_identity(caller.user.id, NewIdentity { kind: req.kind, value, verified }, now()).await?;
        self.profile(caller.user.id).await
    }

    pub async fn sessions(&self, caller: &Caller) -> AppResult<DeviceSessionList> {
        let sessions = self
            .db
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
        match self.db.get_session(session_id).await? {
            Some(s) if s.user_id == caller.user.id && s.revoked_at.is_none() => {
                self.db.revoke_session(session_id, "revoked_by_user", now()).await?;
                Ok(())
            }
            _ => Err(AppError::not_found("device session")),
        }
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
