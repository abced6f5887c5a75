//! The client core's facade: what the app's commands call (each declared in `crate::commands`).
//! By domain: the session here; sign-in and the account in `account`; the product center and
//! favourites in `product_center`; sending the outbox in `outbox_flush`; the point of sale in `store`.
use std::{
    future::Future,
    path::Path,
    sync::{
        atomic::{AtomicBool, Ordering},
        Mutex, RwLock,
    },
};

use portal_api::{endpoints as ep, *};
use uuid::Uuid;

use crate::{
    api::{parse_server_url, ApiClient},
    cache::Cache,
    catalog::{self, CatalogStatus, Comparison, ProductView, SearchQuery, SearchResult, StoreDistance},
    consumer_day, dealer_orders,
    error::{ClientError, ClientResult},
    events,
    favourites::{self, FavouriteEntry},
    inbox, outbox,
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
    pub(crate) online: AtomicBool,
    /// A call has settled since the app opened (it reached the server, or found it unreachable):
    /// until then `online` is a default, not an answer.
    pub(crate) settled: AtomicBool,
    /// `start` has run: the background chores wait for it (it refreshes the session first).
    pub(crate) started: AtomicBool,
    /// How many times `start` ran (a window loaded again starts again).
    pub(crate) starts: std::sync::atomic::AtomicU64,
    signed_out_reason: Mutex<Option<ApiError>>,
    /// One catalog sync at a time.
    catalog_sync: tokio::sync::Mutex<()>,
    /// One sending of events at a time, and none while a history is being deleted.
    events_sending: tokio::sync::Mutex<()>,
    /// Where files the person saves go (the OS's downloads folder), set by the shell.
    downloads: Mutex<Option<std::path::PathBuf>>,
    /// The live channel said the inbox changed: the background reads it at its next round.
    pub(crate) inbox_due: AtomicBool,
    /// The live channel is open (the inbox then needs no regular look).
    pub(crate) live: AtomicBool,
}

/// Catalog sync page size.
const CATALOG_PAGE: u32 = 2000;

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Operations sent in one request at most.
const OUTBOX_BATCH: u32 = 200;

thread_local! {
    /// Whether this thread holds the cache now (see `PortalApp::cache`).
    static CACHE_TAKEN_HERE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The cache while it is taken.
pub(super) struct CacheGuard<'a>(std::sync::MutexGuard<'a, Cache>);

impl Drop for CacheGuard<'_> {
    fn drop(&mut self) {
        CACHE_TAKEN_HERE.with(|taken| taken.set(false));
    }
}

impl std::ops::Deref for CacheGuard<'_> {
    type Target = Cache;
    fn deref(&self) -> &Cache {
        &self.0
    }
}

impl std::ops::DerefMut for CacheGuard<'_> {
    fn deref_mut(&mut self) -> &mut Cache {
        &mut self.0
    }
}

/// Whether the server refused a request for good (retrying the same request cannot succeed). A
/// whole request refused as forbidden (the account's role changed) is not: its operations wait,
/// never set aside one by one.
fn is_permanent(e: &ClientError) -> bool {
    permanent_code(e.code())
}

fn permanent_code(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::InvalidJson
            | ErrorCode::InvalidParameter
            | ErrorCode::BodyTooLarge
            | ErrorCode::InvalidStoreOp
            | ErrorCode::IdempotencyConflict
    )
}

/// An order the server refused for reasons sending it again cannot change (its lines, its
/// scope, its id): set aside with its draft marked, never retried.
fn order_refused_for_good(code: ErrorCode) -> bool {
    permanent_code(code) || matches!(code, ErrorCode::InvalidOrder | ErrorCode::Forbidden | ErrorCode::NotFound)
}

mod account;
mod allocation;
mod approvals;
mod campaigns;
mod console;
mod coupons;
mod customers;
pub mod devices;
mod distribution;
mod files;
mod funds;
mod live;
pub use distribution::DealerDeskView;
mod outbox_flush;
mod product_center;
mod recommend;
mod store;
mod tracking;
mod triggers;

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
            settled: AtomicBool::new(false),
            started: AtomicBool::new(false),
            starts: Default::default(),
            signed_out_reason: Mutex::new(None),
            catalog_sync: tokio::sync::Mutex::new(()),
            events_sending: tokio::sync::Mutex::new(()),
            downloads: Mutex::new(None),
            inbox_due: AtomicBool::new(false),
            live: AtomicBool::new(false),
        })
    }

    /// The cache, taken until the guard goes. Not re-entrant: a second take on the same thread
    /// (`f(&self.cache(), self.signed_in_user()?)`) would wait for itself forever, so it panics
    /// instead, where a test finds it.
    pub(super) fn cache(&self) -> CacheGuard<'_> {
        if CACHE_TAKEN_HERE.with(|taken| taken.replace(true)) {
            panic!("the cache was taken twice on one thread: it is not re-entrant");
        }
        CacheGuard(self.cache.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub(super) fn api(&self) -> ApiClient {
        self.api.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(super) fn user_id(&self) -> ClientResult<Option<Uuid>> {
        Ok(self.cache().setting(USER_ID)?.and_then(|s| Uuid::parse_str(&s).ok()))
    }

    /// Notes whether the server answered, so the screens can say "offline".
    pub(super) fn observe<T>(&self, result: ClientResult<T>) -> ClientResult<T> {
        match &result {
            Err(ClientError::Unreachable { .. }) => {
                self.online.store(false, Ordering::Relaxed);
                self.settled.store(true, Ordering::Relaxed);
            }
            Ok(_) | Err(ClientError::Api(_)) => {
                self.online.store(true, Ordering::Relaxed);
                self.settled.store(true, Ordering::Relaxed);
            }
            // An answer that is not a portal's, or a failure on this device before any request
            // (the keyring, the cache, no session): it says nothing of the server.
            Err(_) => {}
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
                Ok(()) => self.register_device().await,
                Err(ClientError::Unreachable { .. }) => {}
                Err(e) if e.ends_session() => {}
                Err(e) => tracing::warn!(error = %e, "could not refresh the profile at start"),
            }
        }
        self.started.store(true, Ordering::Relaxed);
        // A window (re)loaded hears where the app stands again.
        self.starts.fetch_add(1, Ordering::Relaxed);
        self.state()
    }

    /// Runs an authenticated call: refreshes the access token as needed and once more when the
    /// server says it expired. A session the server ended signs this device out, with the reason kept.
    pub(super) async fn authed<T, F, Fut>(&self, call: F) -> ClientResult<T>
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

    pub(super) async fn sync_profile_and_home(&self) -> ClientResult<()> {
        let profile = self.authed(|api, token| async move { api.call(Some(&token), &ep::GetProfile {}).await }).await?;
        self.remember_profile(&profile)?;
        let home = self.fetch_home(&profile).await?;
        self.cache().put_home(profile.user_id, &home, now())?;
        Ok(())
    }

    pub(super) fn remember_profile(&self, profile: &Profile) -> ClientResult<()> {
        let cache = self.cache();
        cache.set_setting(USER_ID, &profile.user_id.to_string())?;
        cache.put_profile(profile, now())
    }

    pub(super) async fn fetch_home(&self, profile: &Profile) -> ClientResult<RoleHome> {
        Ok(match profile.role {
            Role::Consumer => RoleHome::Consumer(ConsumerHome {
                member_since: profile.created_at,
                linked_identities: profile.identities.len() as u32,
            }),
            Role::Promoter => {
                let id = profile.store_id.ok_or_else(|| ClientError::Protocol("promoter without a store".into()))?;
                RoleHome::Promoter(
                    self.authed(
                        |api, token| async move { api.call(Some(&token), &ep::StoreOverviewOf { id: id }).await },
                    )
                    .await?,
                )
            }
            Role::Distributor => {
                let id =
                    profile.dealer_id.ok_or_else(|| ClientError::Protocol("distributor without a dealer".into()))?;
                RoleHome::Distributor(
                    self.authed(
                        |api, token| async move { api.call(Some(&token), &ep::DealerOverviewOf { id: id }).await },
                    )
                    .await?,
                )
            }
            Role::BusinessManager => RoleHome::BusinessManager(
                self.authed(|api, token| async move { api.call(Some(&token), &ep::BusinessDeskOf {}).await }).await?,
            ),
            Role::Operator => RoleHome::Operator(
                self.authed(|api, token| async move { api.call(Some(&token), &ep::Audience {}).await }).await?,
            ),
            Role::StoreManager => {
                let mut stores = Vec::with_capacity(profile.stores.len());
                for store in &profile.stores {
                    let id = store.id;
                    stores.push(
                        self.authed(|api, token| async move {
                            api.call(Some(&token), &ep::StoreOverviewOf { id: id }).await
                        })
                        .await?,
                    );
                }
                RoleHome::StoreManager(ManagerOverview { stores })
            }
            Role::Admin => RoleHome::Admin(
                self.authed(|api, token| async move {
                    api.call(Some(&token), &ep::ListUsers { query: PageQuery { limit: 50, offset: 0 } }).await
                })
                .await?,
            ),
        })
    }

    pub(super) async fn forget_session(&self) -> ClientResult<()> {
        self.session.clear().await?;
        let mut cache = self.cache();
        // Distributor prices are not for whoever uses this device next.
        let (_, synced_role, _) = catalog::sync::state(&cache)?;
        if synced_role.as_deref().is_some_and(product_center::sees_dealer_prices) {
            catalog::sync::reset(&mut cache)?;
        }
        cache.clear_user_data()?;
        // What the next person does before signing in never joins this account, and this
        // person's choice about tracking is not theirs.
        events::new_install_id(&cache)?;
        events::forget_choice(&cache)?;
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
        // Only the candidate's own answer: a candidate that cannot be reached says nothing of the
        // server in use (which stays, with what was known of it).
        candidate.call(None, &ep::HealthCheck {}).await?;
        self.cache().set_setting(SERVER_URL, parsed.as_str())?;
        *self.api.write().unwrap_or_else(|p| p.into_inner()) = candidate;
        self.online.store(true, Ordering::Relaxed);
        self.state()
    }

    /// Asks the server whether it answers (its health, one small request) and returns the state
    /// with `online` saying so: the sign-in screen's check, which makes no other call by itself.
    pub async fn check_server(&self) -> ClientResult<AppState> {
        if let Err(e) = self.observe(self.api().call(None, &ep::HealthCheck {}).await) {
            tracing::info!(error = %e, "the server does not answer");
        }
        self.state()
    }

    pub fn set_locale(&self, locale: &str) -> ClientResult<AppState> {
        let locale = if locale == "en" { "en" } else { DEFAULT_LOCALE };
        self.cache().set_setting(LOCALE, locale)?;
        self.state()
    }

    /// The signed-in account's discount limit, from its cached profile (the server checks it too).
    pub(super) fn discount_limit(&self, user: Uuid) -> ClientResult<u32> {
        let profile = self.cache().profile(user)?;
        Ok(profile.map(|p| p.value.discount_limit_percent).unwrap_or(store_ops::PROMOTER_DISCOUNT_LIMIT_PERCENT))
    }

    pub(super) fn signed_in_user(&self) -> ClientResult<Uuid> {
        match (self.session.has_refresh_token()?, self.user_id()?) {
            (true, Some(id)) => Ok(id),
            _ => Err(ClientError::NotSignedIn),
        }
    }
}
