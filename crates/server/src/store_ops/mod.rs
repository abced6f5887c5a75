//! Store operations for promoters: operations from their devices' outboxes applied exactly once,
//! stock from the ledger, day reports and customers' purchases, each behind its role and scope.
use portal_api::*;
use uuid::Uuid;

use crate::{
    error::{AppError, AppResult},
    identity::{accounts::Caller, normalize},
    portal::{now, Portal},
    store::{NewIdentity, NewUser, OpContext},
};

/// Operations accepted in one request.
pub const MAX_OPS_PER_REQUEST: usize = 500;
/// Flag events in one answer.
const FLAGS_PER_PAGE: u32 = 100;
/// Reports use the stores' local day (China Standard Time, UTC+8).
const LOCAL_OFFSET_SECS: i64 = 8 * 3600;

/// The local day (UTC+8) of a unix time, as YYYY-MM-DD.
pub fn local_day(unix: i64) -> String {
    crate::catalog::csv_format::date(unix + LOCAL_OFFSET_SECS)
}

impl Portal {
    /// The customer's unified account for a phone typed at the counter: found, or created on the
    /// spot when they agreed. A phone that is not valid links nothing (the sale still stands).
    async fn customer_for(&self, phone: Option<&str>, consent: bool) -> AppResult<Option<Uuid>> {
        let Some(Ok(phone)) = phone.map(normalize::phone) else { return Ok(None) };
        if let Some(identity) = self.store.find_identity(IdentityKind::Phone, &phone).await? {
            return Ok(Some(identity.user_id));
        }
        if !consent {
            return Ok(None);
        }
        let user = NewUser {
            id: Uuid::now_v7(),
            display_name: format!("顾客 {}", &phone[phone.len().saturating_sub(4)..]),
            role: Role::Consumer,
            store_id: None,
            dealer_id: None,
            password_hash: None,
            created_at: now(),
            // Not verified: the customer proves the number by SMS when they first sign in.
            identities: vec![NewIdentity { kind: IdentityKind::Phone, value: phone.clone(), verified: false }],
        };
        let id = user.id;
        match self.store.create_user(user).await {
            Ok(()) => {
                tracing::info!(user_id = %id, "customer account created at a store, with consent");
                Ok(Some(id))
            }
            // Another device created it a moment ago.
            Err(crate::store::StoreError::Conflict(_)) => {
                Ok(self.store.find_identity(IdentityKind::Phone, &phone).await?.map(|i| i.user_id))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Applies a device's operations in order, each exactly once. Every operation gets an outcome;
    /// a rejected one changed nothing and says why.
    pub async fn apply_store_ops(&self, caller: &Caller, req: StoreOps) -> AppResult<StoreOpsResult> {
        caller.require(&[Role::Promoter, Role::StoreManager, Role::Admin])?;
        if req.ops.len() > MAX_OPS_PER_REQUEST {
            return Err(AppError::new(
                ErrorCode::InvalidStoreOp,
                format!("send at most {MAX_OPS_PER_REQUEST} operations at a time"),
            ));
        }
        for op in &req.ops {
            self.check_store_scope(caller, op.store_id).await?;
        }
        let limit = crate::org::discount_limit(&caller.user);
        let mut batch = Vec::with_capacity(req.ops.len());
        for op in req.ops {
            let customer = match &op.action {
                StoreAction::Sale { customer_phone, customer_consent, .. } => {
                    self.customer_for(customer_phone.as_deref(), *customer_consent).await?
                }
                _ => None,
            };
            let ctx = OpContext {
                actor: caller.user.id,
                customer,
                discount_limit_percent: limit,
                day: local_day(op.device_at),
                now: now(),
            };
            batch.push((op, ctx));
        }
        Ok(StoreOpsResult { outcomes: self.store.apply_store_ops(batch).await? })
    }

    pub async fn stock_report(&self, caller: &Caller, store_id: Uuid) -> AppResult<StockReport> {
        self.check_store_scope(caller, store_id).await?;
        Ok(self.store.stock(store_id).await?)
    }

    pub async fn day_report(&self, caller: &Caller, store_id: Uuid, day: Option<String>) -> AppResult<DayReport> {
        self.check_store_scope(caller, store_id).await?;
        let day = day.unwrap_or_else(|| local_day(now()));
        let midnight_utc = crate::catalog::csv_format::parse_date(&day).filter(|_| day.len() == 10);
        let Some(midnight_utc) = midnight_utc else {
            return Err(AppError::field(ErrorCode::InvalidStoreOp, "day", "day must be YYYY-MM-DD"));
        };
        Ok(self.store.day_report(store_id, day, midnight_utc - LOCAL_OFFSET_SECS).await?)
    }

    pub async fn samples(&self, caller: &Caller, store_id: Uuid) -> AppResult<SampleList> {
        self.check_store_scope(caller, store_id).await?;
        Ok(self.store.samples(store_id).await?)
    }

    pub async fn transfers(&self, caller: &Caller, store_id: Uuid) -> AppResult<TransferList> {
        self.check_store_scope(caller, store_id).await?;
        Ok(self.store.transfers(store_id).await?)
    }

    /// What was flagged at a store after a cursor, for its manager's device (managers and admins).
    pub async fn store_flags(&self, caller: &Caller, store_id: Uuid, after: Option<&str>) -> AppResult<StoreFlagList> {
        caller.require(&[Role::StoreManager, Role::Admin])?;
        self.check_store_scope(caller, store_id).await?;
        let after = match after.map(|a| a.trim().parse::<i64>()) {
            None => None,
            Some(Ok(a)) if a >= 0 => Some(a),
            Some(_) => {
                return Err(AppError::field(
                    ErrorCode::InvalidStoreOp,
                    "after",
                    "after must be a cursor from an earlier answer",
                ))
            }
        };
        Ok(self.store.flags_after(store_id, after, FLAGS_PER_PAGE).await?)
    }

    /// A receipt of the store found by its number, for a return at any of its devices.
    pub async fn sales_by_receipt(
        &self,
        caller: &Caller,
        store_id: Uuid,
        receipt_no: &str,
    ) -> AppResult<StoreSaleList> {
        self.check_store_scope(caller, store_id).await?;
        let receipt_no = receipt_no.trim();
        if receipt_no.is_empty() || receipt_no.chars().count() > 64 {
            return Err(AppError::field(ErrorCode::InvalidStoreOp, "receipt_no", "give a receipt number"));
        }
        Ok(self.store.sales_by_receipt(store_id, receipt_no.to_owned()).await?)
    }

    /// The caller's own purchases at every store.
    pub async fn purchases(&self, caller: &Caller) -> AppResult<PurchaseList> {
        Ok(self.store.purchases(caller.user.id).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_days_are_china_time() {
        assert_eq!(local_day(0), "1970-01-01");
        // 2026-11-21 16:00 UTC is 2026-11-22 00:00 in Shanghai.
        assert_eq!(local_day(1_795_276_800), "2026-11-22");
        assert_eq!(local_day(1_795_276_799), "2026-11-21");
        assert_eq!(local_day(951_782_400 - 8 * 3600), "2000-02-29");
    }
}
