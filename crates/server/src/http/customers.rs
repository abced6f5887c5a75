//! /v1/marketing/tags (operators' customer tags) and /v1/customers (the unified customer view,
//! and the counter's consent code).
use std::sync::Arc;

use axum::{extract::State, http::StatusCode};
use portal_api::{
    endpoints::{self, Endpoint},
    *,
};
use uuid::Uuid;

use super::extract::{ApiJson, ApiPath, ApiQuery, ClientIp};
use crate::{
    auth::Caller,
    error::AppResult,
    marketing::{customer_view::CustomerViewService, MarketingService},
    portal::Portal,
};

#[utoipa::path(get, path = endpoints::ListCustomerTags::PATH, tag = "marketing", security(("bearer" = [])),
    responses((status = 200, body = CustomerTagList), (status = 403, body = ApiError)))]
pub async fn tags(State(marketing): State<MarketingService>, caller: Caller) -> AppResult<ApiJson<CustomerTagList>> {
    marketing.customer_tags(&caller).await.map(ApiJson)
}

/// Saves a tag whose rule parses (a rule that does not gets `invalid_tag_rule`, saying where and
/// why, and nothing is saved) and works out its members.
#[utoipa::path(post, path = endpoints::CreateCustomerTag::PATH, tag = "marketing", security(("bearer" = [])),
    request_body = NewCustomerTag,
    responses((status = 200, body = CustomerTag), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 409, body = ApiError, description = "a tag has this name"),
        (status = 422, body = ApiError, description = "the rule does not parse")))]
pub async fn create_tag(
    State(marketing): State<MarketingService>,
    caller: Caller,
    ApiJson(req): ApiJson<NewCustomerTag>,
) -> AppResult<ApiJson<CustomerTag>> {
    marketing.create_customer_tag(&caller, req).await.map(ApiJson)
}

#[utoipa::path(delete, path = endpoints::DeleteCustomerTag::PATH, tag = "marketing", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "tag id")),
    responses((status = 204), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn delete_tag(
    State(marketing): State<MarketingService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<StatusCode> {
    marketing.delete_customer_tag(&caller, id).await.map(|_| StatusCode::NO_CONTENT)
}

/// Brings the tags up to date now (the server also does, every minute).
#[utoipa::path(post, path = endpoints::RecomputeCustomerTags::PATH, tag = "marketing", security(("bearer" = [])),
    params(RecomputeQuery),
    responses((status = 200, body = CustomerTagList), (status = 403, body = ApiError)))]
pub async fn recompute_tags(
    State(marketing): State<MarketingService>,
    caller: Caller,
    ApiQuery(q): ApiQuery<RecomputeQuery>,
) -> AppResult<ApiJson<CustomerTagList>> {
    marketing.recompute_customer_tags(&caller, q.full.unwrap_or(false)).await.map(ApiJson)
}

/// Operators find a customer by phone (in the body: a phone is not left in access logs).
#[utoipa::path(post, path = endpoints::FindCustomer::PATH, tag = "customers", security(("bearer" = [])),
    request_body = CustomerPhone,
    responses((status = 200, body = CustomerView), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 422, body = ApiError)))]
pub async fn find(
    State(customers): State<CustomerViewService>,
    caller: Caller,
    ApiJson(req): ApiJson<CustomerPhone>,
) -> AppResult<ApiJson<CustomerView>> {
    customers.find_customer(&caller, &req.phone).await.map(ApiJson)
}

/// A customer's view: operators anyone's, a consumer their own, a promoter the customer who gave
/// them the code.
#[utoipa::path(get, path = endpoints::CustomerViewOf::PATH, tag = "customers", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the customer's account id")),
    responses((status = 200, body = CustomerView), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn view(
    State(customers): State<CustomerViewService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<ApiJson<CustomerView>> {
    customers.customer_view(&caller, id).await.map(ApiJson)
}

/// The caller's own customer view (customers have one; staff accounts do not).
#[utoipa::path(get, path = endpoints::OwnCustomerView::PATH, tag = "me", security(("bearer" = [])),
    responses((status = 200, body = CustomerView), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError)))]
pub async fn own_view(
    State(customers): State<CustomerViewService>,
    caller: Caller,
) -> AppResult<ApiJson<CustomerView>> {
    caller.require(&[portal_api::Role::Consumer])?;
    let id = caller.user.id;
    customers.customer_view(&caller, id).await.map(ApiJson)
}

/// The promoter serving a customer asks for a code; it is sent to the customer's phone.
#[utoipa::path(post, path = endpoints::CounterCode::PATH, tag = "customers", security(("bearer" = [])),
    request_body = CustomerPhone,
    responses((status = 200, body = SendCodeResponse), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 422, body = ApiError), (status = 429, body = ApiError)))]
pub async fn counter_code(
    State(customers): State<CustomerViewService>,
    caller: Caller,
    ClientIp(address): ClientIp,
    ApiJson(req): ApiJson<CustomerPhone>,
) -> AppResult<ApiJson<SendCodeResponse>> {
    customers.send_counter_code(&caller, req, &address).await.map(ApiJson)
}

/// The code the customer read out: the promoter sees their view for 30 minutes.
#[utoipa::path(post, path = endpoints::CounterConsentGiven::PATH, tag = "customers", security(("bearer" = [])),
    request_body = CounterConsent,
    responses((status = 200, body = CustomerView), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 422, body = ApiError), (status = 429, body = ApiError)))]
pub async fn counter_consent(
    State(customers): State<CustomerViewService>,
    caller: Caller,
    ApiJson(req): ApiJson<CounterConsent>,
) -> AppResult<ApiJson<CustomerView>> {
    customers.counter_consent(&caller, req).await.map(ApiJson)
}

/// Customer-view handlers take the customer view from the server's state.
impl axum::extract::FromRef<Arc<Portal>> for CustomerViewService {
    fn from_ref(portal: &Arc<Portal>) -> Self {
        portal.customers.clone()
    }
}
