//! The behaviour events' contracts: each id kept once under parallel batches, ids bound to their
//! installation and body, the flood limit holding across parallel batches, anonymous events
//! joining the account, history, deletion and consent.
use std::sync::Arc;

use portal_api::{EventKind, IdentityKind, Role, TrackedEvent};
use uuid::Uuid;

use super::{interactions, join_all, user, AT, RACERS};
use crate::{install_limit_key, Database, EventKept, EventToKeep, Ingest, IngestRequest};

/// A batch from `install` counted against the installation's `limit` only.
pub(super) fn request(
    install: Uuid,
    user: Option<Uuid>,
    events: Vec<EventToKeep>,
    limit: u32,
    now: i64,
) -> IngestRequest {
    IngestRequest {
        install_id: install,
        user_id: user,
        events,
        limits: vec![(install_limit_key(install), limit)],
        needed_kinds: vec!["sign_in", "purchase", "offer_accepted"],
        now,
        prepared_at: std::time::Instant::now(),
    }
}

fn event(model: &str) -> EventToKeep {
    event_of(EventKind::ProductView, Some(model))
}

pub(super) fn event_of(kind: EventKind, model: Option<&str>) -> EventToKeep {
    let e = TrackedEvent {
        id: Uuid::now_v7(),
        kind,
        at: AT - 10,
        model: model.map(Into::into),
        models: vec![],
        query: None,
        results: None,
        recommendation: None,
        detail: None,
    };
    let body = serde_json::to_string(&e).unwrap();
    EventToKeep {
        id: e.id,
        kind: e.kind,
        class: "read",
        at: e.at,
        model: e.model.clone(),
        body_hash: crate::body_hash(&e),
        body,
        clock_adjusted: false,
        recommendation: None,
    }
}

fn kept(outcome: Ingest) -> Vec<EventKept> {
    match outcome {
        Ingest::Kept(kept) => kept,
        Ingest::Throttled { .. } => panic!("throttled"),
    }
}

pub async fn consumer(db: &dyn Database, phone: &str) -> Uuid {
    let id = Uuid::now_v7();
    let mut new = user(id, phone, Role::Consumer, None);
    new.identities[0].kind = IdentityKind::Phone;
    db.create_user(new).await.unwrap();
    id
}

pub async fn events_sent_many_times_at_once_are_kept_once(db: Arc<dyn Database>) {
    let me = consumer(&*db, "+8613900000101").await;
    let install = Uuid::now_v7();
    let batch: Vec<EventToKeep> = (0..50).map(|i| event(&format!("M-{i}"))).collect();
    let outcomes = join_all((0..RACERS).map(|_| {
        let (db, batch) = (db.clone(), batch.clone());
        tokio::spawn(
            async move { kept(db.ingest_events(request(install, Some(me), batch, 100_000, AT)).await.unwrap()) },
        )
    }))
    .await;
    for i in 0..batch.len() {
        let new = outcomes.iter().filter(|o| o.as_ref().unwrap()[i] == EventKept::New).count();
        let duplicates = outcomes.iter().filter(|o| o.as_ref().unwrap()[i] == EventKept::Duplicate).count();
        assert_eq!((new, duplicates), (1, RACERS - 1), "event {i}: kept once, the rest duplicates");
    }
    let (_, total) = db.event_history(me, None, 10).await.unwrap();
    assert_eq!(total, 50);
}

pub async fn an_event_id_is_bound_to_its_installation_and_body(db: Arc<dyn Database>) {
    let install = Uuid::now_v7();
    let first = event("A");
    assert_eq!(
        kept(db.ingest_events(request(install, None, vec![first.clone()], 1000, AT)).await.unwrap()),
        [EventKept::New]
    );
    // The same id from another installation, or with another body: refused, nothing overwritten.
    let elsewhere = kept(db.ingest_events(request(Uuid::now_v7(), None, vec![first.clone()], 1000, AT)).await.unwrap());
    let mut changed = event("B");
    changed.id = first.id;
    let other_body = kept(db.ingest_events(request(install, None, vec![changed], 1000, AT)).await.unwrap());
    assert_eq!((elsewhere[0], other_body[0]), (EventKept::Conflict, EventKept::Conflict));
    // The same id twice in one batch: the first kept, the second a duplicate.
    let twice = event("C");
    let outcome = kept(db.ingest_events(request(install, None, vec![twice.clone(), twice], 1000, AT)).await.unwrap());
    assert_eq!(outcome, [EventKept::New, EventKept::Duplicate]);
}

pub async fn the_flood_limit_holds_under_parallel_batches(db: Arc<dyn Database>) {
    let install = Uuid::now_v7();
    const LIMIT: u32 = 1_000;
    const BATCH: usize = 100;
    let outcomes = join_all((0..RACERS).map(|i| {
        let db = db.clone();
        let batch: Vec<EventToKeep> = (0..BATCH).map(|j| event(&format!("F-{i}-{j}"))).collect();
        tokio::spawn(async move { db.ingest_events(request(install, None, batch, LIMIT, AT)).await.unwrap() })
    }))
    .await;
    let passed = outcomes.iter().filter(|o| matches!(o.as_ref().unwrap(), Ingest::Kept(_))).count();
    assert_eq!(passed, LIMIT as usize / BATCH, "exactly the limit's worth of batches got through");
    for o in &outcomes {
        if let Ingest::Throttled { retry_after_secs } = o.as_ref().unwrap() {
            assert!((1..=60).contains(retry_after_secs));
        }
    }
    // The next minute is a new window.
    let later = kept(db.ingest_events(request(install, None, vec![event("G")], LIMIT, AT + 60)).await.unwrap());
    assert_eq!(later, [EventKept::New]);
}

pub async fn anonymous_events_join_the_account_that_signs_in(db: Arc<dyn Database>) {
    let me = consumer(&*db, "+8613900000102").await;
    let someone = consumer(&*db, "+8613900000103").await;
    let (mine, theirs) = (Uuid::now_v7(), Uuid::now_v7());
    db.ingest_events(request(mine, None, vec![event("A"), event("B")], 1000, AT)).await.unwrap();
    db.ingest_events(request(theirs, None, vec![event("C")], 1000, AT)).await.unwrap();
    assert_eq!(db.event_history(me, None, 10).await.unwrap().1, 0, "anonymous until signed in");
    db.ingest_events(request(mine, Some(me), vec![event("D")], 1000, AT)).await.unwrap();
    let (page, total) = db.event_history(me, None, 10).await.unwrap();
    assert_eq!((page.len(), total), (3, 3), "the installation's anonymous events joined");
    // Another account on the same installation takes nothing that is already mine.
    db.ingest_events(request(mine, Some(someone), vec![event("E")], 1000, AT)).await.unwrap();
    assert_eq!(db.event_history(me, None, 10).await.unwrap().1, 3);
    assert_eq!(db.event_history(someone, None, 10).await.unwrap().1, 1);
}

pub async fn history_pages_newest_first_and_deletes_all(db: Arc<dyn Database>) {
    let me = consumer(&*db, "+8613900000104").await;
    let install = Uuid::now_v7();
    let batch: Vec<EventToKeep> = (0..7)
        .map(|i| {
            let mut e = event(&format!("H-{i}"));
            e.at = AT - 100 + (i / 2); // ties on `at`, broken by id
            e
        })
        .collect();
    db.ingest_events(request(install, Some(me), batch, 1000, AT)).await.unwrap();
    let mut seen = Vec::new();
    let mut before = None;
    for _ in 0..10 {
        let (page, total) = db.event_history(me, before, 3).await.unwrap();
        assert_eq!(total, 7);
        if page.is_empty() {
            break;
        }
        for e in &page {
            let sent: TrackedEvent = serde_json::from_str(&e.body).unwrap();
            seen.push((e.at, sent.id));
        }
        before = seen.last().copied();
    }
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first, every event once");
    assert_eq!(seen.len(), 7);
    assert_eq!(db.delete_events(me).await.unwrap(), 7);
    assert_eq!(db.event_history(me, None, 10).await.unwrap().1, 0);

    assert_eq!(db.tracking_consent(me).await.unwrap(), None);
    db.set_tracking_consent(me, false, AT).await.unwrap();
    db.set_tracking_consent(me, false, AT + 1).await.unwrap();
    assert_eq!(db.tracking_consent(me).await.unwrap(), Some((false, AT + 1)));
    db.set_tracking_consent(me, true, AT + 2).await.unwrap();
    assert_eq!(db.tracking_consent(me).await.unwrap(), Some((true, AT + 2)));
}

pub async fn one_event_id_from_many_installations_at_once_is_kept_for_one(db: Arc<dyn Database>) {
    let shared: Vec<EventToKeep> = (0..20).map(|i| event(&format!("S-{i}"))).collect();
    let outcomes = join_all((0..RACERS).map(|i| {
        let db = db.clone();
        // Each installation sends the ids in its own order.
        let mut batch = shared.clone();
        batch.rotate_left(i % shared.len());
        tokio::spawn(async move {
            let ids: Vec<Uuid> = batch.iter().map(|e| e.id).collect();
            let kept = kept(db.ingest_events(request(Uuid::now_v7(), None, batch, 1000, AT)).await.unwrap());
            ids.into_iter().zip(kept).collect::<Vec<_>>()
        })
    }))
    .await;
    for e in &shared {
        let answers: Vec<EventKept> = outcomes
            .iter()
            .flat_map(|o| o.as_ref().unwrap().iter().filter(|(id, _)| *id == e.id).map(|(_, k)| *k))
            .collect();
        let new = answers.iter().filter(|k| **k == EventKept::New).count();
        let conflicts = answers.iter().filter(|k| **k == EventKept::Conflict).count();
        assert_eq!((new, conflicts), (1, RACERS - 1), "kept for one installation, a conflict for the others");
    }
}

pub async fn a_throttled_batch_keeps_and_counts_nothing(db: Arc<dyn Database>) {
    let install = Uuid::now_v7();
    let other_key = "address:192.0.2.1".to_owned();
    let mut over = request(install, None, vec![event("T1"), event("T2")], 10, AT);
    // The installation's counter takes it, the address's does not: neither counts it.
    over.limits.push((other_key.clone(), 1));
    assert!(matches!(db.ingest_events(over).await.unwrap(), Ingest::Throttled { .. }));
    let mut fits = request(install, None, (0..10).map(|i| event(&format!("T-{i}"))).collect(), 10, AT);
    fits.limits.push((other_key, 10));
    assert_eq!(kept(db.ingest_events(fits).await.unwrap()).len(), 10, "the refused batch counted nothing");
}

pub async fn a_declining_account_takes_only_what_the_service_needs(db: Arc<dyn Database>) {
    let me = consumer(&*db, "+8613900000105").await;
    db.set_tracking_consent(me, false, AT).await.unwrap();
    let install = Uuid::now_v7();
    let sign_in = event_of(EventKind::SignIn, None);
    db.ingest_events(request(install, None, vec![event("A"), sign_in], 1000, AT)).await.unwrap();
    db.ingest_events(request(install, Some(me), vec![], 1000, AT)).await.unwrap();
    let (page, total) = db.event_history(me, None, 10).await.unwrap();
    assert_eq!(total, 1, "the anonymous view was deleted, not joined");
    assert!(page[0].body.contains("sign_in"));
}

pub async fn deleting_a_history_leaves_nothing_to_join_again(db: Arc<dyn Database>) {
    let me = consumer(&*db, "+8613900000106").await;
    let someone = consumer(&*db, "+8613900000107").await;
    let (install, theirs) = (Uuid::now_v7(), Uuid::now_v7());
    db.ingest_events(request(install, Some(me), vec![event("A")], 1000, AT)).await.unwrap();
    // Anonymous events of the same installation, sent after the account's (not yet joined).
    db.ingest_events(request(install, None, vec![event("B"), event("C")], 1000, AT)).await.unwrap();
    db.ingest_events(request(theirs, Some(someone), vec![event("D")], 1000, AT)).await.unwrap();
    assert_eq!(db.delete_events(me).await.unwrap(), 3);
    db.ingest_events(request(install, Some(me), vec![], 1000, AT)).await.unwrap();
    assert_eq!(db.event_history(me, None, 10).await.unwrap().1, 0, "nothing came back");
    assert_eq!(db.event_history(someone, None, 10).await.unwrap().1, 1, "another's events stay");
}

pub async fn served_lists_and_their_trail_are_read_back(db: Arc<dyn Database>) {
    let me = consumer(&*db, "+8613900000108").await;
    let list = Uuid::now_v7();
    let experiment = Uuid::now_v7();
    db.record_served_list(crate::ServedList {
        id: list,
        user_id: Some(me),
        placement: "home".into(),
        algorithm: "popular".into(),
        arm: Some("b".into()),
        experiment: Some(experiment),
        models: vec!["A".into(), "B".into()],
        served_at: AT,
        store_id: None,
    })
    .await
    .unwrap();
    // The holdout is served an empty list: it counts among the experiment's people.
    let held_out = consumer(&*db, "+8613900000109").await;
    for (id, served_at) in [(Uuid::now_v7(), AT - 50), (Uuid::now_v7(), AT - 100)] {
        db.record_served_list(crate::ServedList {
            id,
            user_id: Some(held_out),
            placement: "home".into(),
            algorithm: "holdout".into(),
            arm: Some("holdout".into()),
            experiment: Some(experiment),
            models: vec![],
            served_at,
            store_id: None,
        })
        .await
        .unwrap();
    }
    let mut people = db.experiment_people(experiment).await.unwrap();
    people.sort();
    let mut expected = vec![("b".to_owned(), me, AT), ("holdout".to_owned(), held_out, AT - 100)];
    expected.sort();
    assert_eq!(people, expected, "each person once per arm, from when they were first served");
    assert!(db.experiment_people(Uuid::now_v7()).await.unwrap().is_empty());
    let mut shown = event_of(EventKind::RecommendationShown, None);
    shown.recommendation = Some(list);
    let mut clicked = event_of(EventKind::RecommendationClicked, Some("B"));
    clicked.recommendation = Some(list);
    let install = Uuid::now_v7();
    db.ingest_events(request(install, Some(me), vec![shown.clone(), clicked, event("C")], 1000, AT)).await.unwrap();
    // Anonymous events do not train the recommenders.
    db.ingest_events(request(Uuid::now_v7(), None, vec![event("D")], 1000, AT)).await.unwrap();

    let served = db.served_lists(vec![list, Uuid::now_v7()]).await.unwrap();
    assert_eq!(served, [(list, Some(me), vec!["A".to_owned(), "B".to_owned()])], "only lists that were served");
    // The same impression twice counts once, the same click twice once.
    let mut shown_again = event_of(EventKind::RecommendationShown, None);
    shown_again.recommendation = Some(list);
    let mut clicked_again = event_of(EventKind::RecommendationClicked, Some("B"));
    clicked_again.recommendation = Some(list);
    clicked_again.at = AT - 5;
    db.ingest_events(request(install, Some(me), vec![shown_again, clicked_again], 1000, AT)).await.unwrap();
    let facts = db.trail_facts(AT - 86_400, AT + 86_400).await.unwrap();
    use portal_marketing::trail::{Click, Group};
    let group = |algorithm: &str, arm: &str| Group {
        placement: "home".into(),
        algorithm: algorithm.into(),
        experiment: Some(experiment),
        arm: Some(arm.into()),
    };
    let mut served = facts.served.clone();
    served.sort();
    assert_eq!(served, [(group("holdout", "holdout"), 2), (group("popular", "b"), 1)], "lists served, by group");
    assert_eq!(facts.impressions, [(group("popular", "b"), 1)], "the same impression twice is one");
    let first_click = Click { list, group: group("popular", "b"), person: me, model: "B".into(), at: AT - 10 };
    assert_eq!(facts.clicks, [first_click.clone()]);
    // A window after: the week before it still brings its clicks (they may convert in it), but
    // nothing of it happened in the window (the impression was the day before: not a first).
    let later = db.trail_facts(AT + 1, AT + 86_400).await.unwrap();
    assert_eq!(later.clicks, [first_click]);
    assert!(later.impressions.is_empty() && later.served.is_empty());
    assert!(db.trail_facts(AT + 8 * 86_400, AT + 9 * 86_400).await.unwrap().clicks.is_empty(), "from is honoured");
    let before = db.trail_facts(AT - 30 * 86_400, AT - 20 * 86_400).await.unwrap();
    assert!(before.served.is_empty() && before.clicks.is_empty(), "until is honoured");
    assert!(db.customer_purchases(AT - 86_400).await.unwrap().iter().all(|p| p.0 != me), "no sale, no purchase");

    let seen = interactions(&db, AT - 86_400).await;
    let mut models: Vec<&str> = seen.events.iter().filter(|e| e.0 == me).map(|e| e.1.as_str()).collect();
    models.sort();
    assert_eq!(models, ["B", "C"], "one row per (person, product, kind): both clicks are one");
    assert!(seen.events.iter().all(|e| e.1 != "D"));
}

pub async fn one_experiment_runs_per_placement_whatever_starts_at_once(db: Arc<dyn Database>) {
    use portal_api::{Experiment, ExperimentArm, ExperimentStatus, Placement};
    let experiment = |name: String| Experiment {
        id: Uuid::now_v7(),
        name,
        placement: Placement::Home,
        arms: vec![
            ExperimentArm { name: "a".into(), algorithm: "popular".into(), share: 50 },
            ExperimentArm { name: "b".into(), algorithm: "item_to_item+popular".into(), share: 50 },
        ],
        holdout_percent: 10,
        status: ExperimentStatus::Running,
        started_at: AT,
        stopped_at: None,
        winner: None,
    };
    let started = join_all((0..RACERS).map(|i| {
        let (db, e) = (db.clone(), experiment(format!("E{i}")));
        tokio::spawn(async move { db.create_experiment(e).await.unwrap() })
    }))
    .await;
    assert_eq!(started.iter().filter(|s| *s.as_ref().unwrap()).count(), 1, "one starts");
    let running = db.running_experiment(Placement::Home).await.unwrap().expect("it runs");
    assert_eq!(db.running_experiment(Placement::Product).await.unwrap(), None);
    // Stopped from many places at once: stopped once, the winner the default.
    let stops = join_all((0..RACERS).map(|_| {
        let db = db.clone();
        tokio::spawn(async move {
            db.stop_experiment(running.id, Some(("b".into(), "item_to_item+popular".into())), AT + 1).await.unwrap()
        })
    }))
    .await;
    assert_eq!(stops.iter().filter(|s| s.as_ref().unwrap().is_some()).count(), 1, "stopped once");
    assert_eq!(db.placement_default(Placement::Home).await.unwrap().as_deref(), Some("item_to_item+popular"));
    let all = db.experiments().await.unwrap();
    assert_eq!((all.len(), all[0].status, all[0].winner.as_deref()), (1, ExperimentStatus::Stopped, Some("b")));
    assert!(db.create_experiment(experiment("next".into())).await.unwrap(), "another may start now");
}

pub async fn the_reports_days_seal_once_and_in_order_whatever_seals_at_once(db: Arc<dyn Database>) {
    use portal_marketing::trail::TrailRow;
    let day = portal_marketing::trail::day_start(AT);
    let next = day + 86_400;
    let row = |placement: &str, arm: Option<&str>, experiment: Option<Uuid>, lists: u32| TrailRow {
        placement: placement.into(),
        algorithm: "popular".into(),
        arm: arm.map(str::to_owned),
        experiment,
        lists,
        impressions: 2 * lists,
        clicks: lists,
        clicked_lists: lists,
        conversions: 1,
        revenue: 99_00,
    };
    let experiment = Uuid::now_v7();
    let rows = vec![row("home", None, None, 3), row("home", Some("b"), Some(experiment), 4)];
    assert_eq!(db.trail_sealed_until().await.unwrap(), None);
    let sealed = join_all((0..RACERS).map(|_| {
        let (db, rows) = (db.clone(), rows.clone());
        tokio::spawn(async move { db.seal_trail_day(day, next, rows).await.unwrap() })
    }))
    .await;
    assert_eq!(sealed.into_iter().filter(|s| *s.as_ref().unwrap()).count(), 1, "one instance seals a day");
    assert_eq!(db.trail_sealed_until().await.unwrap(), Some(next));
    assert!(!db.seal_trail_day(day, next, rows.clone()).await.unwrap(), "sealed already");
    assert!(!db.seal_trail_day(next + 86_400, next + 2 * 86_400, rows.clone()).await.unwrap(), "a day is skipped");
    let today = portal_marketing::trail::day_start(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64,
    );
    assert!(!db.seal_trail_day(next, today, vec![]).await.unwrap(), "a day that may still change");
    assert!(db.seal_trail_day(next, next + 86_400, vec![row("product", None, None, 1)]).await.unwrap());
    let mut both = db.trail_days(day, next + 86_400).await.unwrap();
    both.sort_by_key(|r| (r.placement.clone(), r.arm.clone()));
    assert_eq!(both, [rows[0].clone(), rows[1].clone(), row("product", None, None, 1)]);
    assert_eq!(db.trail_days(next, next + 86_400).await.unwrap(), [row("product", None, None, 1)]);
}
