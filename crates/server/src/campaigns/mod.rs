//! Campaigns (营销活动): operators write them, another operator holding the approve right (or an
//! administrator) approves or rejects them, and an approved campaign is scheduled, started,
//! paused, resumed or stopped. The steps and who may take each are `portal_campaigns::lifecycle`;
//! here they are applied to the record, each from the state its taker saw.
mod audiences;
mod check;
mod coupons;
mod devices;
mod dispatch;
mod funnel;
mod sender;
pub mod sms_callbacks;
mod unsubscribe;

pub use dispatch::DispatchReport;
pub use sender::PassReport;

use std::{collections::HashSet, sync::Arc};

use portal_api::*;
use portal_campaigns::{
    coupon_code::CodeSigner,
    lifecycle::{self, Actor, Authorship, StepFacts, StepRefusal},
};
use uuid::Uuid;

use crate::{
    auth::Caller,
    common::{body_hash, now},
    db::{
        Accounts, CampaignRow, CampaignStepRow, Campaigns, Catalog, CatalogKind, Coupons, Database, Delivery, Outbound,
        Tags,
    },
    error::{AppError, AppResult},
    org::OrgService,
};

/// Campaigns in one page, at most.
const MAX_PAGE: u32 = 100;
/// Who writes and runs campaigns.
const WRITERS: &[Role] = &[Role::Operator, Role::Admin];

#[derive(Clone)]
pub struct CampaignService {
    campaigns: Arc<dyn Campaigns>,
    delivery: Arc<dyn Delivery>,
    tags: Arc<dyn Tags>,
    accounts: Arc<dyn Accounts>,
    catalog: Arc<dyn Catalog>,
    coupons: Arc<dyn Coupons>,
    outbound: Arc<dyn Outbound>,
    audiences: Arc<dyn crate::db::Audiences>,
    /// The outside services texts and pushes leave through.
    gateways: Arc<crate::gateways::Gateways>,
    /// The secret in the addresses the SMS service pushes receipts and replies to.
    sms_callback_token: Arc<str>,
    /// Signs the one-click unsubscribe links of marketing e-mail.
    keys: Arc<crate::identity::tokens::ServerKeys>,
    /// Signs the codes of the coupons in people's wallets.
    signer: Arc<CodeSigner>,
    org: OrgService,
}

fn stale() -> AppError {
    AppError::new(
        ErrorCode::StaleState,
        "Someone changed this campaign since you opened it. Open it again to see what changed.",
    )
}

fn refused(refusal: StepRefusal) -> AppError {
    match refusal {
        StepRefusal::NotNow { from, action } => AppError::new(
            ErrorCode::TransitionNotAllowed,
            format!("A {} campaign cannot {}.", wire_name(&from), wire_name(&action).replace('_', " ")),
        ),
        StepRefusal::NoApproveRight => AppError::new(
            ErrorCode::Forbidden,
            "Only an operator holding the approve right approves or rejects campaigns.",
        ),
        StepRefusal::OwnCampaign => AppError::new(
            ErrorCode::Forbidden,
            "You wrote, edited or submitted this campaign: another operator approves or rejects it.",
        ),
        StepRefusal::SystemOnly => AppError::new(
            ErrorCode::TransitionNotAllowed,
            "The scheduler starts a scheduled campaign at its start time.",
        ),
        StepRefusal::Unreconciled => {
            AppError::new(ErrorCode::TransitionNotAllowed, "Messages are still being sent; stop it to cancel the rest.")
        }
        StepRefusal::StartPassed => AppError::field(
            ErrorCode::InvalidParameter,
            "starts_at",
            "The start time has passed: edit it to a time ahead, or start the campaign now.",
        ),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("API types serialise")
}

/// The campaign a row keeps.
fn campaign_of(row: &CampaignRow) -> AppResult<Campaign> {
    fn parse<T: serde::de::DeserializeOwned>(text: &str) -> AppResult<T> {
        serde_json::from_str(text).map_err(|_| AppError::internal())
    }
    Ok(Campaign {
        draft: CampaignDraft {
            id: row.id,
            name: row.name.clone(),
            category: row.category.clone(),
            audience: parse(&row.audience)?,
            content: parse(&row.content)?,
            channels: parse(&row.channels)?,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            holdout_percent: row.holdout_percent,
            coupon: row.coupon.as_deref().map(parse).transpose()?,
        },
        status: row.status,
        revision: row.revision,
        author: row.author,
        last_editor: row.last_editor,
        submitted_by: row.submitted_by,
        decided_by: row.decided_by,
        decision_reason: row.decision_reason.clone(),
        created_at: row.created_at,
        updated_at: row.updated_at,
        coupons_withdrawn_at: row.coupons_withdrawn_at,
    })
}

/// A draft's fields written over `row`.
fn with_draft(mut row: CampaignRow, draft: &CampaignDraft) -> CampaignRow {
    row.name = draft.name.trim().to_owned();
    row.category = draft.category.clone();
    row.audience = to_json(&draft.audience);
    row.content = to_json(&draft.content);
    row.channels = to_json(&draft.channels);
    row.starts_at = draft.starts_at;
    row.ends_at = draft.ends_at;
    row.holdout_percent = draft.holdout_percent;
    row.coupon = draft.coupon.as_ref().map(to_json);
    row
}

impl CampaignService {
    pub fn new(
        db: &Arc<dyn Database>,
        signer: Arc<CodeSigner>,
        org: OrgService,
        gateways: Arc<crate::gateways::Gateways>,
        sms_callback_token: &str,
        keys: Arc<crate::identity::tokens::ServerKeys>,
    ) -> Self {
        Self {
            keys,
            sms_callback_token: sms_callback_token.into(),
            outbound: db.clone(),
            audiences: db.clone(),
            gateways,
            campaigns: db.clone(),
            delivery: db.clone(),
            tags: db.clone(),
            accounts: db.clone(),
            catalog: db.clone(),
            coupons: db.clone(),
            signer,
            org,
        }
    }

    /// Every customer tag's id.
    async fn tag_ids(&self) -> AppResult<HashSet<Uuid>> {
        Ok(self.tags.tags().await?.into_iter().map(|t| t.id).collect())
    }

    async fn check(&self, draft: &CampaignDraft) -> AppResult<()> {
        let sms_template = !self.gateways.sms_marketing_template.is_empty();
        check::draft(draft, &self.tag_ids().await?, now(), &self.gateways.channels(), sms_template)?;
        self.lists_exist(&draft.audience).await?;
        self.link_leads_somewhere(draft.content.deep_link.as_ref()).await
    }

    /// What was checked when the campaign was saved still holds at `at`: its deep link leads to
    /// something in the catalog, and its coupon (if any) is still valid then.
    pub(crate) async fn still_sendable(&self, row: &CampaignRow, at: i64) -> AppResult<()> {
        let content: CampaignContent = serde_json::from_str(&row.content).unwrap_or_default();
        self.link_leads_somewhere(content.deep_link.as_ref()).await?;
        let terms: Option<CouponTerms> = row.coupon.as_deref().and_then(|c| serde_json::from_str(c).ok());
        if terms.is_some_and(|t| t.valid_until <= at) {
            return Err(AppError::field(
                ErrorCode::InvalidParameter,
                "coupon.valid_until",
                "The coupon has expired: edit it to a date ahead before sending the campaign.",
            ));
        }
        Ok(())
    }

    /// A deep link's product or category is in the catalog now (checked when the campaign is
    /// saved, and again when it is submitted, approved, scheduled or started: a product
    /// withdrawn meanwhile is caught before anyone is sent to it).
    async fn link_leads_somewhere(&self, link: Option<&DeepLink>) -> AppResult<()> {
        let (kind, code) = match link {
            Some(DeepLink::Product { model }) => (CatalogKind::Product, model),
            Some(DeepLink::Category { code }) => (CatalogKind::Category, code),
            Some(DeepLink::Inbox | DeepLink::Wallet) | None => return Ok(()),
        };
        if self.catalog.catalog_get(kind, code).await?.is_none() {
            return Err(AppError::field(
                ErrorCode::LinkTargetGone,
                "content.deep_link",
                format!("{code} is not in the catalog (withdrawn, or never added): link to another, or to the inbox."),
            ));
        }
        Ok(())
    }

    async fn row(&self, id: Uuid) -> AppResult<CampaignRow> {
        self.campaigns.campaign(id).await?.ok_or_else(|| AppError::not_found("campaign"))
    }

    /// Everyone who ever edited the campaign (its writer and whoever saved it since).
    async fn editors(&self, row: &CampaignRow) -> AppResult<Vec<Uuid>> {
        let mut editors: Vec<Uuid> = self
            .campaigns
            .campaign_steps(row.id)
            .await?
            .into_iter()
            .filter(|s| s.step.action == CampaignAction::Edit)
            .map(|s| s.step.by)
            .chain([row.author, row.last_editor])
            .collect();
        editors.sort();
        editors.dedup();
        Ok(editors)
    }

    /// Whether the caller holds the approve right.
    async fn approves(&self, caller: &Caller) -> AppResult<bool> {
        Ok(caller.user.role == Role::Admin || self.campaigns.approves_campaigns(caller.user.id).await?)
    }

    /// A new campaign, in draft; a retry of the same id and body answers the one kept.
    pub async fn create(&self, caller: &Caller, draft: CampaignDraft) -> AppResult<Campaign> {
        caller.require(WRITERS)?;
        self.check(&draft).await?;
        let at = now();
        let hash = body_hash(&draft);
        let row = with_draft(
            CampaignRow {
                id: draft.id,
                name: String::new(),
                category: String::new(),
                status: CampaignStatus::Draft,
                audience: String::new(),
                content: String::new(),
                channels: String::new(),
                starts_at: None,
                ends_at: None,
                holdout_percent: 0,
                revision: 1,
                author: caller.user.id,
                last_editor: caller.user.id,
                submitted_by: None,
                decided_by: None,
                decision_reason: None,
                body_hash: hash.clone(),
                created_at: at,
                updated_at: at,
                queued_through: None,
                queued_at: None,
                coupon: None,
                coupons_withdrawn_at: None,
            },
            &draft,
        );
        let step = CampaignStepRow {
            campaign_id: draft.id,
            at,
            by: caller.user.id,
            action: CampaignAction::Edit,
            from: CampaignStatus::Draft,
            to: CampaignStatus::Draft,
            reason: None,
            revision: 1,
        };
        let kept = self.campaigns.put_campaign(row, step).await?;
        if kept.author != caller.user.id || kept.body_hash != hash {
            return Err(AppError::new(
                ErrorCode::IdempotencyConflict,
                "This campaign id was used for another campaign.",
            ));
        }
        campaign_of(&kept)
    }

    /// Edits a campaign read at `revision`: back to draft, to be submitted and approved again.
    pub async fn edit(&self, caller: &Caller, id: Uuid, revision: u32, draft: CampaignDraft) -> AppResult<Campaign> {
        caller.require(WRITERS)?;
        if draft.id != id {
            return Err(AppError::field(
                ErrorCode::InvalidParameter,
                "id",
                "The id in the body differs from the address.",
            ));
        }
        self.check(&draft).await?;
        let row = self.row(id).await?;
        if row.revision != revision {
            return Err(stale());
        }
        let actor = Actor { id: caller.user.id, approves: self.approves(caller).await?, system: false };
        let editors = self.editors(&row).await?;
        let who = Authorship { author: row.author, editors: &editors, submitted_by: row.submitted_by };
        let to =
            lifecycle::step(row.status, CampaignAction::Edit, actor, who, StepFacts::default()).map_err(refused)?;
        let at = now();
        let from = row.status;
        let mut next = with_draft(row, &draft);
        (next.status, next.revision, next.last_editor, next.updated_at) = (to, revision + 1, caller.user.id, at);
        (next.submitted_by, next.decided_by, next.decision_reason) = (None, None, None);
        let step = CampaignStepRow {
            campaign_id: id,
            at,
            by: caller.user.id,
            action: CampaignAction::Edit,
            from,
            to,
            reason: None,
            revision: revision + 1,
        };
        if !self.campaigns.change_campaign(next.clone(), from, revision, step).await? {
            return Err(stale());
        }
        campaign_of(&next)
    }

    /// Takes a step on a campaign read at `request.revision`.
    pub async fn act(&self, caller: &Caller, id: Uuid, request: CampaignActionRequest) -> AppResult<Campaign> {
        caller.require(WRITERS)?;
        let action = request.action;
        if matches!(action, CampaignAction::Edit | CampaignAction::Finish) {
            return Err(AppError::field(
                ErrorCode::InvalidParameter,
                "action",
                "Edit a campaign by sending it again; the sender finishes it.",
            ));
        }
        let reason = request.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned);
        if matches!(action, CampaignAction::Reject | CampaignAction::Stop | CampaignAction::WithdrawCoupons)
            && reason.is_none()
            || reason.as_ref().is_some_and(|r| r.chars().count() > 200)
        {
            return Err(AppError::field(ErrorCode::ReasonRequired, "reason", "Say why (1 to 200 characters)."));
        }
        let row = self.row(id).await?;
        if row.revision != request.revision {
            return Err(stale());
        }
        if action == CampaignAction::WithdrawCoupons && (row.coupon.is_none() || row.coupons_withdrawn_at.is_some()) {
            return Err(AppError::new(
                ErrorCode::TransitionNotAllowed,
                "This campaign has no coupons to withdraw (it issues none, or they were withdrawn already).",
            ));
        }
        if matches!(
            action,
            CampaignAction::Submit | CampaignAction::Approve | CampaignAction::Schedule | CampaignAction::Start
        ) {
            // Scheduled: the coupon must still be good when it starts.
            let at = if action == CampaignAction::Schedule { row.starts_at.unwrap_or(0).max(now()) } else { now() };
            self.still_sendable(&row, at).await?;
        }
        let at = now();
        if action == CampaignAction::Schedule && row.starts_at.is_none() {
            return Err(AppError::field(ErrorCode::InvalidParameter, "starts_at", "Give it a start time first."));
        }
        let actor = Actor { id: caller.user.id, approves: self.approves(caller).await?, system: false };
        let editors = self.editors(&row).await?;
        let who = Authorship { author: row.author, editors: &editors, submitted_by: row.submitted_by };
        let facts = StepFacts { unreconciled: 0, start_ahead: row.starts_at.is_some_and(|s| s > at) };
        let to = lifecycle::step(row.status, action, actor, who, facts).map_err(refused)?;
        let from = row.status;
        let mut next = row;
        (next.status, next.updated_at) = (to, at);
        match action {
            // Stopping a campaign withdraws the coupons it issued: nobody is sent to a counter
            // with a coupon the brand called off.
            CampaignAction::Stop | CampaignAction::WithdrawCoupons if next.coupon.is_some() => {
                next.coupons_withdrawn_at = next.coupons_withdrawn_at.or(Some(at))
            }
            CampaignAction::Submit => next.submitted_by = Some(caller.user.id),
            CampaignAction::Approve | CampaignAction::Reject => {
                (next.decided_by, next.decision_reason) = (Some(caller.user.id), reason.clone())
            }
            _ => {}
        }
        let step = CampaignStepRow {
            campaign_id: id,
            at,
            by: caller.user.id,
            action,
            from,
            to,
            reason,
            revision: next.revision,
        };
        if !self.campaigns.change_campaign(next.clone(), from, request.revision, step).await? {
            return Err(stale());
        }
        campaign_of(&next)
    }

    pub async fn list(&self, caller: &Caller, query: CampaignQuery) -> AppResult<CampaignList> {
        caller.require(WRITERS)?;
        let limit = query.limit.unwrap_or(50).clamp(1, MAX_PAGE);
        let before = match query.before.as_deref() {
            None => None,
            Some(cursor) => {
                let parsed = cursor.split_once('.').and_then(|(at, id)| Some((at.parse().ok()?, id.parse().ok()?)));
                Some(parsed.ok_or_else(|| {
                    AppError::field(ErrorCode::InvalidParameter, "before", "Pass the `next` of the page before.")
                })?)
            }
        };
        let rows = self.campaigns.campaigns(query.status, before, limit).await?;
        let next =
            (rows.len() == limit as usize).then(|| rows.last().map(|r| format!("{}.{}", r.created_at, r.id))).flatten();
        Ok(CampaignList { campaigns: rows.iter().map(campaign_of).collect::<AppResult<_>>()?, next })
    }

    pub async fn detail(&self, caller: &Caller, id: Uuid) -> AppResult<CampaignDetail> {
        caller.require(WRITERS)?;
        let row = self.row(id).await?;
        let steps = self
            .campaigns
            .campaign_steps(id)
            .await?
            .into_iter()
            .map(|s| CampaignStep {
                at: s.step.at,
                by: s.step.by,
                by_name: s.by_name,
                action: s.step.action,
                from: s.step.from,
                to: s.step.to,
                reason: s.step.reason,
                revision: s.step.revision,
            })
            .collect::<Vec<_>>();
        let actor = Actor { id: caller.user.id, approves: self.approves(caller).await?, system: false };
        let editors = self.editors(&row).await?;
        let who = Authorship { author: row.author, editors: &editors, submitted_by: row.submitted_by };
        let can_decide = lifecycle::step(row.status, CampaignAction::Approve, actor, who, StepFacts::default()).is_ok();
        let coupons = match row.coupon {
            Some(_) => Some(self.coupons.coupon_counts(row.id).await?),
            None => None,
        };
        // From when it first ran: what people did since is what it is measured by.
        let started = steps.iter().find(|s| s.to == CampaignStatus::Running).map(|s| s.at);
        let funnel = match started {
            Some(at) => Some(self.funnel(row.id, at, coupons.map_or(0, |c| c.redeemed)).await?),
            None => None,
        };
        Ok(CampaignDetail { campaign: campaign_of(&row)?, steps, can_decide, coupons, funnel })
    }

    /// Grants or takes back an operator's right to approve campaigns (administrators only).
    pub async fn set_approve_right(&self, caller: &Caller, right: ApproveRight) -> AppResult<ApproveRight> {
        caller.require(&[Role::Admin])?;
        let user = self.accounts.get_user(right.user_id).await?.ok_or_else(|| AppError::not_found("user"))?;
        if user.role != Role::Operator {
            return Err(AppError::new(ErrorCode::InvalidRole, "Only operators are given the approve right."));
        }
        self.campaigns.set_campaign_approver(right.user_id, right.approves.then_some(caller.user.id), now()).await?;
        Ok(right)
    }

    /// How many people an audience holds now: the live size an operator sees while writing.
    pub async fn audience_size(&self, caller: &Caller, audience: Audience) -> AppResult<AudienceSize> {
        caller.require(WRITERS)?;
        check::audience(&audience, &self.tag_ids().await?)?;
        Ok(AudienceSize { size: self.delivery.audience_size(audience, now()).await? })
    }

    /// The caller's message preferences (the defaults until they choose).
    pub async fn preferences(&self, caller: &Caller) -> AppResult<MessagePreferences> {
        let row = self.delivery.message_preferences(caller.user.id).await?;
        let row = row.unwrap_or_else(|| crate::db::PreferencesRow::default_for(caller.user.id));
        Ok(MessagePreferences {
            marketing: row.marketing,
            channels_off: row.channels_off,
            categories_off: row.categories_off,
            quiet_start: row.quiet.map(|q| q.0),
            quiet_end: row.quiet.map(|q| q.1),
            time_zone: row.time_zone,
        })
    }

    pub async fn set_preferences(&self, caller: &Caller, p: MessagePreferences) -> AppResult<MessagePreferences> {
        let bad = |field: &str, message: &str| Err(AppError::field(ErrorCode::InvalidParameter, field, message));
        if portal_campaigns::quiet::zone(&p.time_zone).is_none() {
            return bad("time_zone", "A time zone such as Asia/Shanghai.");
        }
        let quiet = match (p.quiet_start, p.quiet_end) {
            (None, None) => None,
            (Some(s), Some(e)) if portal_campaigns::quiet::QuietHours::new(s, e).is_some() => Some((s, e)),
            _ => return bad("quiet_start", "Quiet hours start and end at different minutes of the day (0 to 1439)."),
        };
        let mut categories: Vec<String> = p.categories_off.iter().map(|c| c.trim().to_owned()).collect();
        categories.sort();
        categories.dedup();
        if categories.len() > 20 || categories.iter().any(|c| c.is_empty() || c.len() > 40) {
            return bad("categories_off", "At most 20 categories of 1 to 40 characters.");
        }
        let mut channels = p.channels_off.clone();
        channels.sort();
        channels.dedup();
        let row = crate::db::PreferencesRow {
            user: caller.user.id,
            marketing: p.marketing,
            channels_off: channels,
            categories_off: categories,
            quiet,
            time_zone: p.time_zone.clone(),
            updated_at: now(),
        };
        self.delivery.set_message_preferences(row).await?;
        self.preferences(caller).await
    }
}
