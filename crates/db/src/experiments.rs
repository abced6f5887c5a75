//! A/B experiments and the recommendation lists served.
use async_trait::async_trait;
use uuid::Uuid;

use crate::*;

/// A recommendation list as served, for joining impressions, clicks and purchases to it.
#[derive(Debug, Clone, PartialEq)]
pub struct ServedList {
    pub id: Uuid,
    pub user_id: Option<Uuid>,
    pub placement: String,
    pub algorithm: String,
    pub arm: Option<String>,
    /// The experiment whose arm served it.
    pub experiment: Option<Uuid>,
    pub models: Vec<String>,
    pub served_at: i64,
    /// The store a counter offer was chosen for.
    pub store_id: Option<Uuid>,
}

#[async_trait]
pub trait Experiments: Send + Sync {
    /// Starts an experiment unless one runs at its placement already (then false).
    async fn create_experiment(&self, experiment: portal_api::Experiment) -> DbResult<bool>;
    /// Newest first.
    async fn experiments(&self) -> DbResult<Vec<portal_api::Experiment>>;
    async fn running_experiment(&self, placement: portal_api::Placement) -> DbResult<Option<portal_api::Experiment>>;
    /// Stops a running experiment, making `winner`'s algorithm its placement's default when given,
    /// in one transaction; none when it was not running (stopped meanwhile, or unknown).
    async fn stop_experiment(
        &self,
        id: Uuid,
        winner: Option<(String, String)>,
        now: i64,
    ) -> DbResult<Option<portal_api::Experiment>>;
    async fn placement_default(&self, placement: portal_api::Placement) -> DbResult<Option<String>>;
    /// The people an experiment assigned, holdout included: (arm, person, first served).
    async fn experiment_people(&self, experiment: Uuid) -> DbResult<Vec<(String, Uuid, i64)>>;
    async fn record_served_list(&self, list: ServedList) -> DbResult<()>;
    /// The lists with these ids that were served: (id, to whom, models).
    async fn served_lists(&self, ids: Vec<Uuid>) -> DbResult<Vec<(Uuid, Option<Uuid>, Vec<String>)>>;
}
