//! Requests beyond a business manager's authority, and the order center's decisions on them.
use axum::extract::State;
use portal_api::{
    endpoints::{self, Endpoint},
    *,
};
use uuid::Uuid;

use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::{auth::Caller, distribution::DistributionService, error::AppResult};

/// A business manager asks the order center for a credit line above their authority or for
/// prices below the brand's floor; a retry of the same id and body answers the same request.
#[utoipa::path(post, path = endpoints::AskApproval::PATH, tag = "distribution", security(("bearer" = [])),
    request_body = ApprovalAsk,
    responses((status = 200, body = Approval), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn ask(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiJson(ask): ApiJson<ApprovalAsk>,
) -> AppResult<ApiJson<Approval>> {
    service.ask_approval(&caller, ask).await.map(ApiJson)
}

#[utoipa::path(get, path = endpoints::Approvals::PATH, tag = "distribution", security(("bearer" = [])),
    params(ApprovalQuery),
    responses((status = 200, body = ApprovalList), (status = 400, body = ApiError), (status = 403, body = ApiError)))]
pub async fn list(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ApprovalQuery>,
) -> AppResult<ApiJson<ApprovalList>> {
    service.approvals(&caller, query).await.map(ApiJson)
}

/// The order center approves (the change is made as theirs) or rejects, with a reason; decided once.
#[utoipa::path(post, path = endpoints::DecideApproval::PATH, tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "request id")), request_body = ApprovalDecision,
    responses((status = 200, body = Approval), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn decide(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(decision): ApiJson<ApprovalDecision>,
) -> AppResult<ApiJson<Approval>> {
    service.decide_approval(&caller, id, decision).await.map(ApiJson)
}
