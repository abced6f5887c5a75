//! The client core's facade: what the app's commands call.
use std::{
    future::Future,
    path::Path,
    sync::{
        atomic::{AtomicBool, Ordering},
        Mutex, RwLock,
    },
};

use portal_api::*;
use uuid::Uuid;

use crate::{
    api::{parse_server_url, ApiClient},
    cache::Cache,
    catalog::{self, CatalogStatus, Comparison, ProductView, SearchQuery, SearchResult, StoreDistance},
    error::{ClientError, ClientResult},
    favourites::{self, FavouriteEntry},
    outbox,
    session::Session,
    state::*,
    store_ops, store_stock,
    vault::SecretStore,
};

const SERVER_URL: &str = "server_url";
const LOCALE: &str = "locale";
const USER_ID: &str = "user_id";
pub const DEFAULT_LOCALE: &str = "zh-CN";

pub struct PortalApp {
    cache: Mutex<Cache>,
    session: Session,
    api: RwLock<ApiClient>,
    device_name: String,
    online: AtomicBool,
    signed_out_reason: Mutex<Option<ApiError>>,
    /// One catalog sync at a time.
    catalog_sync: tokio::sync::Mutex<()>,
}

/// Catalog sync page size.
const CATALOG_PAGE: u32 = 2000;

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Operations sent in one request at most.
const OUTBOX_BATCH: u32 = 200;

/// Whether the server refused a request for good (retrying the same request cannot succeed). A
/// whole request refused as forbidden (the account's role changed) is not: its operations wait,
/// never set aside one by one.
fn is_permanent(e: &ClientError) -> bool {
    matches!(
        e.code(),
        ErrorCode::InvalidJson
            | ErrorCode::InvalidParameter
            | ErrorCode::BodyTooLarge
            | ErrorCode::InvalidStoreOp
            | ErrorCode::IdempotencyConflict
    )
}

impl PortalApp {
    /// Opens the cache at `cache_path`; `default_server` is used until the user picks another.
    pub fn open(
        cache_path: &Path,
        secrets: Box<dyn SecretStore>,
        device_name: &str,
        default_server: &str,
    ) -> ClientResult<Self> {
        let cache = Cache::open(cache_path)?;
        let server = match cache.setting(SERVER_URL)? {
            Some(saved) => parse_server_url(&saved)?,
            None => parse_server_url(default_server)?,
        };
        Ok(Self {
            cache: Mutex::new(cache),
            session: Session::new(secrets),
            api: RwLock::new(ApiClient::new(server)),
            device_name: device_name.to_owned(),
            online: AtomicBool::new(true),
            signed_out_reason: Mutex::new(None),
            catalog_sync: tokio::sync::Mutex::new(()),
        })
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn api(&self) -> ApiClient {
        self.api.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn user_id(&self) -> ClientResult<Option<Uuid>> {
        Ok(self.cache().setting(USER_ID)?.and_then(|s| Uuid::parse_str(&s).ok()))
    }

    /// Notes whether the server answered, so the screens can say "offline".
    fn observe<T>(&self, result: ClientResult<T>) -> ClientResult<T> {
        match &result {
            Err(ClientError::Unreachable { .. }) => self.online.store(false, Ordering::Relaxed),
            Err(ClientError::Protocol(_)) => {}
            _ => self.online.store(true, Ordering::Relaxed),
        }
        result
    }

    /// The state from the cache and keyring alone; no network.
    pub fn state(&self) -> ClientResult<AppState> {
        let signed_in = self.session.has_refresh_token()?;
        let cache = self.cache();
        let user_id = cache.setting(USER_ID)?.and_then(|s| Uuid::parse_str(&s).ok());
        let (profile, home) = match (signed_in, user_id) {
            (true, Some(id)) => (cache.profile(id)?, cache.home::<RoleHome>(id)?),
            _ => (None, None),
        };
        Ok(AppState {
            server_url: self.api().base().to_string(),
            locale: cache.setting(LOCALE)?.unwrap_or_else(|| DEFAULT_LOCALE.into()),
            signed_in,
            online: self.online.load(Ordering::Relaxed),
            profile_cached_at: profile.as_ref().map(|p| p.cached_at),
            profile: profile.map(|p| p.value),
            home_cached_at: home.as_ref().map(|h| h.cached_at),
            home: home.map(|h| h.value),
            signed_out_reason: self.signed_out_reason.lock().unwrap_or_else(|p| p.into_inner()).clone(),
        })
    }

    /// At start: when signed in, refresh the session, the profile and the role home. Offline,
    /// the cached state stands and the user stays signed in.
    pub async fn start(&self) -> ClientResult<AppState> {
        if self.session.has_refresh_token()? {
            match self.sync_profile_and_home().await {
                Ok(()) | Err(ClientError::Unreachable { .. }) => {}
                Err(e) if e.ends_session() => {}
                Err(e) => tracing::warn!(error = %e, "could not refresh the profile at start"),
            }
        }
        self.state()
    }

    /// Runs an authenticated call: refreshes the access token as needed and once more when the
    /// server says it expired. A session the server ended signs this device out, with the reason kept.
    async fn authed<T, F, Fut>(&self, call: F) -> ClientResult<T>
    where
        F: Fn(ApiClient, String) -> Fut,
        Fut: Future<Output = ClientResult<T>>,
    {
        let api = self.api();
        let attempt = async {
            let token = self.session.access_token(&api, false).await?;
            match call(api.clone(), token).await {
                Err(ClientError::Api(e)) if matches!(e.code, ErrorCode::TokenExpired | ErrorCode::Unauthorized) => {
                    let token = self.session.access_token(&api, true).await?;
                    call(api.clone(), token).await
                }
                other => other,
            }
        };
        let result = self.observe(attempt.await);
        if let Err(e) = &result {
            if e.ends_session() {
                tracing::warn!(code = e.code().as_str(), "the server ended this device's session");
                *self.signed_out_reason.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.to_api_error());
                self.forget_session().await?;
            }
        }
        result
    }

    async fn sync_profile_and_home(&self) -> ClientResult<()> {
        let profile = self.authed(|api, token| async move { api.profile(&token).await }).await?;
        self.remember_profile(&profile)?;
        let home = self.fetch_home(&profile).await?;
        self.cache().put_home(profile.user_id, &home, now())?;
        Ok(())
    }

    fn remember_profile(&self, profile: &Profile) -> ClientResult<()> {
        let cache = self.cache();
        cache.set_setting(USER_ID, &profile.user_id.to_string())?;
        cache.put_profile(profile, now())
    }

    async fn fetch_home(&self, profile: &Profile) -> ClientResult<RoleHome> {
        Ok(match profile.role {
            Role::Consumer => RoleHome::Consumer(ConsumerHome {
                member_since: profile.created_at,
                linked_identities: profile.identities.len() as u32,
            }),
            Role::Promoter => {
                let id = profile.store_id.ok_or_else(|| ClientError::Protocol("promoter without a store".into()))?;
                RoleHome::Promoter(self.authed(|api, token| async move { api.store_overview(&token, id).await }).await?)
            }
            Role::Distributor => {
                let id =
                    profile.dealer_id.ok_or_else(|| ClientError::Protocol("distributor without a dealer".into()))?;
                RoleHome::Distributor(
                    self.authed(|api, token| async move { api.dealer_overview(&token, id).await }).await?,
                )
            }
            Role::Operator => {
                RoleHome::Operator(self.authed(|api, token| async move { api.audience(&token).await }).await?)
            }
            Role::StoreManager => {
                let mut stores = Vec::with_capacity(profile.stores.len());
                for store in &profile.stores {
                    let id = store.id;
                    stores.push(self.authed(|api, token| async move { api.store_overview(&token, id).await }).await?);
                }
                RoleHome::StoreManager(ManagerOverview { stores })
            }
            Role::Admin => RoleHome::Admin(self.authed(|api, token| async move { api.users(&token).await }).await?),
        })
    }

    async fn forget_session(&self) -> ClientResult<()> {
        self.session.clear().await?;
        let mut cache = self.cache();
        // Distributor prices are not for whoever uses this device next.
        let (_, synced_role, _) = catalog::sync::state(&cache)?;
        if matches!(synced_role.as_deref(), Some("distributor" | "admin")) {
            catalog::sync::reset(&mut cache)?;
        }
        cache.clear_user_data()?;
        cache.remove_setting(USER_ID)
    }

    /// Changes the server address after checking that a portal server answers there.
    pub async fn set_server(&self, url: &str) -> ClientResult<AppState> {
        if self.session.has_refresh_token()? {
            return Err(ClientError::Api(ApiError::new(
                ErrorCode::Forbidden,
                "Sign out before changing the server address.",
            )));
        }
        let parsed = parse_server_url(url)?;
        let candidate = ApiClient::new(parsed.clone());
        self.observe(candidate.health().await)?;
        self.cache().set_setting(SERVER_URL, parsed.as_str())?;
        *self.api.write().unwrap_or_else(|p| p.into_inner()) = candidate;
        self.state()
    }

    pub fn set_locale(&self, locale: &str) -> ClientResult<AppState> {
        let locale = if locale == "en" { "en" } else { DEFAULT_LOCALE };
        self.cache().set_setting(LOCALE, locale)?;
        self.state()
    }

    pub async fn send_code(
        &self,
        channel: CodeChannel,
        target: &str,
        purpose: CodePurpose,
    ) -> ClientResult<SendCodeResponse> {
        let req = SendCodeRequest { channel, target: target.to_owned(), purpose };
        self.observe(self.api().send_code(&req).await)
    }

    async fn signed_in(&self, response: ClientResult<AuthResponse>) -> ClientResult<AppState> {
        let response = self.observe(response)?;
        // A previous account's data never survives into a new sign-in.
        if self.user_id()? != Some(response.profile.user_id) {
            self.cache().clear_user_data()?;
        }
        self.session.store(&response.tokens).await?;
        *self.signed_out_reason.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.remember_profile(&response.profile)?;
        match self.fetch_home(&response.profile).await {
            Ok(home) => self.cache().put_home(response.profile.user_id, &home, now())?,
            Err(e) => tracing::warn!(error = %e, "signed in, but the role home could not be loaded"),
        }
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
        let response = self.api().sign_up(&req).await;
        self.signed_in(response).await
    }

    pub async fn sign_in_with_code(&self, input: CodeSignInInput) -> ClientResult<AppState> {
        let req = CodeSignInRequest { phone: input.phone, code: input.code, device_name: self.device_name.clone() };
        let response = self.api().sign_in_code(&req).await;
        self.signed_in(response).await
    }

    pub async fn sign_in_with_password(&self, input: PasswordSignInInput) -> ClientResult<AppState> {
        let req = PasswordSignInRequest {
            login: input.login,
            password: input.password,
            device_name: self.device_name.clone(),
        };
        let response = self.api().sign_in_password(&req).await;
        self.signed_in(response).await
    }

    /// Ends the session on this device at once (the keyring entry and the cached profile are
    /// deleted) and on the server: now when it can be reached, otherwise the revocation waits in
    /// the keyring until it can be told (`send_pending_revocations`, on the outbox timer).
    pub async fn sign_out(&self) -> ClientResult<AppState> {
        let mut told = true;
        if self.session.has_refresh_token()? {
            if let Err(e) = self.authed(|api, token| async move { api.sign_out(&token).await }).await {
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

    pub async fn update_profile(&self, display_name: &str) -> ClientResult<AppState> {
        let req = UpdateProfileRequest { display_name: display_name.to_owned() };
        let profile = self
            .authed(|api, token| {
                let req = req.clone();
                async move { api.update_profile(&token, &req).await }
            })
            .await?;
        self.remember_profile(&profile)?;
        self.state()
    }

    pub async fn set_password(&self, req: SetPasswordRequest) -> ClientResult<AppState> {
        self.authed(|api, token| {
            let req = req.clone();
            async move { api.set_password(&token, &req).await }
        })
        .await?;
        self.refresh().await
    }

    pub async fn link_identity(&self, req: LinkIdentityRequest) -> ClientResult<AppState> {
        let profile = self
            .authed(|api, token| {
                let req = req.clone();
                async move { api.link_identity(&token, &req).await }
            })
            .await?;
        self.remember_profile(&profile)?;
        self.state()
    }

    pub async fn sessions(&self) -> ClientResult<DeviceSessionList> {
        self.authed(|api, token| async move { api.sessions(&token).await }).await
    }

    pub async fn revoke_session(&self, id: Uuid) -> ClientResult<DeviceSessionList> {
        self.authed(|api, token| async move { api.revoke_session(&token, id).await }).await?;
        self.sessions().await
    }

    // ----- product center -----

    /// Brings the local catalog up to date, page by page; each page lands in one transaction with
    /// its cursor, so an interruption resumes where it stopped.
    pub async fn sync_catalog(&self) -> ClientResult<CatalogStatus> {
        let _one_at_a_time = self.catalog_sync.lock().await;
        let signed_in = self.session.has_refresh_token()?;
        let role = match (signed_in, self.user_id()?) {
            (true, Some(id)) => self.cache().profile(id)?.map(|p| p.value.role.as_str()).unwrap_or("consumer"),
            _ => "anonymous",
        };
        let (mut cursor, synced_role, _) = catalog::sync::state(&self.cache())?;
        if synced_role.as_deref().is_some_and(|r| r != role) {
            // Prices differ by role: a different role starts from scratch.
            catalog::sync::reset(&mut self.cache())?;
            cursor = None;
        }
        let mut page = self.catalog_page(signed_in, cursor).await?;
        loop {
            // Ask for the next page before applying this one, so the server and the network work
            // while SQLite writes; the request is polled first, then the page is applied.
            let next = page.has_more.then(|| self.catalog_page(signed_in, Some(page.cursor.clone())));
            let apply = async { catalog::sync::apply_page(&mut self.cache(), &page, role, now()) };
            let (next, applied) = match next {
                Some(next) => {
                    let (next, applied) = tokio::join!(biased; next, apply);
                    (Some(next), applied)
                }
                None => (None, apply.await),
            };
            applied?;
            match next {
                Some(next) => page = next?,
                None => break,
            }
        }
        catalog::view::status(&self.cache())
    }

    async fn catalog_page(&self, signed_in: bool, cursor: Option<String>) -> ClientResult<portal_api::SyncPage> {
        if signed_in {
            self.authed(|api, token| {
                let cursor = cursor.clone();
                async move { api.catalog_page(Some(&token), cursor.as_deref(), CATALOG_PAGE).await }
            })
            .await
        } else {
            self.observe(self.api().catalog_page(None, cursor.as_deref(), CATALOG_PAGE).await)
        }
    }

    pub fn catalog_status(&self) -> ClientResult<CatalogStatus> {
        catalog::view::status(&self.cache())
    }

    pub fn categories(&self) -> ClientResult<Vec<Category>> {
        catalog::view::categories(&self.cache())
    }

    pub fn stores(&self) -> ClientResult<Vec<portal_api::RetailStore>> {
        catalog::view::stores(&self.cache())
    }

    pub fn search(&self, query: &SearchQuery) -> ClientResult<SearchResult> {
        catalog::search::search(&self.cache(), query)
    }

    pub fn product(&self, model: &str) -> ClientResult<Option<ProductView>> {
        catalog::view::product(&self.cache(), model)
    }

    pub fn compare(&self, models: &[String]) -> ClientResult<Comparison> {
        catalog::view::compare(&self.cache(), models)
    }

    pub fn nearest_stores(
        &self,
        latitude: f64,
        longitude: f64,
        model: Option<&str>,
    ) -> ClientResult<Vec<StoreDistance>> {
        catalog::view::nearest_stores(&self.cache(), latitude, longitude, model, 10)
    }

    // ----- favourites, through the outbox -----

    /// The signed-in account's discount limit, from its cached profile (the server checks it too).
    fn discount_limit(&self, user: Uuid) -> ClientResult<u32> {
        let profile = self.cache().profile(user)?;
        Ok(profile.map(|p| p.value.discount_limit_percent).unwrap_or(store_ops::PROMOTER_DISCOUNT_LIMIT_PERCENT))
    }

    fn signed_in_user(&self) -> ClientResult<Uuid> {
        match (self.session.has_refresh_token()?, self.user_id()?) {
            (true, Some(id)) => Ok(id),
            _ => Err(ClientError::NotSignedIn),
        }
    }

    /// Marks or unmarks a favourite (or a follow) at once, offline too; the change reaches the
    /// account through the outbox.
    pub async fn set_favourite(
        &self,
        model: &str,
        kind: FavouriteKind,
        active: bool,
    ) -> ClientResult<Vec<FavouriteEntry>> {
        let user = self.signed_in_user()?;
        favourites::set(&mut self.cache(), user, model, kind, active, now())?;
        if let Err(e) = self.flush_outbox().await {
            tracing::info!(error = %e, "favourite kept in the outbox for later");
        }
        favourites::list(&self.cache(), user)
    }

    pub fn favourites(&self) -> ClientResult<Vec<FavouriteEntry>> {
        // The user first: the cache lock is not re-entrant.
        let user = self.signed_in_user()?;
        favourites::list(&self.cache(), user)
    }

    /// Sends what the outbox holds for this account, in order, until it is empty or the server
    /// cannot be reached (then the operations wait for their retry time). Called on a timer.
    /// Consecutive operations of one kind go in one request; a kind never overtakes an earlier one.
    pub async fn flush_outbox(&self) -> ClientResult<u32> {
        self.send_pending_revocations().await;
        let user = self.signed_in_user()?;
        // After a request the server refuses whole, operations go one at a time until the one it
        // refuses is found and set aside; then batches again.
        let mut batch = OUTBOX_BATCH;
        loop {
            let due = outbox::due(&self.cache(), user, now(), batch)?;
            let Some(first) = due.first() else { break };
            let sent = if first.kind == store_ops::OUTBOX_KIND {
                let (ops, unreadable) = store_ops::ops(&due);
                if !unreadable.is_empty() {
                    let error = ApiError::new(
                        ErrorCode::InvalidStoreOp,
                        "this operation could not be read by this version of the app; it was set aside",
                    );
                    store_ops::set_aside(&mut self.cache(), user, &unreadable, error, now())?;
                    continue;
                }
                let request = StoreOps { ops };
                let ids: Vec<Uuid> = request.ops.iter().map(|o| o.id).collect();
                let answer = self
                    .authed(|api, token| {
                        let request = request.clone();
                        async move { api.store_ops(&token, &request).await }
                    })
                    .await;
                match answer {
                    Ok(r) if r.outcomes.is_empty() => {
                        // The server answered nothing for what was sent: stop instead of looping.
                        tracing::warn!(count = ids.len(), "the server acknowledged none of the operations sent");
                        break;
                    }
                    Ok(r) => Ok(store_ops::acknowledge(&mut self.cache(), user, &r.outcomes, now())),
                    Err(e) => Err((e, ids)),
                }
            } else if first.kind == favourites::OUTBOX_KIND {
                let (ops, unreadable) = favourites::ops(&due);
                if !unreadable.is_empty() {
                    self.set_aside(&unreadable, "unreadable")?;
                    continue;
                }
                let ids: Vec<Uuid> = ops.iter().map(|o| o.id).collect();
                let request = FavouriteOps { ops };
                let answer = self
                    .authed(|api, token| {
                        let request = request.clone();
                        async move { api.favourite_ops(&token, &request).await }
                    })
                    .await;
                match answer {
                    Ok(list) => {
                        // One cache lock at a time: the lock is not re-entrant.
                        let set_aside = self.set_aside(&list.rejected, "idempotency_conflict");
                        let acked = set_aside.and_then(|_| outbox::ack(&mut self.cache(), &list.acked));
                        Ok(acked.and_then(|_| favourites::merge(&mut self.cache(), user, &list.favourites)))
                    }
                    Err(e) => Err((e, ids)),
                }
            } else {
                // A kind this version does not know: set aside (kept, visible), never blocking the rest.
                tracing::warn!(kind = %first.kind, "unknown outbox kind set aside");
                self.set_aside(&[first.op_id], "unknown_kind")?;
                continue;
            };
            match sent {
                Ok(stored) => {
                    stored?;
                    batch = OUTBOX_BATCH;
                }
                Err((e, ids)) if is_permanent(&e) && ids.len() > 1 => {
                    tracing::info!(error = %e, "a batch was refused whole; sending one at a time to find the one");
                    batch = 1;
                }
                Err((e, ids)) if is_permanent(&e) => {
                    tracing::warn!(error = %e, "an operation was refused for good and set aside");
                    if first.kind == store_ops::OUTBOX_KIND {
                        let error = match &e {
                            ClientError::Api(api) => api.clone(),
                            other => ApiError::new(other.code(), other.to_string()),
                        };
                        store_ops::set_aside(&mut self.cache(), user, &ids, error, now())?;
                    } else {
                        self.set_aside(&ids, e.code().as_str())?;
                    }
                }
                Err((e, ids)) => {
                    if !e.ends_session() {
                        outbox::failed(&mut self.cache(), &ids, &e.to_string(), now())?;
                    }
                    return Err(e);
                }
            }
        }
        self.report_set_aside(user).await;
        // Nothing left to send: take the account's favourites (changes from other devices).
        let list = self.authed(|api, token| async move { api.favourites(&token).await }).await?;
        favourites::merge(&mut self.cache(), user, &list.favourites)?;
        outbox::pending_count(&self.cache(), user)
    }

    /// Tells the server of operations set aside here, so that the store's manager hears of them
    /// too. Best effort: what is not acknowledged is reported with a later flush.
    async fn report_set_aside(&self, user: Uuid) {
        const PAGE: u32 = 100;
        // Bounded: a server that acknowledges nothing cannot keep the flush here.
        for _ in 0..10 {
            let ops = match outbox::unreported_dead(&self.cache(), user, PAGE) {
                Ok(ops) if !ops.is_empty() => ops,
                Ok(_) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "set-aside operations could not be read for the report");
                    return;
                }
            };
            let report = SetAsideReport { ops };
            let answer = self
                .authed(|api, token| {
                    let report = report.clone();
                    async move { api.report_set_aside(&token, &report).await }
                })
                .await;
            match answer {
                Ok(ack) if !ack.acked.is_empty() => {
                    if let Err(e) = outbox::mark_reported(&mut self.cache(), &ack.acked, now()) {
                        tracing::warn!(error = %e, "could not note the report of set-aside operations");
                        return;
                    }
                }
                Ok(_) => return,
                Err(e) => {
                    tracing::info!(error = %e, "set-aside operations will be reported later");
                    return;
                }
            }
        }
    }

    fn set_aside(&self, ids: &[Uuid], reason: &str) -> ClientResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut cache = self.cache();
        let tx = cache.conn.transaction()?;
        outbox::set_aside(&tx, ids, reason, now())?;
        tx.commit()?;
        Ok(())
    }

    /// See `Session::believe_access_is_fresh` (tests only).
    #[cfg(any(test, feature = "test-support"))]
    pub async fn believe_access_is_fresh(&self) {
        self.session.believe_access_is_fresh().await;
    }

    /// Ends on the server the sessions signed out while offline. A token the server no longer
    /// knows is done with; one that could not be sent waits for the next try.
    pub async fn send_pending_revocations(&self) {
        let Ok(pending) = self.session.pending_revocations() else { return };
        if pending.is_empty() {
            return;
        }
        let api = self.api();
        let mut done = Vec::new();
        for token in pending {
            match api.revoke(&token).await {
                Ok(()) => tracing::info!("a session signed out offline was ended on the server"),
                Err(e) if e.code() == ErrorCode::ServerUnreachable || e.code() == ErrorCode::Internal => continue,
                Err(e) => tracing::info!(error = %e, "a pending sign-out was refused; nothing left to end"),
            }
            done.push(token);
        }
        if let Err(e) = self.session.remove_pending_revocations(&done) {
            tracing::warn!(error = %e, "could not update the pending sign-outs in the keyring");
        }
    }

    /// Sends what is waiting now, without waiting for the back-off (the person asked).
    pub async fn send_now(&self) -> ClientResult<u32> {
        let user = self.signed_in_user()?;
        outbox::retry_now(&self.cache(), user, now())?;
        self.flush_outbox().await
    }

    // ----- store operations (point of sale), through the outbox -----

    /// Records a store operation at once, offline too (a sale with its receipt, in one transaction
    /// with its outbox row), then tries to send it. Refused here if a rule refuses it.
    pub async fn record_store_op(&self, store_id: Uuid, action: StoreAction) -> ClientResult<Uuid> {
        let user = self.signed_in_user()?;
        let limit = self.discount_limit(user)?;
        let id = store_ops::record(&mut self.cache(), user, store_id, action, limit, now())?;
        if let Err(e) = self.flush_outbox().await {
            tracing::info!(error = %e, "store operation kept in the outbox for later");
        }
        Ok(id)
    }

    pub fn store_notices(&self) -> ClientResult<Vec<store_ops::Notice>> {
        let user = self.signed_in_user()?;
        store_ops::notices(&self.cache(), user)
    }

    /// A store manager's device watches the stores they run: what the server flagged there since the
    /// last look (anyone's sale below stock, a serial sold twice, a till that did not add up)
    /// becomes a notice here. The first look only marks where to start. Offline, nothing happens.
    pub async fn watch_store_flags(&self) -> ClientResult<u32> {
        let user = self.signed_in_user()?;
        let Some(profile) = self.cache().profile(user)?.map(|p| p.value) else { return Ok(0) };
        if profile.role != Role::StoreManager {
            return Ok(0);
        }
        let mut new = 0;
        for store in &profile.stores {
            loop {
                let after = store_ops::flags_cursor(&self.cache(), user, store.id)?;
                let store_id = store.id;
                let list =
                    match self.authed(|api, token| async move { api.store_flags(&token, store_id, after).await }).await
                    {
                        Ok(list) => list,
                        Err(ClientError::Unreachable { .. }) => return Ok(new),
                        Err(e) => return Err(e),
                    };
                new += store_ops::take_store_flags(&mut self.cache(), user, &list, now())?;
                if !list.has_more {
                    break;
                }
            }
        }
        Ok(new)
    }

    /// Refusals and flags not yet notified (each is returned once), for the OS notifications.
    pub fn take_new_notices(&self) -> ClientResult<Vec<store_ops::Notice>> {
        let user = self.signed_in_user()?;
        store_ops::take_unnotified(&mut self.cache(), user)
    }

    /// The SKU a scanned barcode (or a typed SKU code) names, from the local catalog, offline.
    pub fn scan(&self, barcode: &str) -> ClientResult<catalog::view::SkuHit> {
        catalog::view::sku(&self.cache(), barcode, now())?.ok_or_else(|| {
            ClientError::Api(ApiError::new(ErrorCode::UnknownBarcode, format!("{barcode} is not in the catalog")))
        })
    }

    pub fn receipts(&self) -> ClientResult<Vec<store_ops::SaleReceipt>> {
        let user = self.signed_in_user()?;
        store_ops::receipts(&self.cache(), user, 200)
    }

    /// A receipt of the store made on another device, found on the server by its number (kept, so
    /// that a return against it is checked here; as last found when the server cannot be reached).
    pub async fn find_receipt(&self, store_id: Uuid, receipt_no: &str) -> ClientResult<Vec<store_ops::SaleReceipt>> {
        self.signed_in_user()?;
        let receipt_no = receipt_no.trim().to_owned();
        let asked = receipt_no.clone();
        let fetched = self
            .authed(|api, token| {
                let receipt_no = asked.clone();
                async move { api.sales_by_receipt(&token, store_id, &receipt_no).await }
            })
            .await;
        match fetched {
            Ok(found) => store_ops::keep_found(&self.cache(), &found, now())?,
            Err(e @ ClientError::Unreachable { .. }) => {
                let kept = store_ops::found_receipts(&self.cache(), store_id, &receipt_no)?;
                return if kept.is_empty() { Err(e) } else { Ok(kept) };
            }
            Err(e) => return Err(e),
        }
        store_ops::found_receipts(&self.cache(), store_id, &receipt_no)
    }

    /// The next receipt number on this device (its name's first characters and a counter).
    pub fn next_receipt_no(&self) -> ClientResult<String> {
        store_ops::next_receipt_no(&self.cache(), &self.device_name)
    }

    pub fn pending_ops(&self) -> ClientResult<u32> {
        let user = self.signed_in_user()?;
        outbox::pending_count(&self.cache(), user)
    }

    /// The store's stock: the server's ledger sums when it can be reached (kept for offline), plus
    /// this device's operations it has not acknowledged yet.
    pub async fn stock(&self, store_id: Uuid) -> ClientResult<store_stock::StockView> {
        let user = self.signed_in_user()?;
        match self.authed(|api, token| async move { api.stock(&token, store_id).await }).await {
            Ok(report) => store_stock::save_report(&self.cache(), &report, now())?,
            Err(ClientError::Unreachable { .. }) => {}
            Err(e) => return Err(e),
        }
        store_stock::view(&self.cache(), user, store_id)
    }

    /// The store's display units (as last read from the server when it cannot be reached).
    pub async fn samples(&self, store_id: Uuid) -> ClientResult<store_stock::Snapshot<SampleList>> {
        let fetched = self.authed(|api, token| async move { api.samples(&token, store_id).await }).await;
        store_stock::snapshot(&self.cache(), &format!("pos.samples.{store_id}"), fetched, now())
    }

    /// Transfers in flight to and from the store (as last read when the server cannot be reached).
    pub async fn transfers(&self, store_id: Uuid) -> ClientResult<store_stock::Snapshot<TransferList>> {
        let user = self.signed_in_user()?;
        let fetched = self.authed(|api, token| async move { api.transfers(&token, store_id).await }).await;
        store_stock::transfers(&self.cache(), user, store_id, fetched, now())
    }

    /// A store's promoters and managers with their discount limits (managers; online).
    pub async fn staff(&self, store_id: Uuid) -> ClientResult<StaffList> {
        self.authed(|api, token| async move { api.staff(&token, store_id).await }).await
    }

    /// Sets a promoter's discount limit (a manager, online: a limit must hold on every device).
    pub async fn set_discount_limit(
        &self,
        store_id: Uuid,
        user_id: Uuid,
        percent: Option<u32>,
    ) -> ClientResult<StaffMember> {
        let req = SetDiscountLimit { discount_limit_percent: percent };
        self.authed(|api, token| {
            let req = req.clone();
            async move { api.set_discount_limit(&token, store_id, user_id, &req).await }
        })
        .await
    }

    /// The shift open on this device for the signed-in account at a store, if any.
    pub fn open_shift(&self, store_id: Uuid) -> ClientResult<Option<store_ops::OpenShift>> {
        let user = self.signed_in_user()?;
        store_ops::open_shift(&mut self.cache(), user, store_id)
    }

    /// A sale as the counter works it out: what is owed, and the sums or why it cannot be recorded
    /// yet (the discount limit, payments short, change without cash): the check `record_store_op`
    /// makes.
    pub fn sale_totals(&self, action: &StoreAction) -> ClientResult<store_ops::SaleCheck> {
        Ok(store_ops::sale_check(action, self.discount_limit(self.signed_in_user()?)?))
    }

    /// What a return against a sale this device knows refunds (checked as the server will).
    pub fn preview_refund(&self, action: &StoreAction) -> ClientResult<Option<i64>> {
        store_ops::preview_refund(&self.cache(), action)
    }

    pub async fn day_report(&self, store_id: Uuid, day: &str) -> ClientResult<DayReport> {
        let day = day.to_owned();
        self.authed(|api, token| {
            let day = day.clone();
            async move { api.day_report(&token, store_id, &day).await }
        })
        .await
    }
}
