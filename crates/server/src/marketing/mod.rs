//! Precision marketing: behaviour events, customer tags, recommenders and their experiments, the
//! recommendation trail, triggered messages and the inbox, and the unified customer view. The
//! rules are in `portal-marketing`; this module reads and writes through its storage traits.
pub mod customer_view;
pub mod evaluation;
pub mod events;
pub mod experiments;
pub mod model;
pub mod planted;
pub mod recommender;
pub mod state;
pub mod tags;
pub mod triggers;

use std::sync::Arc;

use crate::{
    catalog::CatalogService,
    config::Config,
    db::{Database, Events, Experiments, Interest, StoreOps, Tags, Trail, Triggers},
    org::OrgService,
};

/// Marketing as a service. It sees the storage of events, interest, experiments, the trail,
/// triggers and tags, and a store's stock (what a counter offer may suggest); it asks the
/// catalog for products and prices and the organisation for a store's scope. What it keeps in
/// this instance's memory is in `state`, shared by clones.
#[derive(Clone)]
pub struct MarketingService {
    events: Arc<dyn Events>,
    interest: Arc<dyn Interest>,
    experiments: Arc<dyn Experiments>,
    trail: Arc<dyn Trail>,
    triggers: Arc<dyn Triggers>,
    tags: Arc<dyn Tags>,
    stock: Arc<dyn StoreOps>,
    catalog: CatalogService,
    org: OrgService,
    config: Arc<Config>,
    pub state: Arc<state::MarketingState>,
}

impl MarketingService {
    pub fn new(db: &Arc<dyn Database>, catalog: CatalogService, org: OrgService, config: Arc<Config>) -> Self {
        Self {
            events: db.clone(),
            interest: db.clone(),
            experiments: db.clone(),
            trail: db.clone(),
            triggers: db.clone(),
            tags: db.clone(),
            stock: db.clone(),
            catalog,
            org,
            config,
            state: Default::default(),
        }
    }
}
