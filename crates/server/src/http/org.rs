//! Role homes: a promoter's store, a distributor's dealer, the operator's audience, the admin's users.
use std::sync::Arc;

use axum::extract::State;
use portal_api::{
    endpoints::{self, Endpoint},
    *,
};
use uuid::Uuid;

use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::{auth::Caller, error::AppResult, identity::IdentityService, org::OrgService, portal::Portal};

#[utoipa::path(get, path = endpoints::StoreOverviewOf::PATH, tag = "store", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "store id")),
    responses((status = 200, body = StoreOverview), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn store_overview(
    State(org): State<OrgService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<ApiJson<StoreOverview>> {
    org.store_overview(&caller, id).await.map(ApiJson)
}

/// A store's promoters and managers with their discount limits (its managers and administrators).
#[utoipa::path(get, path = endpoints::StoreStaff::PATH, tag = "store", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "store id")),
    responses((status = 200, body = StaffList), (status = 403, body = ApiError)))]
pub async fn store_staff(
    State(org): State<OrgService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<ApiJson<StaffList>> {
    org.store_staff(&caller, id).await.map(ApiJson)
}

/// Sets a promoter's discount limit (a store manager up to their own limit; none restores the default).
#[utoipa::path(put, path = endpoints::SetStaffDiscountLimit::PATH, tag = "store", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "store id"), ("user_id" = Uuid, Path, description = "the promoter")),
    request_body = SetDiscountLimit,
    responses((status = 200, body = StaffMember), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 422, body = ApiError)))]
pub async fn set_discount_limit(
    State(org): State<OrgService>,
    caller: Caller,
    ApiPath((id, user_id)): ApiPath<(Uuid, Uuid)>,
    ApiJson(req): ApiJson<SetDiscountLimit>,
) -> AppResult<ApiJson<StaffMember>> {
    org.set_discount_limit(&caller, id, user_id, req).await.map(ApiJson)
}

#[utoipa::path(get, path = endpoints::DealerOverviewOf::PATH, tag = "dealer", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "dealer id")),
    responses((status = 200, body = DealerOverview), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn dealer_overview(
    State(org): State<OrgService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<ApiJson<DealerOverview>> {
    org.dealer_overview(&caller, id).await.map(ApiJson)
}

#[utoipa::path(get, path = endpoints::Audience::PATH, tag = "marketing", security(("bearer" = [])),
    responses((status = 200, body = AudienceOverview), (status = 403, body = ApiError)))]
pub async fn audience(State(org): State<OrgService>, caller: Caller) -> AppResult<ApiJson<AudienceOverview>> {
    org.audience(&caller).await.map(ApiJson)
}

#[utoipa::path(get, path = endpoints::ListUsers::PATH, tag = "admin", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = UserList), (status = 403, body = ApiError)))]
pub async fn list_users(
    State(org): State<OrgService>,
    caller: Caller,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> AppResult<ApiJson<UserList>> {
    org.list_users(&caller, page.limit, page.offset).await.map(ApiJson)
}

#[utoipa::path(put, path = endpoints::SetRole::PATH, tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "user id")), request_body = SetRoleRequest,
    responses((status = 200, body = Profile), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn set_role(
    State(org): State<OrgService>,
    State(identity): State<IdentityService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<SetRoleRequest>,
) -> AppResult<ApiJson<Profile>> {
    org.set_role(&caller, id, req).await?;
    identity.profile(id).await.map(ApiJson)
}

/// Organisation handlers take the organisation from the server's state.
impl axum::extract::FromRef<Arc<Portal>> for OrgService {
    fn from_ref(portal: &Arc<Portal>) -> Self {
        portal.org.clone()
    }
}
