//! Allocation's routes: what waits for a scarce SKU and a run that shares it (the order center's),
//! and dealers' demand plans (their business managers').
use axum::extract::State;
use portal_api::{
    endpoints::{self, Endpoint},
    *,
};
use uuid::Uuid;

use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::{auth::Caller, distribution::DistributionService, error::AppResult};

#[utoipa::path(get, path = endpoints::AllocationDemandOf::PATH, tag = "admin", security(("bearer" = [])),
    params(AllocationDemandQuery),
    responses((status = 200, body = AllocationDemand), (status = 400, body = ApiError), (status = 403, body = ApiError)))]
pub async fn demand(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiQuery(query): ApiQuery<AllocationDemandQuery>,
) -> AppResult<ApiJson<AllocationDemand>> {
    service.allocation_demand(&caller, query.sku).await.map(ApiJson)
}

/// Shares the units among the orders waiting for the SKU, by rule, in one transaction; a retry
/// of the same id and body answers the run as made.
#[utoipa::path(post, path = endpoints::RunAllocation::PATH, tag = "admin", security(("bearer" = [])),
    request_body = AllocationRequest,
    responses((status = 200, body = AllocationReport), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 409, body = ApiError)))]
pub async fn run(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiJson(req): ApiJson<AllocationRequest>,
) -> AppResult<ApiJson<AllocationReport>> {
    service.allocate(&caller, req).await.map(ApiJson)
}

#[utoipa::path(get, path = endpoints::DemandPlanOf::PATH, tag = "distribution", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "dealer id")),
    responses((status = 200, body = DemandPlan), (status = 403, body = ApiError)))]
pub async fn plan(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<ApiJson<DemandPlan>> {
    service.demand_plan(&caller, id).await.map(ApiJson)
}

#[utoipa::path(put, path = endpoints::SetDemandPlan::PATH, tag = "distribution", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "dealer id")),
    request_body = DemandPlanUpdate,
    responses((status = 200, body = DemandPlan), (status = 400, body = ApiError), (status = 403, body = ApiError)))]
pub async fn set_plan(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<DemandPlanUpdate>,
) -> AppResult<ApiJson<DemandPlan>> {
    service.set_demand_plan(&caller, id, req).await.map(ApiJson)
}

/// A dealer's orders, sell-through and rebates per month with their trend, credit and stock.
#[utoipa::path(get, path = endpoints::DealerTrendsOf::PATH, tag = "distribution", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "dealer id")),
    responses((status = 200, body = DealerTrends), (status = 403, body = ApiError)))]
pub async fn trends(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<ApiJson<DealerTrends>> {
    service.trends(&caller, id).await.map(ApiJson)
}
