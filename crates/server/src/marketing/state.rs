//! What marketing keeps in this instance's memory: the trained recommenders, the placements'
//! serving rules as last read, the lists already recorded, and the passes running here. Each is
//! a cache of the database or a guard, never the record: another instance has its own.
use std::{
    collections::{HashMap, HashSet},
    sync::{atomic::AtomicBool, atomic::AtomicU64, Arc},
};

use uuid::Uuid;

use super::model::Model;

#[derive(Default)]
pub struct MarketingState {
    /// The recommenders as last trained by this instance.
    pub recommender: tokio::sync::RwLock<Option<Arc<Model>>>,
    pub recommender_rebuilding: AtomicBool,
    /// One customer-tag pass at a time on this instance (another instance's may overlap: each
    /// write is atomic and both read the same data).
    pub tag_pass: tokio::sync::Mutex<()>,
    /// One trigger pass at a time on this instance, and the (trigger, fact) pairs it has settled.
    pub trigger_pass: tokio::sync::Mutex<HashMap<(Uuid, String), i64>>,
    /// Each placement's running experiment and default, as read at most `SERVING_RULES_SECS` ago.
    pub serving_rules: std::sync::Mutex<HashMap<portal_api::Placement, ServingRules>>,
    /// Moved on whenever an experiment starts or stops here: a read begun before is not kept.
    pub serving_rules_generation: AtomicU64,
    /// Lists (and counter offers) already recorded by this instance: the same list served again
    /// is not written again.
    pub recorded_lists: std::sync::Mutex<RecordedLists>,
}

/// A placement's running experiment and default algorithm, and when they were read.
pub type ServingRules = (std::time::Instant, Option<portal_api::Experiment>, Option<String>);

/// The ids of lists this instance recorded lately, so that the same anonymous list is written
/// once. Bounded: past `RECORDED_LISTS_MAX` ids it starts again (a list recorded again is a
/// no-op write).
#[derive(Debug, Default)]
pub struct RecordedLists(HashSet<Uuid>);

const RECORDED_LISTS_MAX: usize = 500_000;

impl RecordedLists {
    pub fn contains(&self, id: Uuid) -> bool {
        self.0.contains(&id)
    }

    pub fn insert(&mut self, id: Uuid) {
        if self.0.len() >= RECORDED_LISTS_MAX {
            self.0.clear();
        }
        self.0.insert(id);
    }
}
