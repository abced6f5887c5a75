//! Distribution's routes: dealers' desks, quotes and orders, credit lines, the order center's
//! steps and shipments, and the shipments a store expects.
use std::sync::Arc;

use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use portal_api::{
    endpoints::{self, Endpoint},
    *,
};
use uuid::Uuid;

use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::{auth::Caller, distribution::DistributionService, error::AppResult, portal::Portal};

impl axum::extract::FromRef<Arc<Portal>> for DistributionService {
    fn from_ref(portal: &Arc<Portal>) -> Self {
        portal.distribution.clone()
    }
}

#[utoipa::path(get, path = endpoints::DealerDeskOf::PATH, tag = "distribution", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "dealer id")),
    responses((status = 200, body = DealerDesk), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn desk(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<ApiJson<DealerDesk>> {
    service.desk(&caller, id).await.map(ApiJson)
}

/// Prices lines for the dealer today, each bad line reported (nothing is ordered).
#[utoipa::path(post, path = endpoints::QuoteOrder::PATH, tag = "distribution", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "dealer id")), request_body = QuoteRequest,
    responses((status = 200, body = Quote), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 422, body = ApiError)))]
pub async fn quote(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<QuoteRequest>,
) -> AppResult<ApiJson<Quote>> {
    service.quote(&caller, id, req).await.map(ApiJson)
}

#[utoipa::path(get, path = endpoints::DealerOrders::PATH, tag = "distribution", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "dealer id"), OrderListQuery),
    responses((status = 200, body = OrderList), (status = 400, body = ApiError), (status = 403, body = ApiError)))]
pub async fn dealer_orders(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<OrderListQuery>,
) -> AppResult<ApiJson<OrderList>> {
    service.dealer_orders(&caller, id, query).await.map(ApiJson)
}

#[utoipa::path(get, path = endpoints::CreditOf::PATH, tag = "distribution", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "dealer id")),
    responses((status = 200, body = CreditLine), (status = 403, body = ApiError)))]
pub async fn credit(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<ApiJson<CreditLine>> {
    service.credit(&caller, id).await.map(ApiJson)
}

/// Sets a dealer's credit line: their business manager within their authority, the order center any.
#[utoipa::path(put, path = endpoints::SetCredit::PATH, tag = "distribution", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "dealer id")), request_body = SetCreditLimit,
    responses((status = 200, body = CreditLine), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 422, body = ApiError)))]
pub async fn set_credit(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<SetCreditLimit>,
) -> AppResult<ApiJson<CreditLine>> {
    service.set_credit(&caller, id, req).await.map(ApiJson)
}

/// A dealer's statement for a span of days: JSON, or CSV with `format=csv`.
#[utoipa::path(get, path = endpoints::DealerStatement::PATH, tag = "distribution", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "dealer id"), StatementQuery),
    responses((status = 200, body = Statement, description = "JSON, or text/csv"), (status = 400, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn statement(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<StatementQuery>,
) -> AppResult<Response> {
    let statement = service.statement(&caller, id, &query).await?;
    if query.format.as_deref() == Some("csv") {
        let csv = portal_distribution::statement::csv(&statement, crate::distribution::local_time);
        let name = format!(
            "attachment; filename=\"statement-{}-{}-{}.csv\"",
            statement.dealer.code, statement.from, statement.to
        );
        return Ok((
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, name)],
            csv,
        )
            .into_response());
    }
    Ok(ApiJson(statement).into_response())
}

/// Books a dealer's payment against their receivables, once per reference: by bank transfer (the
/// order center), or from the dealer's prepayment or rebate balance (the dealer or the order center).
#[utoipa::path(post, path = endpoints::RecordDealerPayment::PATH, tag = "distribution", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "dealer id")), request_body = RecordPayment,
    responses((status = 200, body = CreditLine), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError)))]
pub async fn record_payment(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<RecordPayment>,
) -> AppResult<ApiJson<CreditLine>> {
    service.record_payment(&caller, id, req).await.map(ApiJson)
}

#[utoipa::path(get, path = endpoints::DealerLinksOf::PATH, tag = "distribution", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "dealer id")),
    responses((status = 200, body = DealerLinks), (status = 403, body = ApiError)))]
pub async fn links(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<ApiJson<DealerLinks>> {
    service.links(&caller, id).await.map(ApiJson)
}

#[utoipa::path(put, path = endpoints::SetDealerLinks::PATH, tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "dealer id")), request_body = DealerLinks,
    responses((status = 200, body = DealerLinks), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn set_links(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<DealerLinks>,
) -> AppResult<ApiJson<DealerLinks>> {
    service.set_links(&caller, id, req).await.map(ApiJson)
}

/// Price-list entries, kept whole or refused whole (an overlap names the entry it meets).
#[utoipa::path(post, path = endpoints::PutPriceEntries::PATH, tag = "distribution", security(("bearer" = [])),
    request_body = PriceListUpload,
    responses((status = 200, body = PriceListResult), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 422, body = ApiError)))]
pub async fn put_prices(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiJson(req): ApiJson<PriceListUpload>,
) -> AppResult<ApiJson<PriceListResult>> {
    service.put_prices(&caller, req).await.map(ApiJson)
}

#[utoipa::path(get, path = endpoints::PriceListOf::PATH, tag = "distribution", security(("bearer" = [])),
    params(PriceListQuery),
    responses((status = 200, body = PriceListPage), (status = 400, body = ApiError), (status = 403, body = ApiError)))]
pub async fn price_list(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiQuery(query): ApiQuery<PriceListQuery>,
) -> AppResult<ApiJson<PriceListPage>> {
    service.price_list(&caller, query).await.map(ApiJson)
}

#[utoipa::path(put, path = endpoints::PutOrderRule::PATH, tag = "admin", security(("bearer" = [])),
    params(("sku" = String, Path, description = "SKU")), request_body = OrderRule,
    responses((status = 200, body = OrderRule), (status = 403, body = ApiError), (status = 400, body = ApiError)))]
pub async fn put_order_rule(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiPath(sku): ApiPath<String>,
    ApiJson(rule): ApiJson<OrderRule>,
) -> AppResult<ApiJson<OrderRule>> {
    service.put_order_rule(&caller, &sku, rule).await.map(ApiJson)
}

/// Places a dealer's order (the app's id: a retry lands once), priced and credit-checked by the server.
#[utoipa::path(post, path = endpoints::PlaceDealerOrder::PATH, tag = "distribution", security(("bearer" = [])),
    request_body = PlaceOrder,
    responses((status = 200, body = Order), (status = 403, body = ApiError), (status = 409, body = ApiError),
        (status = 422, body = ApiError)))]
pub async fn place(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiJson(req): ApiJson<PlaceOrder>,
) -> AppResult<ApiJson<Order>> {
    service.place(&caller, req).await.map(ApiJson)
}

#[utoipa::path(get, path = endpoints::OrderQueue::PATH, tag = "distribution", security(("bearer" = [])),
    params(OrderListQuery),
    responses((status = 200, body = OrderList), (status = 400, body = ApiError), (status = 403, body = ApiError)))]
pub async fn queue(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiQuery(query): ApiQuery<OrderListQuery>,
) -> AppResult<ApiJson<OrderList>> {
    service.queue(&caller, query).await.map(ApiJson)
}

#[utoipa::path(get, path = endpoints::OrderOf::PATH, tag = "distribution", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "order id")),
    responses((status = 200, body = Order), (status = 404, body = ApiError)))]
pub async fn order(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<ApiJson<Order>> {
    service.order(&caller, id).await.map(ApiJson)
}

#[utoipa::path(post, path = endpoints::StepOrder::PATH, tag = "distribution", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "order id")), request_body = TakeOrderStep,
    responses((status = 200, body = Order), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn step(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<TakeOrderStep>,
) -> AppResult<ApiJson<Order>> {
    service.step(&caller, id, req).await.map(ApiJson)
}

#[utoipa::path(post, path = endpoints::ShipOrderNow::PATH, tag = "distribution", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "order id")), request_body = ShipOrder,
    responses((status = 200, body = Order), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn ship(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<ShipOrder>,
) -> AppResult<ApiJson<Order>> {
    service.ship(&caller, id, req).await.map(ApiJson)
}

#[utoipa::path(get, path = endpoints::ExpectedShipments::PATH, tag = "store", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "store id")),
    responses((status = 200, body = ShipmentList), (status = 403, body = ApiError)))]
pub async fn expected(
    State(service): State<DistributionService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<ApiJson<ShipmentList>> {
    service.expected(&caller, id).await.map(ApiJson)
}

#[utoipa::path(get, path = endpoints::BusinessDeskOf::PATH, tag = "distribution", security(("bearer" = [])),
    responses((status = 200, body = BusinessDesk), (status = 403, body = ApiError)))]
pub async fn business_desk(
    State(service): State<DistributionService>,
    caller: Caller,
) -> AppResult<ApiJson<BusinessDesk>> {
    service.business_desk(&caller).await.map(ApiJson)
}
