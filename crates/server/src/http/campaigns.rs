//! Campaigns: written and run by operators, approved by another holding the approve right.
use axum::extract::State;
use portal_api::{
    endpoints::{self, Endpoint},
    *,
};
use uuid::Uuid;

use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::{
    auth::Caller,
    campaigns::CampaignService,
    error::{AppError, AppResult},
};

#[utoipa::path(get, path = endpoints::Campaigns::PATH, tag = "campaigns", security(("bearer" = [])), params(CampaignQuery),
    responses((status = 200, body = CampaignList), (status = 400, body = ApiError), (status = 403, body = ApiError)))]
pub async fn list(
    State(service): State<CampaignService>,
    caller: Caller,
    ApiQuery(query): ApiQuery<CampaignQuery>,
) -> AppResult<ApiJson<CampaignList>> {
    service.list(&caller, query).await.map(ApiJson)
}

/// A new campaign, in draft (the id the app chose; a retry of the same body answers the same).
#[utoipa::path(post, path = endpoints::CreateCampaign::PATH, tag = "campaigns", security(("bearer" = [])),
    request_body = CampaignDraft,
    responses((status = 200, body = Campaign), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 409, body = ApiError)))]
pub async fn create(
    State(service): State<CampaignService>,
    caller: Caller,
    ApiJson(draft): ApiJson<CampaignDraft>,
) -> AppResult<ApiJson<Campaign>> {
    service.create(&caller, draft).await.map(ApiJson)
}

/// How many people an audience holds now (consenting, unlocked).
#[utoipa::path(post, path = endpoints::SizeAudience::PATH, tag = "campaigns", security(("bearer" = [])),
    request_body = Audience,
    responses((status = 200, body = AudienceSize), (status = 400, body = ApiError), (status = 403, body = ApiError)))]
pub async fn audience_size(
    State(service): State<CampaignService>,
    caller: Caller,
    ApiJson(audience): ApiJson<Audience>,
) -> AppResult<ApiJson<AudienceSize>> {
    service.audience_size(&caller, audience).await.map(ApiJson)
}

#[utoipa::path(get, path = endpoints::CampaignOf::PATH, tag = "campaigns", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "campaign id")),
    responses((status = 200, body = CampaignDetail), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn detail(
    State(service): State<CampaignService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<ApiJson<CampaignDetail>> {
    service.detail(&caller, id).await.map(ApiJson)
}

/// Edits a campaign read at `revision`: it returns to draft, to be submitted and approved again.
#[utoipa::path(put, path = endpoints::EditCampaign::PATH, tag = "campaigns", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "campaign id"), RevisionQuery), request_body = CampaignDraft,
    responses((status = 200, body = Campaign), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn edit(
    State(service): State<CampaignService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<RevisionQuery>,
    ApiJson(draft): ApiJson<CampaignDraft>,
) -> AppResult<ApiJson<Campaign>> {
    let revision = query.revision.as_deref().and_then(|r| r.parse().ok()).ok_or_else(|| {
        AppError::field(
            ErrorCode::InvalidParameter,
            "revision",
            "Name the revision you edited (the campaign's `revision`).",
        )
    })?;
    service.edit(&caller, id, revision, draft).await.map(ApiJson)
}

/// Submit, approve, reject (with a reason), schedule, start, pause, resume or stop (with a
/// reason), at the revision the taker saw.
#[utoipa::path(post, path = endpoints::ActOnCampaign::PATH, tag = "campaigns", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "campaign id")), request_body = CampaignActionRequest,
    responses((status = 200, body = Campaign), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn act(
    State(service): State<CampaignService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<CampaignActionRequest>,
) -> AppResult<ApiJson<Campaign>> {
    service.act(&caller, id, request).await.map(ApiJson)
}

/// The caller's message preferences (defaults until they choose).
#[utoipa::path(get, path = endpoints::MessagePreferencesOf::PATH, tag = "me", security(("bearer" = [])),
    responses((status = 200, body = MessagePreferences), (status = 401, body = ApiError)))]
pub async fn preferences(
    State(service): State<CampaignService>,
    caller: Caller,
) -> AppResult<ApiJson<MessagePreferences>> {
    service.preferences(&caller).await.map(ApiJson)
}

/// Marketing at all, channels and categories off, quiet hours in the person's time zone.
#[utoipa::path(put, path = endpoints::SetMessagePreferences::PATH, tag = "me", security(("bearer" = [])),
    request_body = MessagePreferences,
    responses((status = 200, body = MessagePreferences), (status = 400, body = ApiError), (status = 401, body = ApiError)))]
pub async fn set_preferences(
    State(service): State<CampaignService>,
    caller: Caller,
    ApiJson(p): ApiJson<MessagePreferences>,
) -> AppResult<ApiJson<MessagePreferences>> {
    service.set_preferences(&caller, p).await.map(ApiJson)
}

/// Grants or takes back an operator's right to approve campaigns.
#[utoipa::path(put, path = endpoints::SetApproveRight::PATH, tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the operator's account id")), request_body = ApproveRight,
    responses((status = 200, body = ApproveRight), (status = 400, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError)))]
pub async fn set_approve_right(
    State(service): State<CampaignService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(right): ApiJson<ApproveRight>,
) -> AppResult<ApiJson<ApproveRight>> {
    if right.user_id != id {
        return Err(AppError::field(
            ErrorCode::InvalidParameter,
            "user_id",
            "The id in the body differs from the address.",
        ));
    }
    service.set_approve_right(&caller, right).await.map(ApiJson)
}

impl axum::extract::FromRef<std::sync::Arc<crate::portal::Portal>> for CampaignService {
    fn from_ref(portal: &std::sync::Arc<crate::portal::Portal>) -> Self {
        portal.campaigns.clone()
    }
}

/// The caller's e-coupons, newest first, each with the signed code they show at the counter.
#[utoipa::path(get, path = endpoints::MyCoupons::PATH, tag = "me", security(("bearer" = [])),
    responses((status = 200, body = Wallet), (status = 401, body = ApiError)))]
pub async fn wallet(State(service): State<CampaignService>, caller: Caller) -> AppResult<ApiJson<Wallet>> {
    service.wallet(&caller).await.map(ApiJson)
}

/// The coupons a store takes now or later, and the key their codes are signed with: what its
/// tills keep to check a coupon offline (staff of the store only).
#[utoipa::path(get, path = endpoints::CouponsOfStore::PATH, tag = "store-ops", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "store id")),
    responses((status = 200, body = StoreCoupons), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn store_coupons(
    State(service): State<CampaignService>,
    caller: Caller,
    ApiPath(store): ApiPath<Uuid>,
) -> AppResult<ApiJson<StoreCoupons>> {
    service.store_coupons(&caller, store).await.map(ApiJson)
}

/// The imported lists and saved segments (operators and administrators).
#[utoipa::path(get, path = endpoints::ListAudiences::PATH, tag = "campaigns", security(("bearer" = [])),
    responses((status = 200, body = Audiences), (status = 403, body = ApiError)))]
pub async fn audiences(State(service): State<CampaignService>, caller: Caller) -> AppResult<ApiJson<Audiences>> {
    service.audiences(&caller).await.map(ApiJson)
}

/// Imports a list of phone numbers (CSV text), matched to accounts by verified phone only; the
/// report counts every row by what became of it and names the first rows that did not match.
#[utoipa::path(post, path = endpoints::ImportAudienceList::PATH, tag = "campaigns", security(("bearer" = [])),
    request_body = ListImport,
    responses((status = 200, body = ListReport), (status = 400, body = ApiError), (status = 403, body = ApiError)))]
pub async fn import_list(
    State(service): State<CampaignService>,
    caller: Caller,
    ApiJson(import): ApiJson<ListImport>,
) -> AppResult<ApiJson<ListReport>> {
    service.import_list(&caller, import).await.map(ApiJson)
}

/// Deletes an imported list and its members (a campaign naming it then reaches nobody through it).
#[utoipa::path(delete, path = endpoints::DeleteAudienceList::PATH, tag = "campaigns", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "list id")),
    responses((status = 204), (status = 403, body = ApiError)))]
pub async fn delete_list(
    State(service): State<CampaignService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<axum::http::StatusCode> {
    service.delete_list(&caller, id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Saves an audience as a named segment (saving again under its id replaces it).
#[utoipa::path(post, path = endpoints::SaveSegment::PATH, tag = "campaigns", security(("bearer" = [])),
    request_body = NewSegment,
    responses((status = 200, body = SavedSegment), (status = 400, body = ApiError), (status = 403, body = ApiError)))]
pub async fn save_segment(
    State(service): State<CampaignService>,
    caller: Caller,
    ApiJson(segment): ApiJson<NewSegment>,
) -> AppResult<ApiJson<SavedSegment>> {
    service.save_segment(&caller, segment).await.map(ApiJson)
}

#[utoipa::path(delete, path = endpoints::DeleteSegment::PATH, tag = "campaigns", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "segment id")),
    responses((status = 204), (status = 403, body = ApiError)))]
pub async fn delete_segment(
    State(service): State<CampaignService>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<axum::http::StatusCode> {
    service.delete_segment(&caller, id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
