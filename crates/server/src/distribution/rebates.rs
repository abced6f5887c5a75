//! Rebates as a service: the order center sets the rules; a dealer (and their business manager)
//! sees what the current periods stand to pay and why; the order center settles a period for
//! every dealer, once. What a period pays is `portal_distribution::rebates`' (sell-through capped
//! by sell-in per SKU by default, so stuffing the channel earns nothing).
use portal_api::*;
use portal_distribution::rebates::{self, period_holding, Basis, RebateRule, Tier};
use uuid::Uuid;

use super::{
    days::{day_of, day_text, midnight, today},
    DistributionService,
};
use crate::{
    auth::Caller,
    common::now,
    db::{FlowSpan, RebateCreditRow},
    error::{AppError, AppResult},
};

/// Dealers settled per page.
const PAGE: u32 = 500;

fn rule_of(view: &RebateRuleView) -> RebateRule {
    RebateRule {
        basis: match view.basis {
            RebateBasis::SoldOnward => Basis::SoldOnward,
            RebateBasis::SellIn => Basis::SellIn,
        },
        tiers: view.tiers.iter().map(|t| Tier { from: t.from, basis_points: t.basis_points }).collect(),
    }
}

fn applies(rule: &RebateRuleView, dealer: Uuid) -> bool {
    rule.dealer_id.is_none_or(|d| d == dealer)
}

impl DistributionService {
    pub async fn create_rebate_rule(&self, caller: &Caller, new: NewRebateRule) -> AppResult<RebateRuleView> {
        caller.require(&[Role::Admin])?;
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > 60 {
            return Err(AppError::field(ErrorCode::InvalidParameter, "name", "A name of 1 to 60 characters."));
        }
        let starts = day_of(&new.starts_on)
            .ok_or_else(|| AppError::field(ErrorCode::InvalidParameter, "starts_on", "A day written YYYY-MM-DD."))?;
        if new.tiers.len() > 20 {
            return Err(AppError::field(ErrorCode::InvalidParameter, "tiers", "At most 20 tiers."));
        }
        if let Some(dealer) = new.dealer_id {
            self.dealer(dealer).await?;
        }
        let view = RebateRuleView {
            id: Uuid::now_v7(),
            name: name.to_owned(),
            basis: new.basis,
            period: new.period,
            tiers: new.tiers,
            paid_as: new.paid_as,
            dealer_id: new.dealer_id,
            starts_on: day_text(starts),
        };
        rebates::check_rule(&rule_of(&view))
            .map_err(|p| AppError::field(ErrorCode::InvalidParameter, "tiers", p.to_string()))?;
        if !self.rebates.put_rebate_rule(view.clone(), caller.user.id, now()).await? {
            return Err(AppError::field(ErrorCode::NameTaken, "name", "A rebate rule has this name already."));
        }
        Ok(view)
    }

    pub async fn rebate_rules(&self, caller: &Caller) -> AppResult<RebateRuleList> {
        caller.require(&[Role::Admin, Role::BusinessManager])?;
        Ok(RebateRuleList { rules: self.rebates.rebate_rules(200).await? })
    }

    /// A rule's figures for a dealer from its start to `last` (inclusive), less what earlier periods paid on.
    async fn standing_of(
        &self,
        dealer: Uuid,
        rule: &RebateRuleView,
        key: &str,
        last: i32,
    ) -> AppResult<RebateStanding> {
        let first = day_of(&rule.starts_on).unwrap_or(last);
        let span = FlowSpan {
            from_at: midnight(first),
            until_at: midnight(last + 1),
            first_day: day_text(first),
            last_day: day_text(last),
        };
        let flows = self.rebates.dealer_flows(dealer, span).await?;
        let credited = self.rebates.credited_basis(dealer, rule.id, key.to_owned()).await?;
        let overflow = |_| AppError::internal();
        let period = rebates::period_of(&flows, credited).map_err(overflow)?;
        let earned = rebates::earned(&rule_of(rule), period).map_err(overflow)?;
        Ok(RebateStanding {
            rule: rule.clone(),
            period: key.to_owned(),
            sell_in: period.sell_in,
            sell_through: period.sell_through,
            basis: earned.basis,
            tier: earned.tier.map(|t| t as u32),
            amount: earned.amount,
            to_next_tier: earned.to_next_tier,
        })
    }

    /// Settles one dealer's period under each rule that applies: (credits booked now, their amount).
    async fn settle_dealer(
        &self,
        dealer: Uuid,
        rules: &[RebateRuleView],
        span: &rebates::PeriodSpan,
    ) -> AppResult<(u32, i64)> {
        let (mut credits, mut amount) = (0u32, 0i64);
        for rule in rules.iter().filter(|r| applies(r, dealer)) {
            let standing = self.standing_of(dealer, rule, &span.key, span.last).await?;
            if standing.amount <= 0 {
                // Below every tier: the basis carries into the next period.
                continue;
            }
            let credit = RebateCreditRow {
                dealer_id: dealer,
                rule_id: rule.id,
                period: span.key.clone(),
                sell_in: standing.sell_in,
                sell_through: standing.sell_through,
                basis: standing.basis,
                tier: standing.tier,
                amount: standing.amount,
                settled_at: now(),
            };
            if self.rebates.settle_rebate(credit).await? {
                credits += 1;
                amount = amount.saturating_add(standing.amount);
            }
        }
        Ok((credits, amount))
    }

    /// What a dealer stands to earn in each rule's current period, and what was settled.
    pub async fn dealer_rebates(&self, caller: &Caller, dealer: Uuid) -> AppResult<DealerRebates> {
        self.standing(caller, dealer).await?;
        let rules = self.rebates.rebate_rules(200).await?;
        let today = today();
        let mut pending = Vec::new();
        for rule in rules.iter().filter(|r| applies(r, dealer)) {
            if day_of(&rule.starts_on).is_some_and(|s| s > today) {
                continue;
            }
            let span = period_holding(rule.period, today);
            pending.push(self.standing_of(dealer, rule, &span.key, today).await?);
        }
        let settled = self
            .rebates
            .rebate_credits(dealer, 100)
            .await?
            .into_iter()
            .map(|c| {
                let rule = rules.iter().find(|r| r.id == c.rule_id);
                RebateCredit {
                    rule_id: c.rule_id,
                    rule_name: rule.map(|r| r.name.clone()).unwrap_or_default(),
                    period: c.period,
                    sell_in: c.sell_in,
                    sell_through: c.sell_through,
                    basis: c.basis,
                    tier: c.tier,
                    amount: c.amount,
                    paid_as: rule.map_or(RebatePaidAs::Credit, |r| r.paid_as),
                    settled_at: c.settled_at,
                }
            })
            .collect();
        Ok(DealerRebates { pending, settled })
    }

    /// Settles the period holding `day` for every rule of that kind and every dealer that supplies
    /// a store, once: a period is settled after it ends, and settling it again books nothing twice.
    pub async fn settle_rebates(&self, caller: &Caller, req: SettleRebates) -> AppResult<SettleReport> {
        caller.require(&[Role::Admin])?;
        let day = day_of(&req.day)
            .ok_or_else(|| AppError::field(ErrorCode::InvalidParameter, "day", "A day written YYYY-MM-DD."))?;
        let span = period_holding(req.period, day);
        if span.last >= today() {
            return Err(AppError::field(ErrorCode::InvalidParameter, "day", "A period is settled after it ends."));
        }
        let rules: Vec<RebateRuleView> = self
            .rebates
            .rebate_rules(200)
            .await?
            .into_iter()
            .filter(|r| r.period == req.period && day_of(&r.starts_on).is_some_and(|s| s <= span.last))
            .collect();
        let mut report = SettleReport { dealers: 0, credits: 0, amount: 0 };
        let rules = std::sync::Arc::new(rules);
        let mut after = None;
        loop {
            let dealers = self.rebates.supplying_dealers(after, PAGE).await?;
            let Some(last) = dealers.last().copied() else { break };
            // Dealers are settled independently (each booked once by its own key), a few at a
            // time: the reads of one wait on the database while another's are answered.
            let mut running = tokio::task::JoinSet::new();
            for dealer in dealers {
                report.dealers += 1;
                if running.len() >= SETTLING_AT_ONCE {
                    add(&mut report, running.join_next().await)?;
                }
                let (service, rules, span) = (self.clone(), rules.clone(), span.clone());
                running.spawn(async move { service.settle_dealer(dealer, &rules, &span).await });
            }
            while let Some(done) = running.join_next().await {
                add(&mut report, Some(done))?;
            }
            after = Some(last);
        }
        Ok(report)
    }
}

/// Dealers settled at once.
const SETTLING_AT_ONCE: usize = 8;

/// Adds a settled dealer's credits to the report.
fn add(
    report: &mut SettleReport,
    done: Option<Result<AppResult<(u32, i64)>, tokio::task::JoinError>>,
) -> AppResult<()> {
    let Some(done) = done else { return Ok(()) };
    let (credits, amount) = done.map_err(|_| AppError::internal())??;
    report.credits += credits;
    report.amount = report.amount.saturating_add(amount);
    Ok(())
}
