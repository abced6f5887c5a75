//! A dealer's prepayment (预存款) and rebate (返利) balances: read by whoever stands for the dealer,
//! prepayments booked by the order center.
use axum::extract::State;
use portal_api::{
    endpoints::{self, Endpoint},
    *,
};
use uuid::Uuid;

use super::extract::{ApiJson, ApiPath};
use crate::{auth::Caller, distribution::DistributionService, error::AppResult};

#[utoipa::path(get, path = endpoints::DealerFundsOf::PATH, tag = "distribution", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "dealer id")),
    responses((status = 200, body = DealerFunds), (status = 403, body = ApiError)))]
pub async fn funds(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<ApiJson<DealerFunds>> {
    service.funds(&caller, id).await.map(ApiJson)
}

/// Books a prepayment paid in, once per reference (the order center).
#[utoipa::path(post, path = endpoints::RecordPrepayment::PATH, tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "dealer id")), request_body = Prepayment,
    responses((status = 200, body = DealerFunds), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError)))]
pub async fn prepayment(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<Prepayment>,
) -> AppResult<ApiJson<DealerFunds>> {
    service.record_prepayment(&caller, id, req).await.map(ApiJson)
}
