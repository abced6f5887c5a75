//! Marketing data that stays bounded and forgets on request, on every backend: interest
//! aggregated per (person, product, kind) as events arrive (a flood is one row), a person's
//! deletion taking what was derived from their behaviour, clicks needing their list shown, and
//! retention deleting what expired and nothing else.
use super::*;

fn at(mut e: EventToKeep, when: i64) -> EventToKeep {
    e.at = when;
    e
}

fn shown(list: Uuid) -> EventToKeep {
    let mut e = event_of(EventKind::RecommendationShown, None);
    e.recommendation = Some(list);
    e
}

fn list(id: Uuid, user: Option<Uuid>, served_at: i64) -> ServedList {
    ServedList {
        id,
        user_id: user,
        placement: "home".into(),
        algorithm: "popular".into(),
        arm: None,
        experiment: None,
        models: vec!["P".into()],
        served_at,
        store_id: None,
    }
}

pub async fn a_flood_of_one_persons_events_trains_as_one_row_per_kind(db: Arc<dyn Database>) {
    let me = consumer(&*db, "+8613900000151").await;
    let install = Uuid::now_v7();
    // Before sign-in: 10 views of P, anonymous; then 25 favourites of P in parallel batches.
    let views: Vec<EventToKeep> =
        (0..10).map(|i| at(event_of(EventKind::ProductView, Some("P")), AT - 100 + i)).collect();
    db.ingest_events(request(install, None, views, 10_000, AT)).await.unwrap();
    assert!(interactions(&db, 0).await.events.is_empty(), "anonymous events train nothing");
    let outcomes = join_all((0..RACERS).map(|i| {
        let db = db.clone();
        let favourite = at(event_of(EventKind::Favourite, Some("P")), AT - 50 + i as i64);
        tokio::spawn(async move { db.ingest_events(request(install, Some(me), vec![favourite], 10_000, AT)).await })
    }))
    .await;
    assert!(outcomes.iter().all(|o| o.as_ref().is_ok_and(|r| r.is_ok())), "{outcomes:?}");
    let mut rows = interactions(&db, 0).await.events;
    rows.sort_by_key(|r| r.2.as_str());
    assert_eq!(
        rows,
        [
            (me, "P".to_owned(), EventKind::Favourite, AT - 50 + RACERS as i64 - 1),
            (me, "P".to_owned(), EventKind::ProductView, AT - 91),
        ],
        "one row per kind, at its latest event, the anonymous views joined at sign-in"
    );
    assert_eq!(interactions(&db, AT - 60).await.events.len(), 1, "read from `since` on");
}

pub async fn a_click_needs_its_list_shown_to_the_same_sender(db: Arc<dyn Database>) {
    let me = consumer(&*db, "+8613900000152").await;
    let (install, other_install) = (Uuid::now_v7(), Uuid::now_v7());
    let (seen, unseen, anonymous) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    db.ingest_events(request(install, Some(me), vec![shown(seen)], 100, AT)).await.unwrap();
    db.ingest_events(request(other_install, None, vec![shown(anonymous)], 100, AT)).await.unwrap();
    let lists = vec![seen, unseen, anonymous];
    let mut mine = db.shown_lists(lists.clone(), Some(me), Uuid::now_v7()).await.unwrap();
    mine.sort();
    assert_eq!(mine, [seen], "the account's impressions, from any installation");
    assert_eq!(db.shown_lists(lists.clone(), None, other_install).await.unwrap(), [anonymous]);
    assert!(db.shown_lists(lists, None, Uuid::now_v7()).await.unwrap().is_empty(), "nobody else's");
}

pub async fn deleting_a_history_takes_what_was_derived_from_it(db: Arc<dyn Database>) {
    let me = consumer(&*db, "+8613900000153").await;
    let someone = consumer(&*db, "+8613900000154").await;
    let install = Uuid::now_v7();
    db.ingest_events(request(install, Some(me), vec![event_of(EventKind::Favourite, Some("P"))], 100, AT))
        .await
        .unwrap();
    db.ingest_events(request(Uuid::now_v7(), Some(someone), vec![event_of(EventKind::Favourite, Some("Q"))], 100, AT))
        .await
        .unwrap();
    let (mine, theirs) = (Uuid::now_v7(), Uuid::now_v7());
    db.record_served_list(list(mine, Some(me), AT)).await.unwrap();
    db.record_served_list(list(theirs, Some(someone), AT)).await.unwrap();
    let serving_me = Uuid::now_v7();
    db.grant_counter_view(serving_me, me, None, AT + 600).await.unwrap();
    let promoter = Uuid::now_v7();
    db.grant_counter_view(promoter, someone, None, AT + 600).await.unwrap();
    let trigger = Trigger {
        id: Uuid::now_v7(),
        name: format!("after a purchase {}", Uuid::now_v7()),
        kind: TriggerKind::AfterPurchase,
        title_zh: "标题".into(),
        title_en: "Title".into(),
        body_zh: "正文".into(),
        body_en: "Body".into(),
        cooldown_days: 1,
        active: true,
        created_at: AT,
        active_since: AT,
        sent: 0,
    };
    assert!(db.create_trigger(trigger.clone(), me).await.unwrap());
    for user in [me, someone] {
        let message = InboxRow {
            id: Uuid::now_v7(),
            user_id: user,
            trigger_id: trigger.id,
            fact_key: "sale".into(),
            kind: TriggerKind::AfterPurchase,
            title_zh: "为您".into(),
            title_en: "For you".into(),
            body_zh: "配件".into(),
            body_en: "Accessories".into(),
            recommendation: Uuid::now_v7(),
            models: vec!["P".into()],
            link: None,
            created_at: AT,
            fact_at: AT,
            trigger_name: trigger.name.clone(),
        };
        assert_eq!(db.send_inbox(vec![message], 86_400).await.unwrap(), [true]);
    }

    db.delete_events(me).await.unwrap();

    let trained: Vec<Uuid> = interactions(&db, 0).await.events.into_iter().map(|e| e.0).collect();
    assert_eq!(trained, [someone], "the deleted person's interests went with their events");
    assert!(db.inbox(me, 50).await.unwrap().messages.is_empty(), "messages chosen from the deleted behaviour");
    assert_eq!(db.inbox(someone, 50).await.unwrap().messages.len(), 1, "nobody else's");
    let record = db.customer_record(me, 50).await.unwrap();
    assert!(record.lists.is_empty() && record.clicks.is_empty(), "no list is theirs any more");
    assert_eq!(db.customer_record(someone, 50).await.unwrap().lists.len(), 2, "their list and their message's");
    let served = db.served_lists(vec![mine]).await.unwrap();
    assert_eq!(served.len(), 1, "the report keeps counting the list");
    assert_eq!(served[0].1, None, "detached from the person");
    assert_eq!(db.counter_view_until(promoter, someone, None, AT).await.unwrap(), Some(AT + 600));
    assert_eq!(db.counter_view_until(serving_me, me, None, AT).await.unwrap(), None, "grants to see them went too");
}

pub async fn retention_deletes_what_expired_and_nothing_else(db: Arc<dyn Database>) {
    let me = consumer(&*db, "+8613900000155").await;
    let day = 86_400;
    let retention = Retention {
        events_secs: 400 * day,
        anonymous_events_secs: 30 * day,
        interest_secs: 200 * day,
        lists_secs: 120 * day,
        inbox_secs: 180 * day,
        report_secs: 1_500 * day,
    };
    let now = AT + 1_000 * day;
    // Old and new events of a known person and of nobody; more old ones than one batch deletes.
    let old: Vec<EventToKeep> = (0..(RETENTION_BATCH as usize + 7))
        .map(|i| at(event_of(EventKind::ProductView, Some(&format!("OLD-{}", i % 3))), now - 500 * day))
        .collect();
    for chunk in old.chunks(500) {
        db.ingest_events(request(Uuid::now_v7(), Some(me), chunk.to_vec(), 100_000, now - 500 * day)).await.unwrap();
    }
    let fresh = at(event_of(EventKind::Favourite, Some("NEW")), now - day);
    db.ingest_events(request(Uuid::now_v7(), Some(me), vec![fresh], 100, now - day)).await.unwrap();
    db.ingest_events(request(
        Uuid::now_v7(),
        None,
        vec![event_of(EventKind::ProductView, Some("A"))],
        100,
        now - 40 * day,
    ))
    .await
    .unwrap();
    db.ingest_events(request(Uuid::now_v7(), None, vec![event_of(EventKind::ProductView, Some("B"))], 100, now - day))
        .await
        .unwrap();
    let (old_list, new_list) = (Uuid::now_v7(), Uuid::now_v7());
    db.record_served_list(list(old_list, Some(me), now - 121 * day)).await.unwrap();
    db.record_served_list(list(new_list, Some(me), now - 119 * day)).await.unwrap();
    db.grant_counter_view(Uuid::now_v7(), me, None, now - 1).await.unwrap();
    let live = Uuid::now_v7();
    db.grant_counter_view(live, me, None, now + 600).await.unwrap();

    // The report's days (sealed in the past: never a day that may still change): one past the
    // retention, one within it.
    let old_day = portal_marketing::trail::day_start(now - 1_501 * day);
    let report_row = portal_marketing::trail::TrailRow { placement: "home".into(), lists: 1, ..Default::default() };
    assert!(db.seal_trail_day(old_day, AT - 100 * day, vec![report_row.clone()]).await.unwrap());
    assert!(db.seal_trail_day(AT - 100 * day, AT - 99 * day, vec![report_row.clone()]).await.unwrap());

    let counts = db.prune_marketing(retention, now).await.unwrap();
    assert_eq!(counts.report_days, 1);
    assert_eq!(db.trail_days(0, now).await.unwrap(), [report_row]);
    assert_eq!(counts.events, RETENTION_BATCH as usize + 7, "in batches, until none is left");
    assert_eq!(counts.anonymous_events, 1);
    assert_eq!(counts.interest, 3, "OLD-0, OLD-1, OLD-2");
    assert_eq!(counts.lists, 1);
    assert_eq!(counts.counter_grants, 1);
    let (history, total) = db.event_history(me, None, 10).await.unwrap();
    assert_eq!((history.len(), total), (1, 1), "the fresh favourite stays");
    let trained = interactions(&db, 0).await.events;
    assert_eq!(trained.iter().map(|e| e.1.as_str()).collect::<Vec<_>>(), ["NEW"]);
    assert_eq!(db.served_lists(vec![old_list, new_list]).await.unwrap().len(), 1);
    assert_eq!(db.counter_view_until(live, me, None, now).await.unwrap(), Some(now + 600));
    // Again: nothing more to delete.
    assert_eq!(db.prune_marketing(retention, now).await.unwrap(), RetentionCounts::default());
}

pub async fn a_month_of_events_past_the_retention_goes_whole_and_a_resent_event_is_found(db: Arc<dyn Database>) {
    let me = consumer(&*db, "+8613900000157").await;
    let day = 86_400;
    let retention = Retention {
        events_secs: 400 * day,
        anonymous_events_secs: 30 * day,
        interest_secs: 200 * day,
        lists_secs: 120 * day,
        inbox_secs: 400 * day,
        report_secs: 800 * day,
    };
    let t = AT + 3_000 * day;
    // A pass makes the coming months ready (on PostgreSQL, each month's partition).
    db.prune_marketing(retention, t).await.unwrap();
    let when = t + 35 * day;
    let events: Vec<EventToKeep> =
        (0..20).map(|i| at(event_of(EventKind::ProductView, Some(&format!("M-{}", i % 4))), when + i)).collect();
    let install = Uuid::now_v7();
    let outcome = db.ingest_events(request(install, Some(me), events.clone(), 1_000, when + 60)).await.unwrap();
    assert_eq!(outcome, Ingest::Kept(vec![EventKept::New; 20]));
    // Sent again, some with their time moved (kept in another month, were they new): each is found.
    let again: Vec<EventToKeep> = events
        .iter()
        .enumerate()
        .map(|(i, e)| if i % 2 == 0 { at(e.clone(), e.at - 40 * day) } else { e.clone() })
        .collect();
    let outcome = db.ingest_events(request(install, Some(me), again, 1_000, when + 120)).await.unwrap();
    assert_eq!(outcome, Ingest::Kept(vec![EventKept::Duplicate; 20]));
    assert_eq!(db.event_history(me, None, 50).await.unwrap().1, 20, "kept once each");
    let interest = interactions(&db, 0).await.events;
    assert_eq!(interest.iter().filter(|e| e.0 == me).count(), 4, "one row per product and kind, counted once");

    // Past the retention: gone, the month whole where the database keeps months.
    let counts = db.prune_marketing(retention, when + 440 * day).await.unwrap();
    assert!((counts.event_months >= 1 && counts.events == 0) || counts.events == 20, "{counts:?}");
    assert_eq!(db.event_history(me, None, 50).await.unwrap().1, 0);
}
