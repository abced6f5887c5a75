//! Recommendations for the screens: the server's when it answers (kept for offline), else the last
//! kept list, else one made from the local catalog.
use super::*;
use crate::recommendations::{self as recs, RecommendationView};

const LOCAL_LIST: usize = 12;

impl PortalApp {
    pub async fn experiments(&self) -> ClientResult<ExperimentList> {
        self.authed(|api, token| async move { api.call(Some(&token), &ep::ListExperiments {}).await }).await
    }

    pub async fn start_experiment(&self, req: NewExperiment) -> ClientResult<Experiment> {
        self.authed(|api, token| {
            let req = req.clone();
            async move { api.call(Some(&token), &ep::StartExperiment { body: req.clone() }).await }
        })
        .await
    }

    pub async fn stop_experiment(&self, id: Uuid, winner: Option<String>) -> ClientResult<Experiment> {
        let req = StopExperiment { winner };
        self.authed(|api, token| {
            let req = req.clone();
            async move { api.call(Some(&token), &ep::StopExperimentNow { id: id, body: req.clone() }).await }
        })
        .await
    }

    /// The trail from recommendation to purchase (operators and admins; online only).
    pub async fn recommendation_report(&self, days: u32) -> ClientResult<RecommendationReport> {
        self.authed(|api, token| async move {
            api.call(Some(&token), &ep::RecommendationReportFor { query: ReportQuery { days: Some(days) } }).await
        })
        .await
    }

    pub async fn recommendations(&self, placement: Placement, model: Option<&str>) -> ClientResult<RecommendationView> {
        let user = self.signed_in_user().ok();
        let model_owned = model.map(str::to_owned);
        let answer = if user.is_some() {
            self.authed(|api, token| {
                let model = model_owned.clone();
                async move {
                    api.call(
                        Some(&token),
                        &ep::Recommendations {
                            query: RecommendationQuery {
                                placement: placement,
                                model: model.as_deref().map(str::to_owned),
                                limit: None,
                            },
                        },
                    )
                    .await
                }
            })
            .await
        } else {
            self.observe(
                self.api()
                    .call(
                        None,
                        &ep::Recommendations {
                            query: RecommendationQuery {
                                placement: placement,
                                model: model.map(str::to_owned),
                                limit: None,
                            },
                        },
                    )
                    .await,
            )
        };
        match answer {
            Ok(list) => {
                let cache = self.cache();
                recs::keep(&cache, user, &list, model)?;
                let products = recs::summaries(&cache, &list.models, model)?;
                return Ok(RecommendationView {
                    id: Some(list.id),
                    algorithm: list.algorithm,
                    products,
                    offline: false,
                });
            }
            Err(e) => tracing::info!(error = %e, "recommendations from this device"),
        }
        let cache = self.cache();
        if let Some(list) = recs::kept(&cache, user, placement, model)? {
            let products = recs::summaries(&cache, &list.models, model)?;
            return Ok(RecommendationView { id: Some(list.id), algorithm: list.algorithm, products, offline: true });
        }
        let models = match (placement, model) {
            (Placement::Product, Some(m)) => recs::local_neighbours(&cache, m, LOCAL_LIST)?,
            _ => {
                let viewed = match user {
                    Some(u) => consumer_day::recent_models(&cache, u)?,
                    None => vec![],
                };
                recs::local_home(&cache, &viewed, LOCAL_LIST)?
            }
        };
        let products = recs::summaries(&cache, &models, model)?;
        Ok(RecommendationView { id: None, algorithm: "local_content".into(), products, offline: true })
    }
}
