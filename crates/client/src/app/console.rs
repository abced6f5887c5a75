//! The administrator's console in the app, online (a console acts on the system as it is now):
//! people with their roles, locks and sessions; stores and dealers and who supplies which store;
//! the audit log; the system's health.
use super::*;

impl PortalApp {
    pub async fn search_people(&self, query: UserSearchQuery) -> ClientResult<AdminUserList> {
        self.authed(|api, token| {
            let query = query.clone();
            async move { api.call(Some(&token), &ep::SearchUsers { query }).await }
        })
        .await
    }

    pub async fn lock_user(&self, id: Uuid, reason: String) -> ClientResult<AdminUser> {
        self.authed(|api, token| {
            let body = LockAccount { reason: reason.clone() };
            async move { api.call(Some(&token), &ep::LockUser { id, body }).await }
        })
        .await
    }

    pub async fn unlock_user(&self, id: Uuid) -> ClientResult<AdminUser> {
        self.authed(|api, token| async move { api.call(Some(&token), &ep::UnlockUser { id }).await }).await
    }

    pub async fn user_sessions(&self, id: Uuid) -> ClientResult<AdminSessions> {
        self.authed(|api, token| async move { api.call(Some(&token), &ep::UserSessions { id }).await }).await
    }

    pub async fn end_user_session(&self, id: Uuid, session: Uuid) -> ClientResult<AdminSessions> {
        self.authed(|api, token| async move { api.call(Some(&token), &ep::EndUserSession { id, session }).await }).await
    }

    pub async fn set_user_role(&self, id: Uuid, request: SetRoleRequest) -> ClientResult<Profile> {
        self.authed(|api, token| {
            let body = request.clone();
            async move { api.call(Some(&token), &ep::SetRole { id, body }).await }
        })
        .await
    }

    pub async fn audit_log(&self, query: AuditQuery) -> ClientResult<AuditPage> {
        self.authed(|api, token| {
            let query = query.clone();
            async move { api.call(Some(&token), &ep::AuditLog { query }).await }
        })
        .await
    }

    pub async fn system_health(&self) -> ClientResult<SystemHealth> {
        self.authed(|api, token| async move { api.call(Some(&token), &ep::SystemHealthOf {}).await }).await
    }

    pub async fn admin_stores(&self, after: Option<String>) -> ClientResult<StoreList> {
        self.authed(|api, token| {
            let query = DirectoryQuery { after: after.clone() };
            async move { api.call(Some(&token), &ep::AdminStores { query }).await }
        })
        .await
    }

    pub async fn put_store(&self, store: Store) -> ClientResult<Store> {
        self.authed(|api, token| {
            let body = store.clone();
            async move { api.call(Some(&token), &ep::PutStore { id: body.id, body }).await }
        })
        .await
    }

    pub async fn admin_dealers(&self, after: Option<String>) -> ClientResult<DealerList> {
        self.authed(|api, token| {
            let query = DirectoryQuery { after: after.clone() };
            async move { api.call(Some(&token), &ep::AdminDealers { query }).await }
        })
        .await
    }

    pub async fn put_dealer(&self, dealer: Dealer) -> ClientResult<Dealer> {
        self.authed(|api, token| {
            let body = dealer.clone();
            async move { api.call(Some(&token), &ep::PutDealer { id: body.id, body }).await }
        })
        .await
    }

    pub async fn dealer_links(&self, dealer_id: Uuid) -> ClientResult<DealerLinks> {
        self.authed(|api, token| async move { api.call(Some(&token), &ep::DealerLinksOf { id: dealer_id }).await })
            .await
    }

    pub async fn set_dealer_links(&self, dealer_id: Uuid, links: DealerLinks) -> ClientResult<DealerLinks> {
        self.authed(|api, token| {
            let body = links.clone();
            async move { api.call(Some(&token), &ep::SetDealerLinks { id: dealer_id, body }).await }
        })
        .await
    }

    /// Imports a catalog from CSV: the per-row report, applied whole or not at all.
    pub async fn import_catalog_csv(&self, csv: String) -> ClientResult<ImportReport> {
        self.authed(|api, token| {
            let csv = csv.clone();
            async move { api.import_catalog_csv(&token, csv).await }
        })
        .await
    }

    /// One product with its revision, as the server has it now.
    pub async fn admin_product(&self, model: String) -> ClientResult<ProductRevision> {
        self.authed(|api, token| {
            let model = model.clone();
            async move { api.call(Some(&token), &ep::AdminProduct { model }).await }
        })
        .await
    }

    /// Saves a product over the revision it was read at (409 `stale_state` when it moved on),
    /// then pulls the catalog so this device shows the change at once.
    pub async fn put_product(&self, product: Product, revision: String) -> ClientResult<Product> {
        let saved = self
            .authed(|api, token| {
                let endpoint = ep::PutProduct {
                    model: product.model.clone(),
                    query: RevisionQuery { revision: Some(revision.clone()) },
                    body: product.clone(),
                };
                async move { api.call(Some(&token), &endpoint).await }
            })
            .await?;
        let _ = self.sync_catalog().await;
        Ok(saved)
    }

    /// Withdraws a product as it was read, then pulls the catalog.
    pub async fn withdraw_product(&self, model: String, revision: String) -> ClientResult<()> {
        self.authed(|api, token| {
            let endpoint =
                ep::WithdrawProduct { model: model.clone(), query: RevisionQuery { revision: Some(revision.clone()) } };
            async move { api.call(Some(&token), &endpoint).await }
        })
        .await?;
        let _ = self.sync_catalog().await;
        Ok(())
    }
}
