//! /v1/events and /v1/me/tracking, /v1/me/events: behaviour events in, and a person's own view
//! of what was recorded about them.
use std::sync::Arc;

use axum::extract::State;
use portal_api::{
    endpoints::{self, Endpoint},
    *,
};
use uuid::Uuid;

use super::extract::{ApiJson, ApiPath, ApiQuery, ClientIp};
use crate::auth::MaybeCaller;
use crate::{
    auth::Caller,
    error::{AppError, AppResult},
    marketing::MarketingService,
    portal::Portal,
};

/// Behaviour events from one installation, anonymous or signed in. Every id is answered:
/// acknowledged (kept now or before) or refused for good; 429 keeps the whole batch for later.
#[utoipa::path(post, path = endpoints::IngestEvents::PATH, tag = "marketing", request_body = EventBatch,
    responses((status = 200, body = EventReceipt), (status = 401, body = ApiError), (status = 422, body = ApiError),
        (status = 429, body = ApiError, description = "this installation sent too many events this minute")))]
pub async fn ingest(
    State(marketing): State<MarketingService>,
    MaybeCaller(caller): MaybeCaller,
    ClientIp(address): ClientIp,
    ApiJson(batch): ApiJson<EventBatch>,
) -> AppResult<ApiJson<EventReceipt>> {
    marketing.ingest_events(caller.as_ref(), &address, batch).await.map(ApiJson)
}

#[utoipa::path(get, path = endpoints::GetTracking::PATH, tag = "me", security(("bearer" = [])),
    responses((status = 200, body = TrackingConsent), (status = 401, body = ApiError)))]
pub async fn get_consent(
    State(marketing): State<MarketingService>,
    caller: Caller,
) -> AppResult<ApiJson<TrackingConsent>> {
    marketing.tracking_consent(&caller).await.map(ApiJson)
}

/// Whether the brand may record the caller's behaviour beyond what the service needs.
#[utoipa::path(put, path = endpoints::SetTracking::PATH, tag = "me", security(("bearer" = [])), request_body = SetTrackingConsent,
    responses((status = 200, body = TrackingConsent), (status = 401, body = ApiError), (status = 422, body = ApiError)))]
pub async fn set_consent(
    State(marketing): State<MarketingService>,
    caller: Caller,
    ApiJson(req): ApiJson<SetTrackingConsent>,
) -> AppResult<ApiJson<TrackingConsent>> {
    marketing.set_tracking_consent(&caller, req).await.map(ApiJson)
}

/// The caller's own behaviour history, newest first.
#[utoipa::path(get, path = endpoints::EventHistoryPage::PATH, tag = "me", security(("bearer" = [])), params(HistoryQuery),
    responses((status = 200, body = EventHistory), (status = 400, body = ApiError), (status = 401, body = ApiError)))]
pub async fn history(
    State(marketing): State<MarketingService>,
    caller: Caller,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> AppResult<ApiJson<EventHistory>> {
    let before = match (q.before_at, q.before_id) {
        (Some(at), Some(id)) => Some((at, id)),
        (None, None) => None,
        _ => {
            return Err(AppError::field(
                ErrorCode::InvalidParameter,
                "before_at",
                "Give both before_at and before_id, or neither.",
            ))
        }
    };
    marketing.event_history(&caller, before, q.limit).await.map(ApiJson)
}

/// Deletes the caller's whole behaviour history.
#[utoipa::path(delete, path = endpoints::DeleteEvents::PATH, tag = "me", security(("bearer" = [])),
    responses((status = 200, body = EventsDeleted), (status = 401, body = ApiError)))]
pub async fn delete_history(
    State(marketing): State<MarketingService>,
    caller: Caller,
) -> AppResult<ApiJson<EventsDeleted>> {
    marketing.delete_events(&caller).await.map(ApiJson)
}

/// Products chosen for the caller (or an anonymous visitor) at a placement. The list's id goes
/// with every impression, click and purchase it leads to.
#[utoipa::path(get, path = endpoints::Recommendations::PATH, tag = "marketing", params(RecommendationQuery),
    responses((status = 200, body = RecommendationList), (status = 400, body = ApiError), (status = 401, body = ApiError)))]
pub async fn recommendations(
    State(marketing): State<MarketingService>,
    MaybeCaller(caller): MaybeCaller,
    ApiQuery(q): ApiQuery<RecommendationQuery>,
) -> AppResult<ApiJson<RecommendationList>> {
    if q.placement == Placement::Checkout {
        return Err(AppError::field(
            ErrorCode::InvalidParameter,
            "placement",
            "A counter offer is asked for with the cart: POST /v1/stores/{id}/checkout-offer.",
        ));
    }
    if q.placement == Placement::Inbox {
        return Err(AppError::field(
            ErrorCode::InvalidParameter,
            "placement",
            "An inbox's products come with its messages: GET /v1/me/inbox.",
        ));
    }
    if q.placement == Placement::Product && q.model.as_deref().is_none_or(|m| m.trim().is_empty() || m.len() > 64) {
        return Err(AppError::field(ErrorCode::InvalidParameter, "model", "A product's page names its model."));
    }
    marketing
        .recommendations(caller.as_ref(), q.placement, q.model.as_deref(), q.limit.unwrap_or(12))
        .await
        .map(ApiJson)
}

/// The bundle offer for a cart at a store's counter: up to three add-ons the store has on hand
/// (what people bought and viewed with the cart's products, then popular accessories). What the
/// customer was shown and took goes with the sale (`offer` of a `sale` operation).
#[utoipa::path(post, path = endpoints::CheckoutOfferFor::PATH, tag = "marketing", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "store id")), request_body = CheckoutOfferRequest,
    responses((status = 200, body = CheckoutOffer), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 422, body = ApiError)))]
pub async fn checkout_offer(
    State(marketing): State<MarketingService>,
    caller: Caller,
    ApiPath(store): ApiPath<Uuid>,
    ApiJson(req): ApiJson<CheckoutOfferRequest>,
) -> AppResult<ApiJson<CheckoutOffer>> {
    marketing.checkout_offer(&caller, store, req).await.map(ApiJson)
}

/// The trail from recommendation to purchase, per placement, algorithm and arm (operators, admins).
#[utoipa::path(get, path = endpoints::RecommendationReportFor::PATH, tag = "marketing", security(("bearer" = [])),
    params(ReportQuery),
    responses((status = 200, body = RecommendationReport), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn report(
    State(marketing): State<MarketingService>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> AppResult<ApiJson<RecommendationReport>> {
    marketing
        .recommendation_report(&caller, q.days.unwrap_or(30).clamp(1, portal_marketing::trail::REPORT_DAYS_MAX))
        .await
        .map(ApiJson)
}

/// Starts an A/B experiment at a placement (one at a time per placement).
#[utoipa::path(post, path = endpoints::StartExperiment::PATH, tag = "marketing", security(("bearer" = [])),
    request_body = NewExperiment,
    responses((status = 200, body = Experiment), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 409, body = ApiError, description = "an experiment already runs at this placement")))]
pub async fn start_experiment(
    State(marketing): State<MarketingService>,
    caller: Caller,
    ApiJson(req): ApiJson<NewExperiment>,
) -> AppResult<ApiJson<Experiment>> {
    marketing.start_experiment(&caller, req).await.map(ApiJson)
}

#[utoipa::path(get, path = endpoints::ListExperiments::PATH, tag = "marketing", security(("bearer" = [])),
    responses((status = 200, body = ExperimentList), (status = 403, body = ApiError)))]
pub async fn experiments(
    State(marketing): State<MarketingService>,
    caller: Caller,
) -> AppResult<ApiJson<ExperimentList>> {
    marketing.experiments(&caller).await.map(ApiJson)
}

/// Stops a running experiment; the winner's recommender becomes the placement's default.
#[utoipa::path(post, path = endpoints::StopExperimentNow::PATH, tag = "marketing", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "experiment id")), request_body = StopExperiment,
    responses((status = 200, body = Experiment), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError)))]
pub async fn stop_experiment(
    State(marketing): State<MarketingService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<StopExperiment>,
) -> AppResult<ApiJson<Experiment>> {
    marketing.stop_experiment(&caller, id, req).await.map(ApiJson)
}

/// Marketing handlers take marketing from the server's state.
impl axum::extract::FromRef<Arc<Portal>> for MarketingService {
    fn from_ref(portal: &Arc<Portal>) -> Self {
        portal.marketing.clone()
    }
}
