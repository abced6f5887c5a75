//! The recommenders as trained for this instance: popularity, item-to-item and content
//! neighbours, rebuilt from the database on a schedule (every instance trains from the same data),
//! and served from memory with the blending rules of `portal-marketing`.
use std::sync::{atomic::Ordering, Arc};

use portal_api::{
    CheckoutOffer, CheckoutOfferRequest, ErrorCode, Placement, RecommendationList, RecommendationReport,
    RecommendationReportRow, Role,
};
use portal_marketing::{
    experiments::{assign, wilson, Assignment},
    trail,
};
use uuid::Uuid;

use super::model::*;
use super::MarketingService;
use crate::{
    auth::Caller,
    common::now,
    db::ServedList,
    error::{AppError, AppResult},
};

/// How long an instance serves from what it last read of a placement's experiment and default:
/// an experiment started or stopped on another instance takes effect here within this time (at
/// once on the instance it was started or stopped on).
pub const SERVING_RULES_SECS: u64 = 2;

impl MarketingService {
    /// The placement's running experiment and its default recommender, read again when older
    /// than `SERVING_RULES_SECS` (two reads less on every list served).
    async fn serving_rules(&self, placement: Placement) -> AppResult<(Option<portal_api::Experiment>, Option<String>)> {
        let fresh = std::time::Duration::from_secs(SERVING_RULES_SECS);
        if let Some((at, running, default)) = self.state.serving_rules.lock().expect("not poisoned").get(&placement) {
            if at.elapsed() < fresh {
                return Ok((running.clone(), default.clone()));
            }
        }
        // Stamped when the reads begin, and kept only if no experiment started or stopped here meanwhile.
        let (read_at, generation) =
            (std::time::Instant::now(), self.state.serving_rules_generation.load(Ordering::Acquire));
        let running = self.experiments.running_experiment(placement).await?;
        let default = self.experiments.placement_default(placement).await?;
        let mut cache = self.state.serving_rules.lock().expect("not poisoned");
        if self.state.serving_rules_generation.load(Ordering::Acquire) == generation {
            cache.insert(placement, (read_at, running.clone(), default.clone()));
        }
        Ok((running, default))
    }

    /// What `trained` needs of a person to serve them, read now.
    pub async fn person_profile(&self, trained: &Model, user: Uuid) -> AppResult<Profile> {
        Ok(trained.profile(&self.interest.person_history(user, now() - WINDOW_SECS).await?))
    }

    /// Forgets what was read of the placements' rules (an experiment started or stopped here).
    pub fn forget_serving_rules(&self) {
        let mut cache = self.state.serving_rules.lock().expect("not poisoned");
        self.state.serving_rules_generation.fetch_add(1, Ordering::AcqRel);
        cache.clear();
    }
}

/// Sets a flag down when dropped.
struct Lowered<'a>(&'a std::sync::atomic::AtomicBool);

impl Drop for Lowered<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl MarketingService {
    /// The trail from recommendation to purchase over the last `days` (operators and admins).
    pub async fn recommendation_report(&self, caller: &Caller, days: u32) -> AppResult<RecommendationReport> {
        caller.require(&[Role::Operator, Role::Admin])?;
        let now = now();
        // The sealed days from their roll-up, the days still open read raw (a few at most).
        let window = trail::report_window(now - i64::from(days) * 86_400, self.trail.trail_sealed_until().await?);
        let sealed = match window.sealed {
            Some((from, until)) => self.trail.trail_days(from, until).await?,
            None => vec![],
        };
        let facts = self.trail.trail_facts(window.open_from, now + 1).await?;
        let book = self.catalog.price_book().await?;
        let open = trail::trail(&facts, window.open_from, |sku| book.model_of_sku.get(sku).cloned());
        let rows = trail::merge(sealed.into_iter().chain(open));
        Ok(RecommendationReport {
            since: window.from,
            attribution_days: (trail::ATTRIBUTION_WINDOW_SECS / 86_400) as u32,
            rows: rows
                .into_iter()
                .map(|r| {
                    let (click_rate_low, click_rate_high) = wilson(r.clicked_lists, r.impressions);
                    let (conversion_rate_low, conversion_rate_high) = wilson(r.conversions, r.clicks);
                    (r, click_rate_low, click_rate_high, conversion_rate_low, conversion_rate_high)
                })
                .map(|(r, click_rate_low, click_rate_high, conversion_rate_low, conversion_rate_high)| {
                    RecommendationReportRow {
                        click_rate: r.click_rate(),
                        click_rate_low,
                        click_rate_high,
                        conversion_rate: r.conversion_rate(),
                        conversion_rate_low,
                        conversion_rate_high,
                        placement: r.placement,
                        algorithm: r.algorithm,
                        arm: r.arm,
                        experiment: r.experiment,
                        lists: r.lists,
                        impressions: r.impressions,
                        clicks: r.clicks,
                        clicked_lists: r.clicked_lists,
                        conversions: r.conversions,
                        revenue: r.revenue,
                    }
                })
                .collect(),
        })
    }

    /// Rolls the report's ended days up, each once (whichever instance seals it first; another may
    /// have worked the same day out meanwhile, and throws it away), from the last sealed day or,
    /// before any, from the first day the longest report covers: how many days it sealed. Each day
    /// is read counted by group, with the clicks and purchases of the week before it.
    pub async fn roll_up_report(&self) -> AppResult<u32> {
        let now = now();
        let earliest = now - i64::from(trail::REPORT_DAYS_MAX + 1) * 86_400;
        let book = self.catalog.price_book().await?;
        let mut sealed = 0;
        for day in trail::days_to_seal(self.trail.trail_sealed_until().await?, earliest, now) {
            let next = day + 86_400;
            let facts = self.trail.trail_facts(day, next).await?;
            let rows = trail::trail(&facts, day, |sku| book.model_of_sku.get(sku).cloned());
            if !self.trail.seal_trail_day(day, next, rows).await? {
                break;
            }
            sealed += 1;
        }
        Ok(sealed)
    }

    /// Trains the recommenders from the database and the catalog as they are now.
    pub async fn build_recommender(&self) -> AppResult<Model> {
        Model::build(self.interest.clone(), self.catalog.version().await?, self.catalog.catalog_products().await?).await
    }

    /// The trained recommenders: built on first use, rebuilt in the background when older than
    /// the configured age (the old model serves meanwhile).
    pub async fn recommender(&self) -> AppResult<Arc<Model>> {
        let current = self.state.recommender.read().await.clone();
        match current {
            None => {
                let mut slot = self.state.recommender.write().await;
                if let Some(model) = slot.as_ref() {
                    return Ok(model.clone());
                }
                let model = Arc::new(self.build_recommender().await?);
                *slot = Some(model.clone());
                Ok(model)
            }
            Some(model) => {
                let stale = now() - model.built_at >= self.config.recommender_max_age_secs as i64;
                if stale && !self.state.recommender_rebuilding.swap(true, Ordering::AcqRel) {
                    let marketing = self.clone();
                    tokio::spawn(async move {
                        // Lowered however the build ends (a panic included), so rebuilding never stops.
                        let _done = Lowered(&marketing.state.recommender_rebuilding);
                        match marketing.build_recommender().await {
                            Ok(fresh) => *marketing.state.recommender.write().await = Some(Arc::new(fresh)),
                            Err(e) => {
                                tracing::warn!(error = ?e, "the recommenders could not be rebuilt");
                                // The old model serves on; the next try waits a minute, not a request.
                                let mut slot = marketing.state.recommender.write().await;
                                if let Some(old) = slot.as_ref() {
                                    let retry_at = now() - marketing.config.recommender_max_age_secs as i64 + 60;
                                    // The same model stamped later: a failed rebuild waits before the next.
                                    let mut again = Model::clone(old);
                                    again.built_at = retry_at.max(old.built_at);
                                    *slot = Some(Arc::new(again));
                                }
                            }
                        }
                    });
                }
                Ok(model)
            }
        }
    }

    /// The bundle offer for a cart at a store's counter (its promoters, managers and
    /// administrators), recorded as a list at the `checkout` placement. An empty offer is not
    /// recorded: the counter shows nothing.
    pub async fn checkout_offer(
        &self,
        caller: &Caller,
        store: Uuid,
        req: CheckoutOfferRequest,
    ) -> AppResult<CheckoutOffer> {
        self.org.check_store_scope(caller, store).await?;
        if req.skus.is_empty()
            || req.skus.len() > CART_MAX
            || req.skus.iter().any(|s| s.trim().is_empty() || s.len() > 64)
        {
            return Err(AppError::field(
                ErrorCode::InvalidParameter,
                "skus",
                format!("A cart holds 1 to {CART_MAX} SKUs, each of 1 to 64 characters."),
            ));
        }
        let trained = self.recommender().await?;
        let on_hand = self.stock.store_on_hand(store).await?;
        let skus = trained.checkout_offer(&req.skus, &on_hand);
        // A cart changed again and again while the customer decides is offered the same add-ons:
        // one list per store, offer and day, recorded once, not one per cart change.
        let served_at = now();
        let id = content_id(&["checkout", &store.to_string(), &skus.join("\u{1f}")], served_at);
        let offer = CheckoutOffer { id, algorithm: CHECKOUT_ALGORITHM.to_owned(), skus };
        if !offer.skus.is_empty() {
            let models = offer.skus.iter().filter_map(|s| trained.model_of_sku(s)).collect();
            self.record_once(ServedList {
                id: offer.id,
                user_id: None,
                placement: Placement::Checkout.as_str().into(),
                algorithm: offer.algorithm.clone(),
                arm: None,
                experiment: None,
                models,
                served_at,
                store_id: Some(store),
            })
            .await?;
        }
        Ok(offer)
    }

    /// Records `list` unless this instance recorded the same list already; true when it wrote.
    async fn record_once(&self, list: ServedList) -> AppResult<bool> {
        if self.state.recorded_lists.lock().expect("not poisoned").contains(list.id) {
            return Ok(false);
        }
        let id = list.id;
        self.experiments.record_served_list(list).await?;
        self.state.recorded_lists.lock().expect("not poisoned").insert(id);
        Ok(true)
    }

    /// A list for the caller (or an anonymous visitor) at `placement`, recorded with its id: an id
    /// made of who it is for, its content and the day, so that the same list served again (to
    /// everyone anonymous until the recommenders are retrained, or to one person asking again) is
    /// recorded once, not once per request.
    pub async fn recommendations(
        &self,
        caller: Option<&Caller>,
        placement: Placement,
        model: Option<&str>,
        limit: usize,
    ) -> AppResult<RecommendationList> {
        let trained = self.recommender().await?;
        let user = caller.map(|c| c.user.id);
        // A running experiment splits signed-in people into its arms (and a holdout that gets
        // nothing); everyone else gets the placement's default (a past experiment's winner).
        let (running, default) = self.serving_rules(placement).await?;
        let experiment = if user.is_some() { running } else { None };
        let (arm, chosen) = match (&experiment, user) {
            (Some(e), Some(u)) => {
                let shares: Vec<u32> = e.arms.iter().map(|a| a.share).collect();
                match assign(e.id, u, e.holdout_percent, &shares) {
                    Assignment::Holdout => (Some("holdout".to_owned()), None),
                    Assignment::Arm(i) => (Some(e.arms[i].name.clone()), Some(e.arms[i].algorithm.clone())),
                }
            }
            _ => (None, default),
        };
        let (algorithm, models) = if arm.as_deref() == Some("holdout") {
            ("holdout".to_owned(), vec![])
        } else {
            // What the person did, read now: what they did since training counts at once.
            let profile = match user {
                Some(u) => Some(self.person_profile(&trained, u).await?),
                None => None,
            };
            trained.recommend(profile.as_ref(), placement, model, chosen.as_deref(), limit.clamp(1, LIST_MAX))
        };
        let served_at = now();
        let experiment = experiment.as_ref().filter(|_| arm.is_some()).map(|e| e.id);
        // The same list to the same person (or to anyone anonymous) the same day is one row,
        // however often it is asked for: a client asking again and again writes nothing more.
        let who = user.map(|u| u.to_string()).unwrap_or_default();
        let within = experiment.map(|e| e.to_string()).unwrap_or_default();
        let id = content_id(
            &[
                &who,
                placement.as_str(),
                &algorithm,
                arm.as_deref().unwrap_or_default(),
                &within,
                &models.join("\u{1f}"),
            ],
            served_at,
        );
        let list = RecommendationList { id, placement, algorithm, arm, models };
        self.record_once(ServedList {
            id: list.id,
            user_id: user,
            placement: placement.as_str().into(),
            algorithm: list.algorithm.clone(),
            arm: list.arm.clone(),
            experiment,
            models: list.models.clone(),
            served_at,
            store_id: None,
        })
        .await?;
        Ok(list)
    }
}
