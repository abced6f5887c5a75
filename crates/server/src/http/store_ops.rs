//! Store operations: a promoter's device sends its outbox here; stock, day reports, purchases.
use std::sync::Arc;

use axum::extract::State;
use portal_api::{
    endpoints::{self, Endpoint},
    *,
};
use uuid::Uuid;

use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::{auth::Caller, error::AppResult, portal::Portal, store_ops::StoreOpsService};

/// Operations from a device's outbox, applied in order and each exactly once (by its id). Every
/// operation gets an outcome: applied, a duplicate of one applied before, or rejected with a reason.
#[utoipa::path(post, path = endpoints::ApplyStoreOps::PATH, tag = "store", security(("bearer" = [])), request_body = StoreOps,
    responses((status = 200, body = StoreOpsResult), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn store_ops(
    State(store_ops): State<StoreOpsService>,
    caller: Caller,
    ApiJson(req): ApiJson<StoreOps>,
) -> AppResult<ApiJson<StoreOpsResult>> {
    store_ops.apply_store_ops(&caller, req).await.map(ApiJson)
}

/// Operations the device set aside without the server applying them (rows its app could no longer
/// read, or ones refused for good), so that the store's manager hears of them. Each is recorded once
/// at the store it was made at, if the caller worked there, else at the caller's home store; an
/// account with no store has no manager to tell, and its report is acknowledged as read.
#[utoipa::path(post, path = endpoints::ReportSetAside::PATH, tag = "store", security(("bearer" = [])), request_body = SetAsideReport,
    responses((status = 200, body = SetAsideAck), (status = 422, body = ApiError)))]
pub async fn set_aside(
    State(store_ops): State<StoreOpsService>,
    caller: Caller,
    ApiJson(req): ApiJson<SetAsideReport>,
) -> AppResult<ApiJson<SetAsideAck>> {
    store_ops.record_set_aside(&caller, req).await.map(ApiJson)
}

/// On-hand per SKU, each the sum of the store's stock movements.
#[utoipa::path(get, path = endpoints::Stock::PATH, tag = "store", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "store id")),
    responses((status = 200, body = StockReport), (status = 403, body = ApiError)))]
pub async fn stock(
    State(store_ops): State<StoreOpsService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<ApiJson<StockReport>> {
    store_ops.stock_report(&caller, id).await.map(ApiJson)
}

/// The store's display units (samples), each with its state, place and dated history.
#[utoipa::path(get, path = endpoints::Samples::PATH, tag = "store", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "store id")),
    responses((status = 200, body = SampleList), (status = 403, body = ApiError)))]
pub async fn samples(
    State(store_ops): State<StoreOpsService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<ApiJson<SampleList>> {
    store_ops.samples(&caller, id).await.map(ApiJson)
}

/// Transfers in flight to and from the store, and the stores it can send to.
#[utoipa::path(get, path = endpoints::Transfers::PATH, tag = "store", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "store id")),
    responses((status = 200, body = TransferList), (status = 403, body = ApiError)))]
pub async fn transfers(
    State(store_ops): State<StoreOpsService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<ApiJson<TransferList>> {
    store_ops.transfers(&caller, id).await.map(ApiJson)
}

/// What the server flagged at a store after a cursor (stock below zero, a serial sold twice, a
/// cash difference, a missing display unit), oldest first, for the store manager's device.
#[utoipa::path(get, path = endpoints::StoreFlags::PATH, tag = "store", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "store id"), FlagsQuery),
    responses((status = 200, body = StoreFlagList), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn flags(
    State(store_ops): State<StoreOpsService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<FlagsQuery>,
) -> AppResult<ApiJson<StoreFlagList>> {
    store_ops.store_flags(&caller, id, q.after.as_deref()).await.map(ApiJson)
}

/// The store's sales with a receipt number (newest first), as made and with what was returned since,
/// so that any device of the store can take one back.
#[utoipa::path(get, path = endpoints::SalesByReceipt::PATH, tag = "store", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "store id"), ReceiptQuery),
    responses((status = 200, body = StoreSaleList), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn sales(
    State(store_ops): State<StoreOpsService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<ReceiptQuery>,
) -> AppResult<ApiJson<StoreSaleList>> {
    store_ops.sales_by_receipt(&caller, id, q.receipt_no.as_deref().unwrap_or_default()).await.map(ApiJson)
}

/// A store's day: sales, returns, by product and by promoter, cash differences, samples, flags.
#[utoipa::path(get, path = endpoints::StoreDayReport::PATH, tag = "store", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "store id"), DayQuery),
    responses((status = 200, body = DayReport), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn day_report(
    State(store_ops): State<StoreOpsService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<DayQuery>,
) -> AppResult<ApiJson<DayReport>> {
    store_ops.day_report(&caller, id, q.day).await.map(ApiJson)
}

/// The caller's purchases at the brand's stores, linked by their phone at the counter.
#[utoipa::path(get, path = endpoints::OwnPurchases::PATH, tag = "me", security(("bearer" = [])),
    responses((status = 200, body = PurchaseList)))]
pub async fn purchases(State(store_ops): State<StoreOpsService>, caller: Caller) -> AppResult<ApiJson<PurchaseList>> {
    store_ops.purchases(&caller).await.map(ApiJson)
}

impl axum::extract::FromRef<Arc<Portal>> for StoreOpsService {
    fn from_ref(portal: &Arc<Portal>) -> Self {
        portal.store_ops.clone()
    }
}
