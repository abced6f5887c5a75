//! The app's installations registering for push, and what the SMS service pushes back (delivery
//! receipts and replies).
use axum::{body::Bytes, extract::State, http::StatusCode, response::Html};
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
    service.check_sms_callback(&token)?;
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
    service.check_sms_callback(&token)?;
    service.sms_replies(&token, array::<sms_callbacks::SmsReply>(&body)?).await?;
    Ok(taken())
}

/// A page in both languages, with the text escaped.
fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{title}</title></head><body style=\"font-family:sans-serif;max-width:32em;margin:3em auto\">{body}</body></html>"
    ))
}

/// The page an unsubscribe link opens: a button that unsubscribes (opening it changes nothing).
#[utoipa::path(get, path = endpoints::UnsubscribePage::PATH, tag = "system",
    params(("token" = String, Path, description = "the signed token in the e-mail's link")),
    responses((status = 200, description = "an HTML page"), (status = 404, body = ApiError)))]
pub async fn unsubscribe_page(
    State(service): State<CampaignService>,
    ApiPath(token): ApiPath<String>,
) -> AppResult<Html<String>> {
    service.unsubscribe_person(&token)?;
    Ok(page(
        "退订 / Unsubscribe",
        "<h1>退订营销邮件 / Unsubscribe</h1><p>不再接收本品牌的营销邮件？服务通知（订单、安全）不受影响。</p>\
         <p>Stop marketing e-mail from this brand? Service messages (orders, security) still come.</p>\
         <form method=\"post\"><button type=\"submit\">退订 / Unsubscribe</button></form>",
    ))
}

/// Unsubscribes the link's person from marketing e-mail: the one-click `POST` of RFC 8058 (a mail
/// client's button), or the page's button.
#[utoipa::path(post, path = endpoints::Unsubscribe::PATH, tag = "system",
    params(("token" = String, Path, description = "the signed token in the e-mail's link")),
    responses((status = 200, description = "an HTML page"), (status = 404, body = ApiError)))]
pub async fn unsubscribe(
    State(service): State<CampaignService>,
    ApiPath(token): ApiPath<String>,
) -> AppResult<Html<String>> {
    service.unsubscribe_email(&token).await?;
    Ok(page(
        "已退订 / Unsubscribed",
        "<h1>已退订 / Unsubscribed</h1><p>您将不再收到营销邮件；可随时在应用的消息设置中重新开启。</p>\
         <p>You will get no more marketing e-mail; turn it on again in the app's message settings.</p>",
    ))
}
