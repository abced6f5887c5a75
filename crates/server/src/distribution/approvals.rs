//! Changes beyond a business manager's authority go to the order center (审批): a credit line above
//! `MANAGER_CREDIT_AUTHORITY`, or their dealer's prices below the brand's floor. The request waits
//! with its reason and the dealer's credit as it stands; the order center approves it (the change
//! is then made as the order center's, checked as any change is) or rejects it with a reason. One
//! decision wins whatever decides at once; a change that no longer fits leaves it waiting.
use portal_api::*;
use uuid::Uuid;

use super::{DistributionService, Standing};
use crate::{
    auth::Caller,
    common::{body_hash, now},
    db::{position_line, ApprovalRow},
    error::{AppError, AppResult},
};

/// The most requests a business manager has waiting at once.
const MAX_WAITING: u32 = 100;
/// The most requests one list shows.
const LIST: u32 = 200;

#[derive(serde::Serialize, serde::Deserialize)]
struct Body {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    credit_limit: Option<i64>,
    #[serde(default)]
    entries: Vec<PriceListEntry>,
}

fn reason_of(text: &str) -> AppResult<String> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 200 {
        return Err(AppError::field(ErrorCode::ReasonRequired, "reason", "Say why (1 to 200 characters)."));
    }
    Ok(text.to_owned())
}

impl DistributionService {
    /// A business manager asks the order center for a change beyond their authority.
    pub async fn ask_approval(&self, caller: &Caller, ask: ApprovalAsk) -> AppResult<Approval> {
        if self.standing(caller, ask.dealer_id).await? != Standing::ManagesDealer {
            return Err(AppError::forbidden());
        }
        let reason = reason_of(&ask.reason)?;
        let kind = match (ask.credit_limit, ask.entries.is_empty()) {
            (Some(limit), true) if limit >= 0 => "credit_limit",
            (None, false) if ask.entries.len() <= 500 => "prices",
            _ => {
                return Err(AppError::field(
                    ErrorCode::InvalidParameter,
                    "credit_limit",
                    "Ask for a credit line (zero or more) or for 1 to 500 price entries, not both.",
                ))
            }
        };
        let own = ask.dealer_id.to_string();
        if ask.entries.iter().any(|e| e.scope_kind != "dealer" || e.scope_key.trim() != own) {
            return Err(AppError::field(
                ErrorCode::InvalidParameter,
                "entries",
                "Ask only for this dealer's own prices.",
            ));
        }
        let hash = body_hash(&ask);
        let hash_kept = hash.clone();
        if let Some(kept) = self.approvals.approval(ask.id).await? {
            return if kept.requested_by == caller.user.id && kept.body_hash == hash {
                self.approval_shown(kept).await
            } else {
                Err(AppError::new(ErrorCode::IdempotencyConflict, "This request id was used for another request."))
            };
        }
        if self.approvals.waiting_approvals(caller.user.id).await? >= MAX_WAITING {
            return Err(AppError::field(
                ErrorCode::InvalidParameter,
                "id",
                format!("{MAX_WAITING} of your requests already wait for the order center."),
            ));
        }
        let body = serde_json::to_string(&Body { credit_limit: ask.credit_limit, entries: ask.entries })
            .map_err(|_| AppError::internal())?;
        let row = ApprovalRow {
            id: ask.id,
            kind: kind.into(),
            dealer_id: ask.dealer_id,
            body,
            reason,
            requested_by: caller.user.id,
            body_hash: hash_kept,
            requested_at: now(),
            status: ApprovalStatus::Waiting,
            decided_by: None,
            decided_at: None,
            decision_reason: None,
        };
        let kept = self.approvals.put_approval(row).await?;
        if kept.requested_by != caller.user.id || kept.body_hash != hash {
            return Err(AppError::new(ErrorCode::IdempotencyConflict, "This request id was used for another request."));
        }
        self.approval_shown(kept).await
    }

    /// Requests in a status (waiting by default): every one for the order center, their own for a
    /// business manager.
    pub async fn approvals(&self, caller: &Caller, query: ApprovalQuery) -> AppResult<ApprovalList> {
        caller.require(&[Role::Admin, Role::BusinessManager])?;
        let status = match query.status.as_deref() {
            None | Some("waiting") => ApprovalStatus::Waiting,
            Some("approved") => ApprovalStatus::Approved,
            Some("rejected") => ApprovalStatus::Rejected,
            Some(_) => {
                return Err(AppError::field(ErrorCode::InvalidParameter, "status", "waiting, approved or rejected."))
            }
        };
        let asker = (caller.user.role != Role::Admin).then_some(caller.user.id);
        let managed = match asker {
            Some(me) => Some(self.network.managed_dealers(me).await?),
            None => None,
        };
        let mut approvals = Vec::new();
        for row in self.approvals.approvals(status, asker, LIST).await? {
            // A manager's requests for a dealer they no longer look after are not theirs to see.
            if managed.as_ref().is_some_and(|m| !m.contains(&row.dealer_id)) {
                continue;
            }
            approvals.push(self.approval_shown(row).await?);
        }
        Ok(ApprovalList { approvals })
    }

    /// The order center decides; an approval makes the change as the order center's. The decision
    /// and its change run to the end whatever happens to the request that asked (a client gone
    /// between them would leave a request approved and nothing changed).
    pub async fn decide_approval(&self, caller: &Caller, id: Uuid, decision: ApprovalDecision) -> AppResult<Approval> {
        caller.require(&[Role::Admin])?;
        let reason = reason_of(&decision.reason)?;
        let row = self.approvals.approval(id).await?.ok_or_else(|| AppError::not_found("request"))?;
        if row.status == ApprovalStatus::Waiting
            && !self.network.managed_dealers(row.requested_by).await?.contains(&row.dealer_id)
        {
            return Err(AppError::new(
                ErrorCode::StaleState,
                "The business manager who asked no longer looks after this dealer: ask their new manager.",
            ));
        }
        let (service, caller) = (self.clone(), caller.clone());
        tokio::spawn(async move { service.decide_now(&caller, row, decision.approve, reason).await })
            .await
            .map_err(|_| AppError::internal())?
    }

    async fn decide_now(
        &self,
        caller: &Caller,
        row: ApprovalRow,
        approve: bool,
        reason: String,
    ) -> AppResult<Approval> {
        let id = row.id;
        let status = if approve { ApprovalStatus::Approved } else { ApprovalStatus::Rejected };
        if !self.approvals.decide_approval(id, status, caller.user.id, reason.clone(), now()).await? {
            return Err(AppError::new(ErrorCode::StaleState, "This request was decided already."));
        }
        if approve {
            let body: Body = serde_json::from_str(&row.body).map_err(|_| AppError::internal())?;
            let applied = match body.credit_limit {
                Some(limit) => {
                    let why = format!("{} (approved: {reason})", row.reason);
                    self.set_credit(
                        caller,
                        row.dealer_id,
                        SetCreditLimit { limit, reason: why.chars().take(200).collect() },
                    )
                    .await
                    .map(|_| ())
                }
                None => self.put_prices(caller, PriceListUpload { entries: body.entries }).await.map(|_| ()),
            };
            if let Err(refused) = applied {
                // The change no longer fits (a line below what is now used, an overlap): it waits.
                self.approvals.reopen_approval(id, caller.user.id).await?;
                return Err(refused);
            }
        }
        let row = self.approvals.approval(id).await?.ok_or_else(|| AppError::not_found("request"))?;
        self.approval_shown(row).await
    }

    async fn approval_shown(&self, row: ApprovalRow) -> AppResult<Approval> {
        let body: Body = serde_json::from_str(&row.body).unwrap_or(Body { credit_limit: None, entries: Vec::new() });
        let dealer_name = self.dealers.get_dealer(row.dealer_id).await?.map(|d| d.name).unwrap_or_default();
        let requested_by_name =
            self.people.get_user(row.requested_by).await?.map(|u| u.display_name).unwrap_or_default();
        let credit = position_line(row.dealer_id, self.orders.credit_position(row.dealer_id).await?);
        Ok(Approval {
            id: row.id,
            kind: if row.kind == "credit_limit" { ApprovalKind::CreditLimit } else { ApprovalKind::Prices },
            dealer_id: row.dealer_id,
            dealer_name,
            credit_limit: body.credit_limit,
            entries: body.entries,
            reason: row.reason,
            requested_by: row.requested_by,
            requested_by_name,
            requested_at: row.requested_at,
            status: row.status,
            decided_by: row.decided_by,
            decided_at: row.decided_at,
            decision_reason: row.decision_reason,
            credit,
        })
    }
}
