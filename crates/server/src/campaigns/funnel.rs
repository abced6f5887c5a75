//! A campaign's funnel on the desk: deliveries by state, then people (reached, read, bought since
//! it started) against its holdout, each rate with its interval and the lift with Newcombe's
//! (`portal_campaigns::funnel`), so a small holdout shows as the uncertainty it is.
use portal_api::{CampaignFunnel, GatewayCounts, RateInterval};
use portal_campaigns::funnel::{lift, wilson, Interval};
use uuid::Uuid;

use super::CampaignService;
use crate::error::AppResult;

fn rate(i: Option<Interval>) -> Option<RateInterval> {
    i.map(|i| RateInterval { rate: i.rate, low: i.low, high: i.high })
}

impl CampaignService {
    pub(super) async fn funnel(&self, campaign: Uuid, started: i64, redeemed: u32) -> AppResult<CampaignFunnel> {
        let deliveries = self.delivery.delivery_counts(campaign).await?;
        let people = self.delivery.campaign_outcomes(campaign, started).await?;
        let outside = self.outbound.outbound_counts(campaign).await?;
        Ok(CampaignFunnel {
            queued: deliveries.queued,
            sent: deliveries.sent,
            skipped: deliveries.skipped,
            failed: deliveries.failed,
            cancelled: deliveries.cancelled,
            reached: people.reached,
            opened: people.opened,
            bought: people.reached_bought,
            held_out: people.held_out,
            held_out_bought: people.held_out_bought,
            redeemed,
            gateway: GatewayCounts {
                pending: outside.pending,
                sent: outside.sent,
                delivered: outside.delivered,
                failed: outside.failed,
                cancelled: outside.cancelled,
            },
            opened_rate: rate(wilson(people.opened, people.reached)),
            bought_rate: rate(wilson(people.reached_bought, people.reached)),
            held_out_rate: rate(wilson(people.held_out_bought, people.held_out)),
            lift: rate(lift((people.reached_bought, people.reached), (people.held_out_bought, people.held_out))),
        })
    }
}
