//! The product center (sync, search, product pages, comparison, stores) and favourites.
use super::*;

/// Whether a role's catalog carries dealer prices (the server's rule: distributors, business
/// managers and administrators).
pub(super) fn sees_dealer_prices(role: &str) -> bool {
    matches!(role, "distributor" | "business_manager" | "admin")
}

impl PortalApp {
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
        if synced_role.as_deref().is_some_and(|r| sees_dealer_prices(r) != sees_dealer_prices(role)) {
            // Dealer prices are for some roles only: a role that sees other prices starts from
            // scratch (one that sees the same keeps the catalog and takes the changes).
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

    pub(super) async fn catalog_page(
        &self,
        signed_in: bool,
        cursor: Option<String>,
    ) -> ClientResult<portal_api::SyncPage> {
        if signed_in {
            self.authed(|api, token| {
                let cursor = cursor.clone();
                async move {
                    api.call(
                        Some(&token),
                        &ep::CatalogSync {
                            query: SyncQuery {
                                cursor: cursor.as_deref().map(str::to_owned),
                                limit: Some(CATALOG_PAGE),
                            },
                        },
                    )
                    .await
                }
            })
            .await
        } else {
            self.observe(
                self.api()
                    .call(
                        None,
                        &ep::CatalogSync {
                            query: SyncQuery {
                                cursor: cursor.as_deref().map(str::to_owned),
                                limit: Some(CATALOG_PAGE),
                            },
                        },
                    )
                    .await,
            )
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

    /// Notes that the signed-in person opened a product's page (their home's "recently viewed").
    /// Checked and written under one hold of the cache, so a sign-out cannot slip in between.
    pub fn record_product_view(&self, model: &str) -> ClientResult<()> {
        if !self.session.has_refresh_token()? {
            return Ok(());
        }
        let mut cache = self.cache();
        let Some(user) = cache.setting(USER_ID)?.and_then(|s| Uuid::parse_str(&s).ok()) else {
            return Ok(());
        };
        consumer_day::record_view(&mut cache, user, model)
    }

    /// The consumer's home lists, from this device's copy (offline too).
    pub fn consumer_day(&self, latitude: f64, longitude: f64) -> ClientResult<consumer_day::ConsumerDay> {
        let user = self.signed_in_user()?;
        consumer_day::consumer_day(&self.cache(), user, latitude, longitude, now())
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
}
