//! Delivering campaigns: the audience is read whole in pages (consenting, unlocked people only),
//! queued once whatever queues at once, and senders claiming at once send each delivery once and
//! each person one inbox message; quiet hours and the daily cap defer, and a stop cancels.
use std::sync::Arc;

use portal_api::*;
use portal_campaigns::policy::Caps;
use uuid::Uuid;

use super::{join_all, user, AT, RACERS};
use crate::*;

/// Waits until the watcher's count has not moved for a moment (at most ten seconds).
async fn settle(woken: &std::sync::atomic::AtomicUsize) {
    let mut last = usize::MAX;
    for _ in 0..50 {
        let now = woken.load(std::sync::atomic::Ordering::SeqCst);
        if now == last {
            return;
        }
        last = now;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

pub(crate) async fn running_campaign(db: &Arc<dyn Database>, author: Uuid, channels: &str) -> Uuid {
    running_campaign_with(db, author, channels, None).await
}

/// A running campaign that issues `coupon` (JSON of its terms), if any.
pub(crate) async fn running_campaign_with(
    db: &Arc<dyn Database>,
    author: Uuid,
    channels: &str,
    coupon: Option<String>,
) -> Uuid {
    let id = Uuid::now_v7();
    let content = CampaignContent {
        title_zh: "会员日".into(),
        title_en: "Members' day".into(),
        body_zh: "九折".into(),
        body_en: "10% off".into(),
        deep_link: Some(DeepLink::Product { model: "TV-55".into() }),
        sms_template: None,
    };
    let row = CampaignRow {
        id,
        name: format!("c {id}"),
        category: "promotions".into(),
        status: CampaignStatus::Running,
        audience: "{}".into(),
        content: serde_json::to_string(&content).unwrap(),
        channels: channels.into(),
        starts_at: None,
        ends_at: None,
        holdout_percent: 0,
        revision: 1,
        author,
        last_editor: author,
        submitted_by: None,
        decided_by: None,
        decision_reason: None,
        body_hash: "h".into(),
        created_at: AT,
        updated_at: AT,
        queued_through: None,
        queued_at: None,
        coupon,
        coupons_withdrawn_at: None,
    };
    let step = CampaignStepRow {
        campaign_id: id,
        at: AT,
        by: author,
        action: CampaignAction::Start,
        from: CampaignStatus::Approved,
        to: CampaignStatus::Running,
        reason: None,
        revision: 1,
    };
    db.put_campaign(row, step).await.unwrap();
    id
}

/// Stops a running campaign: finished, with the step, from the state it is in.
pub(crate) async fn stop(db: &Arc<dyn Database>, campaign: Uuid, operator: Uuid) {
    let mut row = db.campaign(campaign).await.unwrap().unwrap();
    row.status = CampaignStatus::Finished;
    let step = CampaignStepRow {
        campaign_id: campaign,
        at: AT,
        by: operator,
        action: CampaignAction::Stop,
        from: CampaignStatus::Running,
        to: CampaignStatus::Finished,
        reason: Some("wrong audience".into()),
        revision: 1,
    };
    assert!(db.change_campaign(row, CampaignStatus::Running, 1, step).await.unwrap());
}

/// Queues the whole audience in pages of `page`.
pub(crate) async fn queue_all(db: &Arc<dyn Database>, campaign: Uuid, channels: &[MessageChannel], page: u32) -> u32 {
    let mut after: Option<Uuid> = None;
    let mut queued = 0;
    loop {
        let people = db.audience_page(Audience::default(), AT, after, page).await.unwrap();
        let done = (people.len() as u32) < page;
        let rows: Vec<NewDelivery> = people
            .iter()
            .flat_map(|p| channels.iter().map(|c| NewDelivery { user: *p, channel: *c, held_out: false }))
            .collect();
        let through = people.last().map(Uuid::to_string).or(after.map(|a| a.to_string()));
        let from = after.map(|a| a.to_string());
        assert!(db
            .queue_deliveries(campaign, from.clone(), through.clone(), done.then_some(AT), AT, rows.clone())
            .await
            .unwrap());
        // Another instance with the same page finds the mark moved and writes nothing.
        assert!(!db.queue_deliveries(campaign, from, through, None, AT, rows).await.unwrap());
        queued += people.len() as u32;
        after = people.last().copied().or(after);
        if done {
            return queued;
        }
    }
}

pub async fn a_campaign_reaches_each_consenting_person_once_whatever_sends_at_once(db: Arc<dyn Database>) {
    // The live channel's watcher: woken when messages are written (on PostgreSQL through a
    // notification from the database; also once when it begins listening).
    let woken = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = woken.clone();
    db.watch_inbox(Arc::new(move || {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }));
    let operator = Uuid::now_v7();
    db.create_user(user(operator, "+8613912370000", Role::Operator, None)).await.unwrap();
    let mut people = Vec::new();
    for n in 0..30 {
        let id = Uuid::now_v7();
        db.create_user(user(id, &format!("+86139123710{n:02}"), Role::Consumer, None)).await.unwrap();
        people.push(id);
    }
    let (declined, locked) = (Uuid::now_v7(), Uuid::now_v7());
    db.create_user(user(declined, "+8613912372001", Role::Consumer, None)).await.unwrap();
    db.create_user(user(locked, "+8613912372002", Role::Consumer, None)).await.unwrap();
    db.set_message_preferences(PreferencesRow { marketing: false, ..PreferencesRow::default_for(declined) })
        .await
        .unwrap();
    db.lock_account(locked, operator, "fraud".into(), AT).await.unwrap();
    assert_eq!(db.audience_size(Audience::default(), AT).await.unwrap(), 30);
    let operators = Audience { roles: vec![Role::Operator], ..Default::default() };
    assert_eq!(db.audience_size(operators, AT).await.unwrap(), 1);

    let campaign = running_campaign(&db, operator, "[\"push\",\"inbox\"]").await;
    assert_eq!(queue_all(&db, campaign, &[MessageChannel::Push, MessageChannel::Inbox], 7).await, 30);
    assert_eq!(db.delivery_counts(campaign).await.unwrap().queued, 60);

    // One person's quiet hours cover now (10:00 in Shanghai): their push waits, their inbox does not.
    let quiet = people[0];
    db.set_message_preferences(PreferencesRow { quiet: Some((9 * 60, 11 * 60)), ..PreferencesRow::default_for(quiet) })
        .await
        .unwrap();

    // Nothing was written yet: whatever woke the watcher (its start) has passed.
    settle(&woken).await;
    woken.store(0, std::sync::atomic::Ordering::SeqCst);

    // Senders on every instance claim at once, a few at a time, until nothing is due.
    let mut sent = 0;
    for _round in 0..10 {
        let tasks = (0..RACERS).map(|_| {
            let db = db.clone();
            tokio::spawn(async move { db.deliver_due(AT, 5, Caps::default(), vec![]).await })
        });
        let reports: Vec<DeliveryReport> = join_all(tasks).await.into_iter().map(|r| r.unwrap().unwrap()).collect();
        sent += reports.iter().map(|r| r.sent).sum::<u32>();
        if reports.iter().all(|r| r.claimed == 0) {
            break;
        }
    }
    assert_eq!(sent, 59, "every delivery once, but the quiet person's push");
    let mut waited = 0;
    while woken.load(std::sync::atomic::Ordering::SeqCst) == 0 && waited < 100 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    assert!(woken.load(std::sync::atomic::Ordering::SeqCst) >= 1, "the watcher was woken by the messages written");
    let counts = db.delivery_counts(campaign).await.unwrap();
    assert_eq!((counts.sent, counts.queued), (59, 1));
    for p in &people {
        let inbox = db.inbox(*p, 50).await.unwrap();
        assert_eq!(inbox.messages.len(), 1, "one message a person, for push and inbox together");
        assert_eq!(inbox.messages[0].kind, TriggerKind::Campaign);
        assert_eq!(inbox.messages[0].models, vec!["TV-55".to_string()]);
    }
    assert!(db.inbox(declined, 50).await.unwrap().messages.is_empty());
    let first = db.inbox(people[1], 50).await.unwrap().messages[0].clone();
    assert_eq!(first.link, Some(DeepLink::Product { model: "TV-55".into() }), "the deep link is kept");
    // A person reads and deletes their message (sent again: no change); someone else's is passed over.
    let read = InboxChange { message: first.id, change: InboxChangeKind::Read };
    let delete = InboxChange { message: first.id, change: InboxChangeKind::Delete };
    db.change_inbox(people[1], vec![read], AT).await.unwrap();
    assert_eq!(db.inbox(people[1], 50).await.unwrap().unread, 0);
    db.change_inbox(people[2], vec![delete], AT).await.unwrap();
    assert_eq!(db.inbox(people[1], 50).await.unwrap().messages.len(), 1, "not deleted by someone else");
    db.change_inbox(people[1], vec![delete, delete, read], AT).await.unwrap();
    assert!(db.inbox(people[1], 50).await.unwrap().messages.is_empty(), "deleted, and read again changes nothing");
    let unread_before = db.inbox(people[3], 50).await.unwrap().unread;
    let theirs = db.inbox(people[3], 50).await.unwrap().messages[0].id;
    db.change_inbox(people[3], vec![InboxChange { message: theirs, change: InboxChangeKind::Delete }], AT)
        .await
        .unwrap();
    assert_eq!(db.inbox(people[3], 50).await.unwrap().unread, unread_before - 1, "a deleted message is not unread");
    // The live channel reads what was written in pages, each message once, in order.
    let mut after = None;
    let mut written = Vec::new();
    loop {
        let page = db.inbox_written(AT - 10, after, 7).await.unwrap();
        after = page.last().map(|w| w.mark);
        written.extend(page.iter().copied());
        if page.len() < 7 {
            break;
        }
    }
    assert_eq!(written.len(), 30);
    assert!(written.windows(2).all(|w| w[0].mark < w[1].mark), "in the order written, none twice");
    assert!(people.iter().all(|p| written.iter().any(|w| w.user == *p)));
    assert!(db.inbox_written(AT + 1, None, 7).await.unwrap().is_empty(), "nothing since");
    // The quiet push is due at 11:00 local: nothing before, sent then (its message is there already).
    assert_eq!(db.deliver_due(AT + 3_599, 50, Caps::default(), vec![]).await.unwrap().claimed, 0);
    assert_eq!(db.deliver_due(AT + 3_600, 50, Caps::default(), vec![]).await.unwrap().sent, 1);

    // A second campaign under a cap of one a day: each person's push waits for tomorrow morning.
    let second = running_campaign(&db, operator, "[\"push\"]").await;
    queue_all(&db, second, &[MessageChannel::Push], 50).await;
    let caps = Caps { per_day: 1, ..Caps::default() };
    let report = db.deliver_due(AT + 3_600, 100, caps, vec![]).await.unwrap();
    assert_eq!((report.sent, report.deferred), (0, 30), "{report:?}");
    // The person whose quiet hours are 09:00–11:00 gets theirs at local midnight; the others at
    // tomorrow's 08:00 in Shanghai (00:00 UTC the next day), when their night's quiet hours end.
    let morning = AT - AT % 86_400 + 86_400;
    assert_eq!(db.deliver_due(morning - 8 * 3_600 - 1, 100, caps, vec![]).await.unwrap().claimed, 0);
    assert_eq!(db.deliver_due(morning - 8 * 3_600, 100, caps, vec![]).await.unwrap().sent, 1);
    assert_eq!(db.deliver_due(morning - 1, 100, caps, vec![]).await.unwrap().claimed, 0);
    assert_eq!(db.deliver_due(morning, 100, caps, vec![]).await.unwrap().sent, 29);

    // A stopped campaign's queue is cancelled, and nothing of a campaign not running is claimed.
    let third = running_campaign(&db, operator, "[\"inbox\"]").await;
    queue_all(&db, third, &[MessageChannel::Inbox], 50).await;
    assert!(db.any_queued(third).await.unwrap());
    stop(&db, third, operator).await;
    assert!(!db.any_queued(third).await.unwrap());
    assert_eq!(db.deliver_due(morning, 100, Caps::default(), vec![]).await.unwrap().claimed, 0);
    let counts = db.delivery_counts(third).await.unwrap();
    assert_eq!((counts.cancelled, counts.queued, counts.sent), (30, 0, 0));

    // Locked or declining since they were queued: skipped at send time, with the reason.
    let fourth = running_campaign(&db, operator, "[\"inbox\"]").await;
    queue_all(&db, fourth, &[MessageChannel::Inbox], 50).await;
    db.lock_account(people[2], operator, "later".into(), AT).await.unwrap();
    db.set_tracking_consent(people[3], false, AT).await.unwrap();
    let report = db.deliver_due(morning, 100, Caps::default(), vec![]).await.unwrap();
    assert_eq!((report.sent, report.skipped), (28, 2), "{report:?}");

    // Finishing a campaign cancels what it still had queued, in the same change.
    let fifth = running_campaign(&db, operator, "[\"inbox\"]").await;
    queue_all(&db, fifth, &[MessageChannel::Inbox], 50).await;
    stop(&db, fifth, operator).await;
    assert_eq!(db.delivery_counts(fifth).await.unwrap().cancelled, 28);
    // A queue page racing the stop writes nothing.
    let late = vec![NewDelivery { user: people[0], channel: MessageChannel::Push, held_out: false }];
    let mark = db.campaign(fifth).await.unwrap().unwrap().queued_through;
    assert!(!db.queue_deliveries(fifth, mark, None, None, AT, late).await.unwrap());
}
