//! The recommenders as trained: popularity, item-to-item, content neighbours and ALS factors,
//! trained a page of people at a time from the database (every instance trains from the same
//! data) and served from memory with the blending rules of `portal-marketing`. No request state:
//! `recommender` serves it, `state` keeps it.
use std::{
    collections::{HashMap, HashSet, VecDeque},
    sync::Arc,
};

use portal_api::{EventKind, Placement, Product};
use portal_marketing::{
    als::{AlsParams, Factors},
    bundle,
    interest::{interest, ItemEvent},
    recommend::{self, ItemFacts},
    training::{PersonEvents, Trained, Trainer, TrainingParams},
};
use uuid::Uuid;

use crate::{
    common::now,
    db::Interest,
    db::{
        people::{InterestRow, PeopleRows, StorePurchase},
        Interactions, PersonHistory,
    },
    error::{AppError, AppResult},
};

pub(crate) fn training_params(now: i64) -> TrainingParams {
    TrainingParams {
        now,
        half_life_secs: HALF_LIFE_SECS,
        neighbours: NEIGHBOURS,
        min_people_per_pair: MIN_PEOPLE_PER_PAIR,
        min_people_per_group: MIN_PEOPLE_PER_GROUP,
    }
}

/// Behaviour older than this does not train the recommenders.
pub(crate) const WINDOW_SECS: i64 = 180 * 86_400;
/// Popularity halves every 30 days.
pub(crate) const HALF_LIFE_SECS: i64 = 30 * 86_400;
pub(crate) const NEIGHBOURS: usize = 50;
/// Two products are neighbours only when at least this many people did something with both.
pub(crate) const MIN_PEOPLE_PER_PAIR: u32 = 3;
pub(crate) const PER_CATEGORY_HOME: usize = 3;
pub const LIST_MAX: usize = 24;
/// The most SKUs a cart may hold when asking for a counter offer.
pub(crate) const CART_MAX: usize = 50;

/// One instance's trained recommenders: what every item is and how items relate, never a
/// table of people (a person's own part is read when they are served, `Profile`).
#[derive(Debug, Default, Clone)]
pub struct Model {
    pub built_at: i64,
    pub catalog_version: (String, i64),
    items: Vec<String>,
    /// Model number → item, read for every interest row at training: a fast hash.
    index: HashMap<String, u32, rustc_hash::FxBuildHasher>,
    facts: Vec<ItemFacts>,
    /// Lowest list price per item, for content neighbours.
    price: Vec<i64>,
    popular: Vec<u32>,
    similar: HashMap<u32, Vec<(u32, f64)>>,
    sku_item: HashMap<String, u32, rustc_hash::FxBuildHasher>,
    /// Collaborative filtering: the items' factors.
    als: Factors,
    /// Popularity in each region and customer segment big enough to have one.
    local: HashMap<Group, Vec<u32>>,
    /// People who did something that weighs, at training.
    pub people: usize,
}

/// What one person did, as the trained model reads it when serving them.
#[derive(Debug, Default, Clone)]
pub struct Profile {
    history: Vec<(u32, EventKind)>,
    owned: HashSet<u32>,
    groups: Vec<Group>,
    /// Their collaborative-filtering factors, when anything they did weighs.
    factors: Option<Vec<f64>>,
}

impl Profile {
    /// Whether the person did anything the recommenders learn from.
    pub fn known(&self) -> bool {
        !self.history.is_empty()
    }

    pub fn owns(&self, item: u32) -> bool {
        self.owned.contains(&item)
    }
}

/// A group of people with its own popularity: the city of their latest purchase's store, or a
/// customer tag they carry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Group {
    City(String),
    Segment(Uuid),
}

/// A region or segment has its own popular list only with at least this many people in it.
pub(crate) const MIN_PEOPLE_PER_GROUP: usize = 5;
/// Interest rows of each kind read per page while training.
pub(crate) const TRAINING_PAGE_ROWS: u32 = 20_000;
/// Pages read at once while training (each on a connection of its own on PostgreSQL).
pub(crate) const TRAINING_READERS: usize = 2;
/// Page ends asked for at a time.
pub(crate) const TRAINING_PAGES_PLANNED: u32 = 16;

/// A category's top level (`tv` of `tv.oled`): what the blending rules and the profiles compare.
pub fn top_category(category: &str) -> &str {
    category.split('.').next().unwrap_or(category)
}

/// The home placement's recommender when no experiment or default says otherwise: collaborative
/// filtering and item-to-item interleaved, then what is popular in the person's city and segments,
/// then popularity everywhere to fill.
pub const HOME_DEFAULT: &str = "als+item_to_item+local+popular";

/// The people of `data`, each once, in the order of their ids (as the database's pages hold them).
pub fn people_of(data: Interactions) -> Vec<PersonHistory> {
    let mut rows = PeopleRows::default();
    rows.interest =
        data.events.into_iter().map(|(user, model, kind, at)| (user, InterestRow { model, kind, at })).collect();
    rows.purchases = data.purchases.into_iter().map(|(user, sku, at)| (user, StorePurchase { sku, at })).collect();
    rows.cities = data.regions;
    rows.segments = data.segments;
    rows.assemble()
}

impl Model {
    /// Trains from the database a page of people at a time (memory grows with the catalog and
    /// one compact row per person, never with the events).
    pub async fn build(
        interest: Arc<dyn Interest>,
        catalog_version: (String, i64),
        products: Vec<Product>,
    ) -> AppResult<Self> {
        let now = now();
        let stopped = |e: tokio::task::JoinError| {
            tracing::error!(error = %e, "training the recommenders stopped");
            AppError::internal()
        };
        let mut model = Model::catalog(products, now);
        let mut trainer = Box::new(Trainer::new(model.items.len(), training_params(now)));
        let model_shared = Arc::new(model);
        let started = std::time::Instant::now();
        // Pages are read `TRAINING_READERS` at a time while the one before is added (the database
        // and the tallies overlap), and added in the order of people's ids.
        let since = now - WINDOW_SECS;
        let mut planned: VecDeque<(Option<Uuid>, Option<Uuid>)> = VecDeque::new();
        let (mut planned_to, mut planned_all) = (None, false);
        let mut reading = Reads(VecDeque::new());
        loop {
            while reading.0.len() < TRAINING_READERS {
                if planned.is_empty() && !planned_all {
                    let ends = interest.interest_bounds(planned_to, TRAINING_PAGE_ROWS, TRAINING_PAGES_PLANNED).await?;
                    // No end at all (ids that do not parse): the rest is read as it is.
                    planned_all = ends.rest_fits || ends.ends.is_empty();
                    for end in ends.ends {
                        planned.push_back((planned_to, Some(end)));
                        planned_to = Some(end);
                    }
                    if planned_all {
                        planned.push_back((planned_to, None));
                    }
                }
                let Some((after, through)) = planned.pop_front() else { break };
                let interest = interest.clone();
                reading.0.push_back(tokio::spawn(async move { interest.interest_range(since, after, through).await }));
            }
            let Some(next) = reading.0.pop_front() else { break };
            let people = next.await.map_err(stopped)??;
            let catalog = model_shared.clone();
            trainer = tokio::task::spawn_blocking(move || {
                for person in &people {
                    trainer.add(&catalog.person_events(person));
                }
                trainer
            })
            .await
            .map_err(stopped)?;
        }
        let paged = started.elapsed();
        model = Arc::try_unwrap(model_shared).unwrap_or_else(|shared| Model::clone(&shared));
        let als = AlsParams::default();
        let mut model =
            tokio::task::spawn_blocking(move || model.finish(trainer.finish(&als))).await.map_err(stopped)?;
        tracing::info!(
            people = model.people,
            paging_secs = paged.as_secs_f64(),
            total_secs = started.elapsed().as_secs_f64(),
            "recommenders trained"
        );
        model.catalog_version = catalog_version;
        Ok(model)
    }

    /// Trains every recommender from the catalog and what people did (no I/O: the offline
    /// evaluation trains the very same model on the past).
    pub fn train(products: Vec<Product>, data: Interactions, now: i64, als_params: &AlsParams) -> Self {
        Model::train_people(products, &people_of(data), now, als_params)
    }

    /// The same from people already grouped (`people_of`).
    pub fn train_people(products: Vec<Product>, people: &[PersonHistory], now: i64, als_params: &AlsParams) -> Self {
        let model = Model::catalog(products, now);
        let mut trainer = Trainer::new(model.items.len(), training_params(now));
        for person in people {
            trainer.add(&model.person_events(person));
        }
        model.finish(trainer.finish(als_params))
    }

    /// The catalog part: every product an item.
    fn catalog(products: Vec<Product>, now: i64) -> Self {
        let mut model = Model { built_at: now, ..Default::default() };
        for p in products {
            let id = model.items.len() as u32;
            let top = top_category(&p.category).to_owned();
            model.facts.push(ItemFacts {
                repeatable: bundle::is_accessory(&top),
                category: top,
                withdrawn: p.lifecycle == portal_api::Lifecycle::Discontinued,
            });
            model.price.push(p.skus.iter().map(|s| s.list_price).min().unwrap_or(0));
            for sku in &p.skus {
                model.sku_item.insert(sku.code.clone(), id);
            }
            model.index.insert(p.model.clone(), id);
            model.items.push(p.model);
        }
        model
    }

    fn finish(mut self, trained: Trained<Group>) -> Self {
        self.popular = trained.popular;
        // Items nobody touched yet follow, newest catalog entries last: every product can be served.
        let touched: HashSet<u32> = self.popular.iter().copied().collect();
        self.popular.extend((0..self.items.len() as u32).filter(|i| !touched.contains(i)));
        self.similar = trained.similar;
        self.local = trained.local;
        self.als = trained.als;
        self.people = trained.people;
        self
    }

    /// A person's behaviour in items (products and SKUs not in the catalog left out).
    fn person_events(&self, person: &PersonHistory) -> PersonEvents<Group> {
        let interest = person
            .interest
            .iter()
            .filter_map(|r| Some(ItemEvent { item: self.item(&r.model)?, kind: r.kind, at: r.at }));
        let purchases = person
            .purchases
            .iter()
            .filter_map(|p| Some(ItemEvent { item: self.item_of_sku(&p.sku)?, kind: EventKind::Purchase, at: p.at }));
        let groups = person
            .city
            .iter()
            .map(|c| Group::City(c.clone()))
            .chain(person.segments.iter().map(|t| Group::Segment(*t)));
        let (high, low) = person.user.as_u64_pair();
        let key = portal_marketing::als::SplitMix(high ^ low).next_u64();
        PersonEvents { key, events: interest.chain(purchases).collect(), groups: groups.collect() }
    }

    /// What the model needs of a person to serve them: what they did, own and belong to, and
    /// their factors worked out from it.
    pub fn profile(&self, person: &PersonHistory) -> Profile {
        let events = self.person_events(person);
        let whole = interest(&events.events, self.built_at, 0);
        Profile {
            history: events.events.iter().map(|e| (e.item, e.kind)).collect(),
            owned: events.events.iter().filter(|e| e.kind == EventKind::Purchase).map(|e| e.item).collect(),
            groups: events.groups.into_iter().filter(|g| self.local.contains_key(g)).collect(),
            factors: self.als.fold_in(&whole),
        }
    }

    /// The item of a model number.
    pub fn item(&self, model: &str) -> Option<u32> {
        self.index.get(model).copied()
    }

    pub fn item_of_sku(&self, sku: &str) -> Option<u32> {
        self.sku_item.get(sku).copied()
    }

    pub fn model_of_sku(&self, sku: &str) -> Option<String> {
        self.item_of_sku(sku).map(|i| self.items[i as usize].clone())
    }

    /// The top-level category of a model, and of a SKU.
    pub fn category_of_model(&self, model: &str) -> Option<&str> {
        self.index.get(model).map(|&i| self.facts[i as usize].category.as_str())
    }

    pub fn category_of_sku(&self, sku: &str) -> Option<&str> {
        self.sku_item.get(sku).map(|&i| self.facts[i as usize].category.as_str())
    }

    /// Products that may be recommended (not withdrawn).
    pub fn on_sale(&self) -> usize {
        self.facts.iter().filter(|f| !f.withdrawn).count()
    }

    /// Products of the same category nearest in price: the neighbours of a product nobody has
    /// touched yet (the cold start).
    fn content_neighbours(&self, item: u32, limit: usize) -> Vec<u32> {
        let f = &self.facts[item as usize];
        let price = self.price[item as usize];
        let mut same: Vec<u32> = (0..self.items.len() as u32)
            .filter(|&i| i != item && self.facts[i as usize].category == f.category)
            .collect();
        same.sort_by_key(|&i| ((self.price[i as usize] - price).abs(), i));
        same.truncate(limit);
        same
    }

    /// The person's own candidates by the recommenders `algorithm` names (`als`, `item_to_item`,
    /// joined by `+`), interleaved best first; then, if it names `local`, what is popular in their
    /// city and segments; and the name of what served them (popularity fills the rest, and serves
    /// alone a person nobody knows yet).
    pub fn personal(&self, profile: Option<&Profile>, algorithm: &str, limit: usize) -> (String, Vec<u32>, Vec<u32>) {
        let wants = |part: &str| algorithm.split('+').any(|p| p == part);
        let history = profile.map(|p| p.history.as_slice()).unwrap_or_default();
        let mut used = vec![];
        let mut lists: Vec<Vec<u32>> = vec![];
        // A person whose events weigh nothing (impressions only) has no factors: no ALS list.
        if let Some(x) = profile.and_then(|p| p.factors.as_ref()).filter(|_| wants("als")) {
            let owned = profile.map(|p| &p.owned);
            let ranked = self.als.rank(x, &|i| owned.is_some_and(|o| o.contains(&i)), limit * 4);
            if !ranked.is_empty() {
                used.push("als");
                lists.push(ranked);
            }
        }
        if wants("item_to_item") {
            let neighbours = recommend::personal(history, &self.similar);
            if !neighbours.is_empty() {
                used.push("item_to_item");
                lists.push(neighbours);
            }
        }
        let mut local = vec![];
        if wants("local") {
            let lists: Vec<Vec<u32>> = profile
                .map(|p| p.groups.as_slice())
                .unwrap_or_default()
                .iter()
                .filter_map(|g| self.local.get(g))
                .map(|l| l.iter().take(limit * 2).copied().collect())
                .collect();
            if !lists.is_empty() {
                used.push("local");
                local = interleave(&lists);
            }
        }
        used.push("popular");
        (used.join("+"), interleave(&lists), local)
    }

    /// A list for `placement`: the algorithm that chose it and the models.
    pub fn recommend(
        &self,
        profile: Option<&Profile>,
        placement: Placement,
        model: Option<&str>,
        algorithm: Option<&str>,
        limit: usize,
    ) -> (String, Vec<String>) {
        let facts = |i: u32| self.facts.get(i as usize).cloned();
        let owned = profile.map(|p| p.owned.clone()).unwrap_or_default();
        let (algorithm, items) = match placement {
            Placement::Home => {
                let (algorithm, personal, local) = self.personal(profile, algorithm.unwrap_or(HOME_DEFAULT), limit);
                let items = recommend::blend(
                    &[&personal, &local, &self.popular],
                    &facts,
                    &owned,
                    &HashSet::new(),
                    PER_CATEGORY_HOME,
                    limit,
                );
                (algorithm, items)
            }
            Placement::Product => {
                let Some(&item) = model.and_then(|m| self.index.get(m)) else { return ("none".into(), vec![]) };
                let neighbours: Vec<u32> = if algorithm == Some("content") {
                    vec![]
                } else {
                    self.similar.get(&item).map(|l| l.iter().map(|(i, _)| *i).collect()).unwrap_or_default()
                };
                let content = self.content_neighbours(item, limit * 2);
                let algorithm = if neighbours.is_empty() { "content" } else { "item_to_item+content" };
                let exclude: HashSet<u32> = [item].into();
                (
                    algorithm.to_owned(),
                    recommend::blend(&[&neighbours, &content], &facts, &owned, &exclude, limit, limit),
                )
            }
            // Chosen for a cart and a store's stock (`checkout_offer`), not for a person.
            Placement::Checkout | Placement::Inbox => ("none".to_owned(), vec![]),
        };
        (algorithm, items.into_iter().map(|i| self.items[i as usize].clone()).collect())
    }
}

/// The algorithm of a counter offer served by the server: the cart's neighbours, then the most
/// popular accessories.
pub const CHECKOUT_ALGORITHM: &str = "item_to_item+accessories";

impl Model {
    /// Add-ons to offer with the cart `skus` at a store that has `on_hand` (SKU, units): the SKUs
    /// to offer, best first (for each product, the SKU the store has most of).
    pub fn checkout_offer(&self, skus: &[String], on_hand: &[(String, i64)]) -> Vec<String> {
        // Each product once: a SKU sent many times does not make the cart dearer.
        let mut cart: Vec<u32> = skus.iter().filter_map(|s| self.item_of_sku(s)).collect();
        cart.sort_unstable();
        cart.dedup();
        let cart_value = cart.iter().fold(0i64, |sum, &i| sum.saturating_add(self.price[i as usize]));
        let mut best_sku: HashMap<u32, (&str, i64)> = HashMap::new();
        for (sku, units) in on_hand.iter().filter(|(_, units)| *units > 0) {
            let Some(item) = self.item_of_sku(sku) else { continue };
            let best = best_sku.entry(item).or_insert((sku, *units));
            if (*units, std::cmp::Reverse(sku.as_str())) > (best.1, std::cmp::Reverse(best.0)) {
                *best = (sku, *units);
            }
        }
        let neighbours = bundle::cart_neighbours(&cart, &self.similar);
        let accessories: Vec<u32> =
            self.popular.iter().copied().filter(|&i| self.facts[i as usize].repeatable).collect();
        let facts = |i: u32| {
            let f = self.facts.get(i as usize)?;
            Some(bundle::AddOn {
                category: f.category.clone(),
                accessory: f.repeatable,
                withdrawn: f.withdrawn,
                price: self.price[i as usize],
                on_hand: best_sku.contains_key(&i),
            })
        };
        bundle::choose(&[&neighbours, &accessories], &facts, &cart, cart_value)
            .into_iter()
            .filter_map(|i| best_sku.get(&i).map(|(sku, _)| (*sku).to_owned()))
            .collect()
    }
}

/// An id made of a list's content and the day it is served on: the same list served again that
/// day, on any instance, has the same id (and its row is written once).
pub fn content_id(parts: &[&str], at: i64) -> Uuid {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hash.update(at.div_euclid(86_400).to_le_bytes());
    let digest = hash.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// The lists taken in turn, one item of each at a time, each item once.
pub(crate) fn interleave(lists: &[Vec<u32>]) -> Vec<u32> {
    let mut out = Vec::with_capacity(lists.iter().map(Vec::len).sum());
    let mut seen = HashSet::new();
    for round in 0..lists.iter().map(Vec::len).max().unwrap_or(0) {
        for list in lists {
            if let Some(&item) = list.get(round) {
                if seen.insert(item) {
                    out.push(item);
                }
            }
        }
    }
    out
}

/// Page reads in flight: stopped when training stops early (an error, the caller gone).
struct Reads(VecDeque<tokio::task::JoinHandle<crate::db::DbResult<Vec<PersonHistory>>>>);

impl Drop for Reads {
    fn drop(&mut self) {
        for read in &self.0 {
            read.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_is_shown_what_is_popular_in_their_city_and_segments_before_what_is_popular_everywhere() {
        let now = 1_795_000_000;
        let products = crate::catalog::demo::generate(300, 11, now).products;
        let on_sale: Vec<&Product> = products
            .iter()
            .filter(|p| p.lifecycle != portal_api::Lifecycle::Discontinued && top_category(&p.category) != "accessory")
            .collect();
        // Four products of four categories (the home takes at most three of one).
        let mut picked: Vec<&Product> = vec![];
        for p in &on_sale {
            if picked.iter().all(|q| top_category(&q.category) != top_category(&p.category)) {
                picked.push(p);
            }
        }
        let [shanghai_hit, everywhere_hit, segment_hit, beijing_hit] = [0, 1, 2, 3].map(|i| picked[i].model.clone());
        let mut data = Interactions::default();
        let people = |n: usize, model: &str, city: &str, data: &mut Interactions| {
            (0..n)
                .map(|_| {
                    let u = Uuid::now_v7();
                    data.events.push((u, model.to_owned(), EventKind::Favourite, now - 86_400));
                    data.regions.push((u, city.to_owned()));
                    u
                })
                .collect::<Vec<_>>()
        };
        people(6, &shanghai_hit, "上海", &mut data);
        people(20, &everywhere_hit, "北京", &mut data);
        people(8, &beijing_hit, "北京", &mut data);
        let tag = Uuid::now_v7();
        for u in people(5, &segment_hit, "深圳", &mut data) {
            data.segments.push((u, tag));
        }
        // Someone who bought in Shanghai and carries the tag, with nothing else to go on.
        let me = Uuid::now_v7();
        // Too few people in Guangzhou for a list of their own.
        let lonely = people(1, &beijing_hit, "广州", &mut data)[0];

        let people = people_of(data);
        let model = Model::train_people(
            products.clone(),
            &people,
            now,
            &AlsParams { factors: 4, iterations: 2, ..Default::default() },
        );
        // What their own read gives: no activity, a city and a tag.
        let me = model.profile(&PersonHistory {
            user: me,
            city: Some("上海".into()),
            segments: vec![tag],
            ..Default::default()
        });
        let lonely = model.profile(people.iter().find(|p| p.user == lonely).unwrap());
        let (me, lonely) = (&me, &lonely);
        let (algorithm, mine) = model.recommend(Some(me), Placement::Home, None, None, 10);
        assert_eq!(algorithm, "local+popular");
        assert_eq!(mine[..2], [shanghai_hit.clone(), segment_hit.clone()], "{mine:?}");
        assert_eq!(mine[2], everywhere_hit, "then what is popular everywhere");
        let (algorithm, anyone) = model.recommend(None, Placement::Home, None, None, 10);
        assert_eq!((algorithm.as_str(), anyone[0].as_str()), ("popular", everywhere_hit.as_str()));
        let (_, without) = model.recommend(Some(me), Placement::Home, None, Some("als+item_to_item+popular"), 10);
        assert_eq!(without[0], everywhere_hit, "a recommender without `local` does not use it");
        let (algorithm, _) = model.recommend(Some(lonely), Placement::Home, None, None, 10);
        assert!(!algorithm.contains("local"), "{algorithm}");
    }
}
