//! Store operations for promoters: operations from their devices' outboxes applied exactly once,
//! stock from the ledger, day reports and customers' purchases, each behind its role and scope.

use std::collections::HashMap;

mod coupon;

use portal_api::*;
use portal_store_ops::day::LOCAL_OFFSET_SECS;
use uuid::Uuid;

use crate::{
    auth::Caller,
    common::now,
    common::{body_hash, local_day},
    db::{CounterCustomer, OpContext, SetAsideRecord},
    error::{AppError, AppResult},
    identity::normalize,
};
use crate::{
    catalog::CatalogService,
    db::{Coupons, Database, Org, StoreOps as Ledger},
    org::OrgService,
};
use std::sync::Arc;

/// Store operations as a service: each store's ledger (stock, sales, transfers, flags), read and
/// written behind the organisation's scope checks, priced by the catalog's price book. Handlers
/// take it with `State<StoreOpsService>`; a clone shares the same storage.
#[derive(Clone)]
pub struct StoreOpsService {
    ledger: Arc<dyn Ledger>,
    /// Stores and who was assigned where, when (an operation made before a move).
    placements: Arc<dyn Org>,
    org: OrgService,
    catalog: CatalogService,
    /// The coupons campaigns issued, and the public key their codes are signed with.
    coupons: Arc<dyn Coupons>,
    coupon_key: Arc<str>,
}

impl StoreOpsService {
    pub fn new(db: &Arc<dyn Database>, org: OrgService, catalog: CatalogService, coupon_key: &str) -> Self {
        Self {
            ledger: db.clone(),
            placements: db.clone(),
            org,
            catalog,
            coupons: db.clone(),
            coupon_key: coupon_key.into(),
        }
    }
}

/// Whether an operation is within the caller's scope, and how.
enum Scope {
    Now,
    /// At a store they worked at when the operation was made, before a move.
    BeforeMove,
    Outside,
}

/// What the caller may do at one store.
#[derive(Debug, Clone, Copy)]
struct StoreAccess {
    exists: bool,
    /// Their store (a promoter), one they run (a manager), or any (an administrator).
    in_scope_now: bool,
    /// May close anyone's shift there.
    manages: bool,
}

/// How long after a move a promoter's operations made at their former store still land there.
const OFFLINE_MOVE_WINDOW_SECS: i64 = 30 * 24 * 3600;

/// Operations accepted in one request.
pub const MAX_OPS_PER_REQUEST: usize = 500;
/// Flag events in one answer.
const FLAGS_PER_PAGE: u32 = 100;

/// At most `max` characters of a text a device sent, without control characters.
fn bounded_text(text: &str, max: usize) -> String {
    text.chars().filter(|c| !c.is_control()).take(max).collect()
}

impl StoreOpsService {
    /// What the caller may do at a store, looked up once per batch.
    async fn store_access(&self, caller: &Caller, store_id: Uuid) -> AppResult<StoreAccess> {
        Ok(StoreAccess {
            exists: self.placements.get_store(store_id).await?.is_some(),
            in_scope_now: self.org.check_store_scope(caller, store_id).await.is_ok(),
            manages: match caller.user.role {
                Role::Admin => true,
                Role::StoreManager => self.placements.manages(caller.user.id, store_id).await?,
                _ => false,
            },
        })
    }

    /// Whether the caller may act for a store at an operation's time: in scope now, or assigned
    /// there when the operation was made (a promoter moved to another store still lands what they
    /// sold before the move, if it was made within the last 30 days).
    async fn op_scope(
        &self,
        caller: &Caller,
        access: StoreAccess,
        store_id: Uuid,
        at: i64,
        now: i64,
    ) -> AppResult<Scope> {
        if access.in_scope_now {
            return Ok(Scope::Now);
        }
        let recent = at >= now - OFFLINE_MOVE_WINDOW_SECS;
        let before_move = recent
            && matches!(caller.user.role, Role::Promoter | Role::StoreManager)
            && self.placements.assigned_at(caller.user.id, store_id, at).await?;
        Ok(if before_move { Scope::BeforeMove } else { Scope::Outside })
    }

    /// Applies a device's operations in order, each exactly once. Every operation gets its own
    /// outcome: one that is out of scope, out of bounds or names an unknown store is refused alone
    /// (never the batch), so nothing queued behind it waits.
    pub async fn apply_store_ops(&self, caller: &Caller, req: StoreOps) -> AppResult<StoreOpsResult> {
        caller.require(&[Role::Promoter, Role::StoreManager, Role::Admin])?;
        if req.ops.len() > MAX_OPS_PER_REQUEST {
            return Err(AppError::field(
                ErrorCode::InvalidStoreOp,
                "ops",
                format!("send at most {MAX_OPS_PER_REQUEST} operations at a time"),
            ));
        }
        let limit = crate::org::discount_limit(&caller.user);
        let book = self.catalog.price_book().await?;
        let now = now();
        let mut known_stores: HashMap<Uuid, StoreAccess> = HashMap::new();
        let mut batch = Vec::with_capacity(req.ops.len());
        for (i, mut op) in req.ops.into_iter().enumerate() {
            let body_hash = body_hash(&op);
            let mut refusal = None;
            let mut flags = Vec::new();
            if !portal_store_ops::bounds::clock_plausible(op.device_at, now) {
                flags.push(OpFlag::ClockSkew { device_at: op.device_at });
                op.device_at = now;
            }
            if let Err(e) = portal_store_ops::bounds::check(&op, &format!("ops[{i}]")) {
                refusal = Some(ApiError::new(ErrorCode::InvalidStoreOp, e.message).with_field(&e.field));
            }
            let access = match known_stores.get(&op.store_id) {
                Some(known) => *known,
                None => {
                    let access = self.store_access(caller, op.store_id).await?;
                    known_stores.insert(op.store_id, access);
                    access
                }
            };
            if refusal.is_none() && !access.exists {
                refusal =
                    Some(ApiError::new(ErrorCode::NotFound, "no such store").with_field(&format!("ops[{i}].store_id")));
            }
            if refusal.is_none() {
                match self.op_scope(caller, access, op.store_id, op.device_at, now).await? {
                    Scope::Now => {}
                    Scope::BeforeMove => flags.push(OpFlag::MadeBeforeMove),
                    Scope::Outside => {
                        refusal = Some(ApiError::new(
                            ErrorCode::Forbidden,
                            "this account does not work at that store (and did not when the operation was made)",
                        ))
                    }
                }
            }
            let (customer, prices) = match &op.action {
                StoreAction::Sale { customer_phone, customer_consent, lines, .. } => (
                    customer_phone.as_deref().and_then(|p| normalize::phone(p).ok()).map(|phone| CounterCustomer {
                        display_name: format!("顾客 {}", normalize::phone_tail(&phone)),
                        phone,
                        consent: *customer_consent,
                    }),
                    lines.iter().map(|l| book.skus.get(&l.sku).copied()).collect(),
                ),
                _ => (None, vec![]),
            };
            let coupon = match &op.action {
                StoreAction::Sale { coupon: Some(used), lines, .. } if refusal.is_none() => Some(
                    coupon::check(
                        self.coupons.as_ref(),
                        &self.coupon_key,
                        &book,
                        used,
                        lines,
                        op.store_id,
                        op.device_at,
                    )
                    .await?,
                ),
                _ => None,
            };
            let ctx = OpContext {
                actor: caller.user.id,
                customer,
                discount_limit_percent: limit,
                prices,
                manages_store: access.manages,
                body_hash,
                refusal,
                flags,
                coupon,
                day: local_day(op.device_at),
                now,
            };
            batch.push((op, ctx));
        }
        Ok(StoreOpsResult { outcomes: self.ledger.apply_store_ops(batch).await? })
    }

    /// Records what a device set aside without the server applying it, for the store's manager:
    /// at the store the operation was made at when the caller worked there at the time it was
    /// made, else at their home store. An id already recorded (applied, refused, or another
    /// account's) is left as it is. Only store staff make store operations: anyone else's report
    /// is acknowledged and told to no one.
    pub async fn record_set_aside(&self, caller: &Caller, req: SetAsideReport) -> AppResult<SetAsideAck> {
        if req.ops.len() > MAX_OPS_PER_REQUEST {
            return Err(AppError::field(
                ErrorCode::InvalidStoreOp,
                "ops",
                format!("report at most {MAX_OPS_PER_REQUEST} operations at a time"),
            ));
        }
        let acked = req.ops.iter().map(|o| o.op_id).collect();
        if !matches!(caller.user.role, Role::Promoter | Role::StoreManager | Role::Admin) {
            return Ok(SetAsideAck { acked });
        }
        let home = self.placements.user_stores(caller.user.id).await?.into_iter().next().map(|s| s.id);
        let now = now();
        let mut known_stores: HashMap<Uuid, StoreAccess> = HashMap::new();
        let mut records = Vec::with_capacity(req.ops.len());
        for op in req.ops {
            // When it was made, if the device could read that, else when it was set aside.
            let at = op.made_at.unwrap_or(op.set_aside_at);
            let at = if portal_store_ops::bounds::clock_plausible(at, now) { at } else { now };
            let mut store_id = home;
            if let Some(made_at) = op.store_id.filter(|s| Some(*s) != home) {
                let access = match known_stores.get(&made_at) {
                    Some(known) => *known,
                    None => {
                        let access = self.store_access(caller, made_at).await?;
                        known_stores.insert(made_at, access);
                        access
                    }
                };
                if access.exists && !matches!(self.op_scope(caller, access, made_at, at, now).await?, Scope::Outside) {
                    store_id = Some(made_at);
                }
            }
            // No store of theirs and none they worked at: no manager to tell.
            let Some(store_id) = store_id else { continue };
            let mut error = op.error;
            error.message = bounded_text(&error.message, 300);
            error.field = error.field.map(|f| bounded_text(&f, 100));
            error.retry_after_secs = None;
            records.push(SetAsideRecord {
                outcome: OpOutcome {
                    id: op.op_id,
                    status: OpStatus::Rejected,
                    error: Some(error),
                    flags: vec![OpFlag::SetAsideOnDevice],
                    current_state: None,
                    refund: None,
                },
                store_id,
                user_id: caller.user.id,
                kind: format!("set_aside:{}", bounded_text(&op.kind, 40)),
                day: local_day(at),
                device_at: at,
                now,
            });
        }
        self.ledger.record_set_aside(records).await?;
        Ok(SetAsideAck { acked })
    }

    pub async fn stock_report(&self, caller: &Caller, store_id: Uuid) -> AppResult<StockReport> {
        self.org.check_store_scope(caller, store_id).await?;
        Ok(self.ledger.stock(store_id).await?)
    }

    pub async fn day_report(&self, caller: &Caller, store_id: Uuid, day: Option<String>) -> AppResult<DayReport> {
        self.org.check_store_scope(caller, store_id).await?;
        let day = day.unwrap_or_else(|| local_day(now()));
        let midnight_utc = crate::catalog::csv_format::parse_date(&day).filter(|_| day.len() == 10);
        let Some(midnight_utc) = midnight_utc else {
            return Err(AppError::field(ErrorCode::InvalidStoreOp, "day", "day must be YYYY-MM-DD"));
        };
        Ok(self.ledger.day_report(store_id, day, midnight_utc - LOCAL_OFFSET_SECS).await?)
    }

    pub async fn samples(&self, caller: &Caller, store_id: Uuid) -> AppResult<SampleList> {
        self.org.check_store_scope(caller, store_id).await?;
        Ok(self.ledger.samples(store_id).await?)
    }

    pub async fn transfers(&self, caller: &Caller, store_id: Uuid) -> AppResult<TransferList> {
        self.org.check_store_scope(caller, store_id).await?;
        Ok(self.ledger.transfers(store_id).await?)
    }

    /// What was flagged at a store after a cursor, for its manager's device (managers and admins).
    pub async fn store_flags(&self, caller: &Caller, store_id: Uuid, after: Option<&str>) -> AppResult<StoreFlagList> {
        caller.require(&[Role::StoreManager, Role::Admin])?;
        self.org.check_store_scope(caller, store_id).await?;
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
        Ok(self.ledger.flags_after(store_id, after, FLAGS_PER_PAGE).await?)
    }

    /// A receipt of the store found by its number, for a return at any of its devices.
    pub async fn sales_by_receipt(
        &self,
        caller: &Caller,
        store_id: Uuid,
        receipt_no: &str,
    ) -> AppResult<StoreSaleList> {
        self.org.check_store_scope(caller, store_id).await?;
        let receipt_no = receipt_no.trim();
        if receipt_no.is_empty() || receipt_no.chars().count() > 64 {
            return Err(AppError::field(ErrorCode::InvalidStoreOp, "receipt_no", "give a receipt number"));
        }
        Ok(self.ledger.sales_by_receipt(store_id, receipt_no.to_owned()).await?)
    }

    /// The caller's own purchases at every store.
    pub async fn purchases(&self, caller: &Caller) -> AppResult<PurchaseList> {
        Ok(self.ledger.purchases(caller.user.id).await?)
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
