//! The app's installations registering for push, and what the SMS service pushes back (delivery
//! receipts and replies).
use axum::{body::Bytes, extract::State, http::StatusCode};
use portal_api::{
    endpoints::{self, Endpoint},
    *,
};
use uuid::Uuid;

use super::extract::{ApiJson, ApiPath};
use crate::{
    auth::Caller,
    campaigns::{sms_callbacks, CampaignService},
    error::{AppError, AppResult},
};

/// The caller's installations pushed to now (their sessions live), the most recently seen first.
#[utoipa::path(get, path = endpoints::MyDevices::PATH, tag = "me", security(("bearer" = [])),
    responses((status = 200, body = DeviceList), (status = 401, body = ApiError)))]
pub async fn devices(State(service): State<CampaignService>, caller: Caller) -> AppResult<ApiJson<DeviceList>> {
    service.devices(&caller).await.map(ApiJson)
}

/// Registers (or refreshes) the caller's installation: its platform, push service and token, and
/// the language its notifications are written in. A token another installation held moves here.
#[utoipa::path(put, path = endpoints::RegisterDevice::PATH, tag = "me", security(("bearer" = [])),
    params(("installation" = Uuid, Path, description = "the app's id for its installation")),
    request_body = DeviceRegistration,
    responses((status = 204), (status = 401, body = ApiError), (status = 422, body = ApiError)))]
pub async fn register_device(
    State(service): State<CampaignService>,
    caller: Caller,
    ApiPath(installation): ApiPath<Uuid>,
    ApiJson(registration): ApiJson<DeviceRegistration>,
) -> AppResult<StatusCode> {
    service.register_device(&caller, installation, registration).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Forgets the caller's installation (signing out there): nothing is pushed to it after.
#[utoipa::path(delete, path = endpoints::ForgetDevice::PATH, tag = "me", security(("bearer" = [])),
    params(("installation" = Uuid, Path, description = "the app's id for its installation")),
    responses((status = 204), (status = 401, body = ApiError)))]
pub async fn forget_device(
    State(service): State<CampaignService>,
    caller: Caller,
    ApiPath(installation): ApiPath<Uuid>,
) -> AppResult<StatusCode> {
    service.forget_device(&caller, installation).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn array<T: serde::de::DeserializeOwned>(body: &[u8]) -> AppResult<Vec<T>> {
    serde_json::from_slice(body)
        .map_err(|_| AppError::new(ErrorCode::InvalidJson, "A JSON array of the SMS service's reports was expected."))
}

fn taken() -> ApiJson<ProviderAck> {
    ApiJson(ProviderAck { code: 0, msg: "成功".into() })
}

/// The SMS service's delivery receipts (`SmsReport`, a JSON array), at the address holding the
/// configured callback secret.
#[utoipa::path(post, path = endpoints::SmsReceipts::PATH, tag = "system",
    params(("token" = String, Path, description = "the configured callback secret")),
    responses((status = 200, body = ProviderAck), (status = 404, body = ApiError)))]
pub async fn sms_receipts(
    State(service): State<CampaignService>,
    ApiPath(token): ApiPath<String>,
    body: Bytes,
) -> AppResult<ApiJson<ProviderAck>> {
    service.sms_receipts(&token, array::<sms_callbacks::SmsReport>(&body)?).await?;
    Ok(taken())
}

/// Replies to texts (`SmsUp`, a JSON array): 退订 or TD opts the number out of marketing texts.
#[utoipa::path(post, path = endpoints::SmsReplies::PATH, tag = "system",
    params(("token" = String, Path, description = "the configured callback secret")),
    responses((status = 200, body = ProviderAck), (status = 404, body = ApiError)))]
pub async fn sms_replies(
    State(service): State<CampaignService>,
    ApiPath(token): ApiPath<String>,
    body: Bytes,
) -> AppResult<ApiJson<ProviderAck>> {
    service.sms_replies(&token, array::<sms_callbacks::SmsReply>(&body)?).await?;
    Ok(taken())
}
