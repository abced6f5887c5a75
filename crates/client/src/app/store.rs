//! The point of sale and store operations, through the outbox; stock, samples, staff, reports.
use super::*;
use crate::counter_offer::{self, CounterOfferView};

impl PortalApp {
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
                let list = match self
                    .authed(|api, token| async move {
                        api.call(
                            Some(&token),
                            &ep::StoreFlags { id: store_id, query: FlagsQuery { after: after.map(|a| a.to_string()) } },
                        )
                        .await
                    })
                    .await
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
                async move {
                    api.call(
                        Some(&token),
                        &ep::SalesByReceipt {
                            id: store_id,
                            query: ReceiptQuery { receipt_no: Some(receipt_no.to_owned()) },
                        },
                    )
                    .await
                }
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
        match self.authed(|api, token| async move { api.call(Some(&token), &ep::Stock { id: store_id }).await }).await {
            Ok(report) => store_stock::save_report(&self.cache(), &report, now())?,
            Err(ClientError::Unreachable { .. }) => {}
            Err(e) => return Err(e),
        }
        store_stock::view(&self.cache(), user, store_id)
    }

    /// The bundle offer for the cart `skus` at the store's counter: the server's, else one made
    /// on the device (from the local catalog and the stock this device last saw).
    pub async fn checkout_offer(&self, store_id: Uuid, skus: Vec<String>) -> ClientResult<CounterOfferView> {
        let user = self.signed_in_user()?;
        let req = CheckoutOfferRequest { skus };
        let asked = self
            .authed(|api, token| {
                let req = req.clone();
                async move { api.call(Some(&token), &ep::CheckoutOfferFor { id: store_id, body: req.clone() }).await }
            })
            .await;
        match asked {
            Ok(offer) => {
                let items = counter_offer::items(&self.cache(), &offer.skus)?;
                return Ok(CounterOfferView { id: offer.id, algorithm: offer.algorithm, items, offline: false });
            }
            Err(ClientError::Unreachable { .. }) => {}
            Err(e) => return Err(e),
        }
        let cache = self.cache();
        let stock = store_stock::view(&cache, user, store_id)?;
        let skus = counter_offer::local(&cache, &req.skus, &stock)?;
        let items = counter_offer::items(&cache, &skus)?;
        Ok(CounterOfferView { id: Uuid::now_v7(), algorithm: counter_offer::ON_DEVICE.into(), items, offline: true })
    }

    /// The store's display units (as last read from the server when it cannot be reached).
    pub async fn samples(&self, store_id: Uuid) -> ClientResult<store_stock::Snapshot<SampleList>> {
        let fetched =
            self.authed(|api, token| async move { api.call(Some(&token), &ep::Samples { id: store_id }).await }).await;
        store_stock::snapshot(&self.cache(), &format!("pos.samples.{store_id}"), fetched, now())
    }

    /// Transfers in flight to and from the store (as last read when the server cannot be reached).
    pub async fn transfers(&self, store_id: Uuid) -> ClientResult<store_stock::Snapshot<TransferList>> {
        let user = self.signed_in_user()?;
        let fetched = self
            .authed(|api, token| async move { api.call(Some(&token), &ep::Transfers { id: store_id }).await })
            .await;
        store_stock::transfers(&self.cache(), user, store_id, fetched, now())
    }

    /// A store's promoters and managers with their discount limits (managers; online).
    pub async fn staff(&self, store_id: Uuid) -> ClientResult<StaffList> {
        self.authed(|api, token| async move { api.call(Some(&token), &ep::StoreStaff { id: store_id }).await }).await
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
            async move {
                api.call(Some(&token), &ep::SetStaffDiscountLimit { id: store_id, user_id: user_id, body: req.clone() })
                    .await
            }
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
            async move {
                api.call(
                    Some(&token),
                    &ep::StoreDayReport { id: store_id, query: DayQuery { day: Some(day.to_owned()) } },
                )
                .await
            }
        })
        .await
    }
}
