//! Sign-up, sign-in and out, the profile, passwords, linked identities and devices.
use super::*;

impl PortalApp {
    pub async fn send_code(
        &self,
        channel: CodeChannel,
        target: &str,
        purpose: CodePurpose,
    ) -> ClientResult<SendCodeResponse> {
        let req = SendCodeRequest { channel, target: target.to_owned(), purpose };
        self.observe(self.api().call(None, &ep::SendCode { body: req.clone() }).await)
    }

    pub(super) async fn signed_in(&self, response: ClientResult<AuthResponse>) -> ClientResult<AppState> {
        let response = self.observe(response)?;
        // A previous account's data never survives into a new sign-in.
        if self.user_id()? != Some(response.profile.user_id) {
            self.cache().clear_user_data()?;
        }
        self.session.store(&response.tokens).await?;
        *self.signed_out_reason.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.remember_profile(&response.profile)?;
        // The server records the sign-in itself; an app never sends one.
        // The account's choice about tracking holds on this device, unless the person changed it
        // here before signing in (then theirs goes to the account).
        let account = response.profile.user_id;
        if !events::has_unsent_choice(&self.cache(), Some(account))? {
            let token = response.tokens.access_token.clone();
            match self.api().call(Some(&token), &ep::GetTracking {}).await {
                Ok(consent) => events::adopt_choice(&self.cache(), consent.tracking)?,
                Err(e) => tracing::info!(error = %e, "the account's tracking choice is read later"),
            }
        }
        match self.fetch_home(&response.profile).await {
            Ok(home) => self.cache().put_home(response.profile.user_id, &home, now())?,
            Err(e) => tracing::warn!(error = %e, "signed in, but the role home could not be loaded"),
        }
        self.register_device().await;
        self.state()
    }

    pub async fn sign_up(&self, input: SignUpInput) -> ClientResult<AppState> {
        let req = SignUpRequest {
            phone: input.phone,
            code: input.code,
            password: input.password.filter(|p| !p.is_empty()),
            display_name: input.display_name.filter(|n| !n.trim().is_empty()),
            device_name: self.device_name.clone(),
        };
        let response = self.api().call(None, &ep::SignUp { body: req.clone() }).await;
        self.signed_in(response).await
    }

    pub async fn sign_in_with_code(&self, input: CodeSignInInput) -> ClientResult<AppState> {
        let req = CodeSignInRequest { phone: input.phone, code: input.code, device_name: self.device_name.clone() };
        let response = self.api().call(None, &ep::SignInCode { body: req.clone() }).await;
        self.signed_in(response).await
    }

    pub async fn sign_in_with_password(&self, input: PasswordSignInInput) -> ClientResult<AppState> {
        let req = PasswordSignInRequest {
            login: input.login,
            password: input.password,
            device_name: self.device_name.clone(),
        };
        let response = self.api().call(None, &ep::SignInPassword { body: req.clone() }).await;
        self.signed_in(response).await
    }

    /// Ends the session on this device at once (the keyring entry and the cached profile are
    /// deleted) and on the server: now when it can be reached, otherwise the revocation waits in
    /// the keyring until it can be told (`send_pending_revocations`, on the outbox timer).
    pub async fn sign_out(&self) -> ClientResult<AppState> {
        // What this person did goes now (when the server was reachable lately): their events left
        // on the device are forgotten with them.
        if self.online.load(Ordering::Relaxed) {
            if let Err(e) = self.flush_events().await {
                tracing::info!(error = %e, "events not sent before the sign-out");
            }
        }
        let mut told = true;
        if self.session.has_refresh_token()? && self.online.load(Ordering::Relaxed) {
            self.forget_device().await;
        }
        if self.session.has_refresh_token()? {
            if let Err(e) = self.authed(|api, token| async move { api.call(Some(&token), &ep::SignOut {}).await }).await
            {
                told = e.ends_session();
                tracing::warn!(error = %e, "the server was not told about the sign-out; it will be when the network returns");
            }
        }
        if !told {
            self.session.clear_keeping_revocation().await?;
        }
        self.forget_session().await?;
        *self.signed_out_reason.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.state()
    }

    pub async fn refresh(&self) -> ClientResult<AppState> {
        self.sync_profile_and_home().await?;
        self.state()
    }

    pub async fn update_profile(&self, display_name: &str, birthday: Option<String>) -> ClientResult<AppState> {
        let req = UpdateProfileRequest { display_name: display_name.to_owned(), birthday };
        let profile = self
            .authed(|api, token| {
                let req = req.clone();
                async move { api.call(Some(&token), &ep::UpdateProfile { body: req.clone() }).await }
            })
            .await?;
        self.remember_profile(&profile)?;
        self.state()
    }

    pub async fn set_password(&self, req: SetPasswordRequest) -> ClientResult<AppState> {
        self.authed(|api, token| {
            let req = req.clone();
            async move { api.call(Some(&token), &ep::SetPassword { body: req.clone() }).await }
        })
        .await?;
        self.refresh().await
    }

    pub async fn link_identity(&self, req: LinkIdentityRequest) -> ClientResult<AppState> {
        let profile = self
            .authed(|api, token| {
                let req = req.clone();
                async move { api.call(Some(&token), &ep::LinkIdentity { body: req.clone() }).await }
            })
            .await?;
        self.remember_profile(&profile)?;
        self.state()
    }

    pub async fn sessions(&self) -> ClientResult<DeviceSessionList> {
        self.authed(|api, token| async move { api.call(Some(&token), &ep::ListSessions {}).await }).await
    }

    pub async fn revoke_session(&self, id: Uuid) -> ClientResult<DeviceSessionList> {
        self.authed(|api, token| async move { api.call(Some(&token), &ep::RevokeSession { id: id }).await }).await?;
        self.sessions().await
    }
}
