//! Rebates' routes: rules (the order center sets them), a dealer's standing and settled rebates,
//! and the settlement of a period.
use axum::extract::State;
use portal_api::{
    endpoints::{self, Endpoint},
    *,
};
use uuid::Uuid;

use super::extract::{ApiJson, ApiPath};
use crate::{auth::Caller, distribution::DistributionService, error::AppResult};

/// What a dealer's stores hold and sold over the last weeks, by weeks of cover (分销管理).
#[utoipa::path(get, path = endpoints::DealerSupply::PATH, tag = "distribution", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "dealer id")),
    responses((status = 200, body = SupplyReport), (status = 403, body = ApiError)))]
pub async fn supply(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<ApiJson<SupplyReport>> {
    service.supply(&caller, id).await.map(ApiJson)
}

/// What a dealer stands to earn in each rule's current period and why, and what was settled.
#[utoipa::path(get, path = endpoints::DealerRebatesOf::PATH, tag = "distribution", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "dealer id")),
    responses((status = 200, body = DealerRebates), (status = 403, body = ApiError)))]
pub async fn dealer_rebates(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<ApiJson<DealerRebates>> {
    service.dealer_rebates(&caller, id).await.map(ApiJson)
}

#[utoipa::path(get, path = endpoints::ListRebateRules::PATH, tag = "distribution", security(("bearer" = [])),
    responses((status = 200, body = RebateRuleList), (status = 403, body = ApiError)))]
pub async fn rules(State(service): State<DistributionService>, caller: Caller) -> AppResult<ApiJson<RebateRuleList>> {
    service.rebate_rules(&caller).await.map(ApiJson)
}

#[utoipa::path(post, path = endpoints::CreateRebateRule::PATH, tag = "admin", security(("bearer" = [])),
    request_body = NewRebateRule,
    responses((status = 200, body = RebateRuleView), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn create_rule(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiJson(req): ApiJson<NewRebateRule>,
) -> AppResult<ApiJson<RebateRuleView>> {
    service.create_rebate_rule(&caller, req).await.map(ApiJson)
}

/// Settles a period that has ended for every dealer; settling it again books nothing twice.
#[utoipa::path(post, path = endpoints::SettleRebatesNow::PATH, tag = "admin", security(("bearer" = [])),
    request_body = SettleRebates,
    responses((status = 200, body = SettleReport), (status = 403, body = ApiError), (status = 400, body = ApiError)))]
pub async fn settle(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiJson(req): ApiJson<SettleRebates>,
) -> AppResult<ApiJson<SettleReport>> {
    service.settle_rebates(&caller, req).await.map(ApiJson)
}
