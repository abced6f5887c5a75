//! The campaigns' sender, a pass on every instance: it starts scheduled campaigns at their start
//! time, queues a running campaign's audience in pages (resuming where the campaign's mark says,
//! whichever instance queued before), delivers what is due in batches (each instance claims
//! different rows), ends a campaign at its end time (what is left is cancelled), and finishes one
//! only once every delivery is reconciled.
use std::time::{Duration, Instant};

use portal_api::*;
use portal_campaigns::{audience::held_out, policy::Caps};
use uuid::Uuid;

use super::CampaignService;
use crate::{
    common::now,
    db::{CampaignRow, CampaignStepRow, NewDelivery},
    error::AppResult,
};

/// People read and queued at a time.
const QUEUE_PAGE: u32 = 5_000;
/// Deliveries claimed in one transaction.
const DELIVERY_BATCH: u32 = 500;
/// Campaigns one pass looks at in each state (the oldest pages wait for the next pass).
const CAMPAIGNS_PER_PASS: u32 = 100;
/// How long one pass keeps queueing or delivering before it lets the next begin.
const PASS_BUDGET: Duration = Duration::from_secs(3);

/// What a pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PassReport {
    pub started: u32,
    pub queued: u64,
    pub sent: u32,
    pub deferred: u32,
    pub skipped: u32,
    pub finished: u32,
}

impl CampaignService {
    /// A step the scheduler or the sender takes, from the state it read.
    async fn system_step(
        &self,
        row: &CampaignRow,
        action: CampaignAction,
        to: CampaignStatus,
        at: i64,
        reason: Option<String>,
    ) -> AppResult<bool> {
        let mut next = row.clone();
        (next.status, next.updated_at) = (to, at);
        // A campaign stopped before it ran takes its coupons with it, as an operator's stop does.
        if action == CampaignAction::Stop && next.coupon.is_some() {
            next.coupons_withdrawn_at = next.coupons_withdrawn_at.or(Some(at));
        }
        let step = CampaignStepRow {
            campaign_id: row.id,
            at,
            by: Uuid::nil(),
            action,
            from: row.status,
            to,
            reason,
            revision: row.revision,
        };
        Ok(self.campaigns.change_campaign(next, row.status, row.revision, step).await?)
    }

    /// Queues the next page of a running campaign's audience; whether it is queued whole.
    async fn queue_page(&self, row: &CampaignRow, at: i64) -> AppResult<(u64, bool)> {
        // An audience this instance cannot read (written by a newer one) queues nobody, never
        // everyone.
        let audience: Audience = serde_json::from_str(&row.audience).map_err(|e| {
            crate::error::AppError::new(
                ErrorCode::Internal,
                format!("campaign {}'s audience cannot be read by this server ({e}); upgrade it", row.id),
            )
        })?;
        let mut channels: Vec<MessageChannel> = serde_json::from_str(&row.channels).unwrap_or_default();
        // Push and inbox are one message in the app (kept in the inbox, announced by the app):
        // one delivery, held by quiet hours as a push is.
        if channels.contains(&MessageChannel::Push) {
            channels.retain(|c| *c != MessageChannel::Inbox);
        }
        let after = row.queued_through.as_deref().and_then(|t| t.parse::<Uuid>().ok());
        let people = self.delivery.audience_page(audience, at, after, QUEUE_PAGE).await?;
        let whole = (people.len() as u32) < QUEUE_PAGE;
        let rows: Vec<NewDelivery> = people
            .iter()
            .flat_map(|p| {
                let out = held_out(row.id, *p, row.holdout_percent);
                channels.iter().map(move |c| NewDelivery { user: *p, channel: *c, held_out: out })
            })
            .collect();
        let through = people.last().map(Uuid::to_string).or(row.queued_through.clone());
        let due = row.starts_at.unwrap_or(at).max(at);
        let moved = self
            .delivery
            .queue_deliveries(row.id, row.queued_through.clone(), through, whole.then_some(at), due, rows)
            .await?;
        Ok((if moved { people.len() as u64 } else { 0 }, moved && whole))
    }

    /// Every campaign in `status`, a page at a time (none is left out however many there are).
    async fn all_in(&self, status: CampaignStatus) -> AppResult<Vec<CampaignRow>> {
        let mut all = Vec::new();
        let mut before = None;
        loop {
            let page = self.campaigns.campaigns(Some(status), before, CAMPAIGNS_PER_PASS).await?;
            let full = page.len() as u32 == CAMPAIGNS_PER_PASS;
            before = page.last().map(|r| (r.created_at, r.id));
            all.extend(page);
            if !full {
                return Ok(all);
            }
        }
    }

    /// One pass of the sender. A campaign that fails is logged and left for the next pass; the
    /// others go on.
    pub async fn sender_pass(&self, caps: Caps) -> AppResult<PassReport> {
        let started = Instant::now();
        let at = now();
        let mut report = PassReport::default();
        for row in self.all_in(CampaignStatus::Scheduled).await? {
            if row.starts_at.is_some_and(|s| s <= at) {
                // What changed since it was approved (a product withdrawn, a coupon expired) stops
                // it, with the reason, rather than sending people somewhere that is gone.
                match self.still_sendable(&row, at).await {
                    Ok(()) => {}
                    // Only what the campaign itself says stops it; a database or catalog that
                    // failed to answer is tried again at the next pass.
                    Err(e) if matches!(e.0.code, ErrorCode::LinkTargetGone | ErrorCode::InvalidParameter) => {
                        let reason = Some(format!("not started: {}", e.0.message));
                        if let Err(e) =
                            self.system_step(&row, CampaignAction::Stop, CampaignStatus::Finished, at, reason).await
                        {
                            tracing::warn!(campaign = %row.id, error = ?e, "a campaign that cannot start could not be stopped");
                        }
                        continue;
                    }
                    Err(e) => {
                        tracing::warn!(campaign = %row.id, error = ?e, "could not check a campaign due to start; trying again");
                        continue;
                    }
                }
                match self.system_step(&row, CampaignAction::Start, CampaignStatus::Running, at, None).await {
                    Ok(true) => report.started += 1,
                    Ok(false) => {}
                    Err(e) => tracing::warn!(campaign = %row.id, error = ?e, "a campaign could not be started"),
                }
            }
        }
        for row in self.all_in(CampaignStatus::Running).await? {
            if let Err(e) = self.advance(row.clone(), at, started, &mut report).await {
                tracing::warn!(campaign = %row.id, error = ?e, "a campaign could not be queued or ended");
            }
        }
        loop {
            let batch = self.delivery.deliver_due(now(), DELIVERY_BATCH, caps, self.gateways.channels()).await?;
            (report.sent, report.deferred, report.skipped) =
                (report.sent + batch.sent, report.deferred + batch.deferred, report.skipped + batch.skipped);
            if batch.claimed < DELIVERY_BATCH || started.elapsed() >= PASS_BUDGET {
                break;
            }
        }
        // Reconciled: queued whole, nothing left to send.
        for row in self.all_in(CampaignStatus::Running).await? {
            if row.queued_at.is_none() {
                continue;
            }
            let finished = async {
                Ok::<_, crate::error::AppError>(
                    !self.delivery.any_queued(row.id).await?
                        && self
                            .system_step(&row, CampaignAction::Finish, CampaignStatus::Finished, now(), None)
                            .await?,
                )
            };
            match finished.await {
                Ok(true) => report.finished += 1,
                Ok(false) => {}
                Err(e) => tracing::warn!(campaign = %row.id, error = ?e, "a campaign could not be finished"),
            }
        }
        Ok(report)
    }

    /// Ends a running campaign at its end time (what is left is cancelled with the step), or
    /// queues its audience's next pages within the pass's budget.
    async fn advance(&self, row: CampaignRow, at: i64, started: Instant, report: &mut PassReport) -> AppResult<()> {
        if row.ends_at.is_some_and(|end| end <= at) {
            if self.system_step(&row, CampaignAction::Finish, CampaignStatus::Finished, at, None).await? {
                report.finished += 1;
            }
            return Ok(());
        }
        let mut row = row;
        while row.queued_at.is_none() && started.elapsed() < PASS_BUDGET {
            let (queued, whole) = self.queue_page(&row, at).await?;
            report.queued += queued;
            if whole {
                break;
            }
            // Read again: this instance's mark, or the one another instance moved it to.
            match self.campaigns.campaign(row.id).await? {
                Some(again) if again.status == CampaignStatus::Running => row = again,
                _ => break,
            }
        }
        Ok(())
    }

    /// Runs the sender in the background, every `every` seconds (none when zero).
    pub fn spawn_sender(&self, every: u64, caps: Caps) {
        if every == 0 {
            return;
        }
        let service = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(every)).await;
                match service.sender_pass(caps).await {
                    Ok(r) if r == PassReport::default() => {}
                    Ok(r) => tracing::info!(?r, "campaigns sent"),
                    Err(e) => tracing::warn!(error = ?e, "campaigns could not be sent; trying again later"),
                }
            }
        });
    }
}
