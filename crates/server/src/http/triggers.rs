//! Triggered offers: operators' triggers, and each person's inbox.

use axum::extract::State;
use portal_api::{
    endpoints::{self, Endpoint},
    *,
};
use uuid::Uuid;

use super::extract::{ApiJson, ApiPath};
use crate::{auth::Caller, error::AppResult, marketing::MarketingService};

/// The triggers with how many messages each sent (operators and administrators).
#[utoipa::path(get, path = endpoints::ListTriggers::PATH, tag = "marketing", security(("bearer" = [])),
    responses((status = 200, body = TriggerList), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn triggers(State(marketing): State<MarketingService>, caller: Caller) -> AppResult<ApiJson<TriggerList>> {
    marketing.triggers(&caller).await.map(ApiJson)
}

/// A new trigger, active at once: from now on, each of its events sends the customer a message
/// (`{product}` and `{store}` filled in) with products chosen for them, at most once per cooldown.
#[utoipa::path(post, path = endpoints::CreateTrigger::PATH, tag = "marketing", security(("bearer" = [])),
    request_body = NewTrigger,
    responses((status = 200, body = Trigger), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 409, body = ApiError, description = "a trigger has this name"),
        (status = 422, body = ApiError)))]
pub async fn create_trigger(
    State(marketing): State<MarketingService>,
    caller: Caller,
    ApiJson(req): ApiJson<NewTrigger>,
) -> AppResult<ApiJson<Trigger>> {
    marketing.create_trigger(&caller, req).await.map(ApiJson)
}

/// Pauses or resumes a trigger.
#[utoipa::path(put, path = endpoints::SetTriggerActiveNow::PATH, tag = "marketing", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "trigger id")), request_body = SetTriggerActive,
    responses((status = 200, body = TriggerList), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn set_trigger_active(
    State(marketing): State<MarketingService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<SetTriggerActive>,
) -> AppResult<ApiJson<TriggerList>> {
    marketing.set_trigger_active(&caller, id, req).await.map(ApiJson)
}

/// The caller's messages, newest first, and how many are unread.
#[utoipa::path(get, path = endpoints::GetInbox::PATH, tag = "me", security(("bearer" = [])),
    responses((status = 200, body = Inbox), (status = 401, body = ApiError)))]
pub async fn inbox(State(marketing): State<MarketingService>, caller: Caller) -> AppResult<ApiJson<Inbox>> {
    marketing.inbox(&caller).await.map(ApiJson)
}

/// Marks one of the caller's messages read (again is no change).
#[utoipa::path(post, path = endpoints::ReadInbox::PATH, tag = "me", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "message id")),
    responses((status = 200, body = Inbox), (status = 401, body = ApiError), (status = 404, body = ApiError),
        (status = 422, body = ApiError)))]
pub async fn mark_read(
    State(marketing): State<MarketingService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<ApiJson<Inbox>> {
    marketing.mark_inbox_read(&caller, id).await.map(ApiJson)
}

/// Applies the caller's changes to their messages (read, delete), as made on a device (offline
/// too, sent later): sending them again changes nothing; another person's message or one gone is
/// passed over.
#[utoipa::path(post, path = endpoints::ChangeInbox::PATH, tag = "me", security(("bearer" = [])),
    request_body = InboxChanges,
    responses((status = 200, body = Inbox), (status = 401, body = ApiError), (status = 422, body = ApiError)))]
pub async fn change_inbox(
    State(marketing): State<MarketingService>,
    caller: Caller,
    ApiJson(changes): ApiJson<InboxChanges>,
) -> AppResult<ApiJson<Inbox>> {
    marketing.change_inbox(&caller, changes).await.map(ApiJson)
}
