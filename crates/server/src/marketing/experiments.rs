//! A/B experiments: operators start one per placement, stop it, and make its winner the default.
use portal_api::{ArmOutcome, ExperimentOutcome};
use portal_api::{
    ErrorCode, Experiment, ExperimentList, ExperimentStatus, NewExperiment, Placement, Role, StopExperiment,
};
use portal_marketing::experiments::{arm_tallies, check, wilson};

/// Experiments whose outcomes the list works out (the newest).
const OUTCOMES_SHOWN: usize = 20;
use uuid::Uuid;

use super::MarketingService;
use crate::{
    auth::Caller,
    common::now,
    error::{AppError, AppResult},
};

/// The recommenders an arm may serve at each placement.
pub fn algorithms(placement: Placement) -> &'static [&'static str] {
    match placement {
        Placement::Home => &[
            "popular",
            "local+popular",
            "item_to_item+popular",
            "als+popular",
            "als+item_to_item+popular",
            "als+item_to_item+local+popular",
        ],
        Placement::Product => &["content", "item_to_item+content"],
        // A counter serves many customers from one promoter's account: nobody to split by.
        Placement::Checkout | Placement::Inbox => &[],
    }
}

impl MarketingService {
    pub async fn start_experiment(&self, caller: &Caller, req: NewExperiment) -> AppResult<Experiment> {
        caller.require(&[Role::Operator, Role::Admin])?;
        let arms: Vec<(String, u32)> = req.arms.iter().map(|a| (a.name.clone(), a.share)).collect();
        check(&req.name, &arms, req.holdout_percent)
            .map_err(|m| AppError::field(ErrorCode::InvalidParameter, "arms", m))?;
        let allowed = algorithms(req.placement);
        if allowed.is_empty() {
            return Err(AppError::field(
                ErrorCode::InvalidParameter,
                "placement",
                "Only the home and product pages are split into experiments (a counter serves many customers from one account; an inbox follows its triggers).",
            ));
        }
        if let Some(bad) = req.arms.iter().find(|a| !allowed.contains(&a.algorithm.as_str())) {
            return Err(AppError::field(
                ErrorCode::InvalidParameter,
                "arms",
                format!("{} is not a recommender of this placement (one of: {})", bad.algorithm, allowed.join(", ")),
            ));
        }
        let experiment = Experiment {
            id: Uuid::now_v7(),
            name: req.name.trim().to_owned(),
            placement: req.placement,
            arms: req
                .arms
                .into_iter()
                .map(|a| portal_api::ExperimentArm { name: a.name.trim().to_owned(), ..a })
                .collect(),
            holdout_percent: req.holdout_percent,
            status: ExperimentStatus::Running,
            started_at: now(),
            stopped_at: None,
            winner: None,
        };
        let created = self.experiments.create_experiment(experiment.clone()).await?;
        self.forget_serving_rules();
        if !created {
            return Err(AppError::new(
                ErrorCode::IdempotencyConflict,
                "An experiment already runs at this placement: stop it first.",
            ));
        }
        Ok(experiment)
    }

    pub async fn experiments(&self, caller: &Caller) -> AppResult<ExperimentList> {
        caller.require(&[Role::Operator, Role::Admin])?;
        let experiments = self.experiments.experiments().await?;
        let shown = &experiments[..experiments.len().min(OUTCOMES_SHOWN)];
        let since = shown.iter().map(|e| e.started_at).min().unwrap_or(0);
        let purchases = if experiments.is_empty() { vec![] } else { self.tags.customer_purchases(since).await? };
        let mut outcomes = Vec::with_capacity(experiments.len());
        // The newest experiments: older ones keep their figures but are not worked out each time.
        for e in shown {
            let people = self.experiments.experiment_people(e.id).await?;
            let arms = arm_tallies(&people, &purchases, e.stopped_at)
                .into_iter()
                .map(|t| {
                    let (buyer_rate_low, buyer_rate_high) = wilson(t.buyers, t.people);
                    ArmOutcome {
                        buyer_rate: if t.people == 0 { 0.0 } else { f64::from(t.buyers) / f64::from(t.people) },
                        buyer_rate_low,
                        buyer_rate_high,
                        arm: t.arm,
                        people: t.people,
                        buyers: t.buyers,
                        revenue: t.revenue,
                    }
                })
                .collect();
            outcomes.push(ExperimentOutcome { experiment_id: e.id, arms });
        }
        Ok(ExperimentList { experiments, outcomes })
    }

    /// Stops a running experiment; its winner's recommender becomes the placement's default.
    pub async fn stop_experiment(&self, caller: &Caller, id: Uuid, req: StopExperiment) -> AppResult<Experiment> {
        caller.require(&[Role::Operator, Role::Admin])?;
        let experiment = self
            .experiments
            .experiments()
            .await?
            .into_iter()
            .find(|e| e.id == id && e.status == ExperimentStatus::Running)
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "No running experiment has this id."))?;
        let winner = match &req.winner {
            None => None,
            Some(name) => {
                let arm = experiment.arms.iter().find(|a| &a.name == name).ok_or_else(|| {
                    AppError::field(
                        ErrorCode::InvalidParameter,
                        "winner",
                        "The winner is one of the experiment's arms.",
                    )
                })?;
                Some((arm.name.clone(), arm.algorithm.clone()))
            }
        };
        let stopped = self.experiments.stop_experiment(id, winner, now()).await?;
        self.forget_serving_rules();
        stopped.ok_or_else(|| AppError::new(ErrorCode::NotFound, "The experiment was stopped meanwhile."))
    }
}
