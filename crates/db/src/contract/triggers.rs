//! Triggered offers on every backend: triggers kept and listed, the facts that set them off, and
//! the inbox's once-per-fact, once-per-cooldown send under parallel senders.
use super::*;

fn trigger(name: &str, kind: TriggerKind, at: i64) -> Trigger {
    Trigger {
        id: Uuid::now_v7(),
        name: name.into(),
        kind,
        title_zh: "标题".into(),
        title_en: "Title".into(),
        body_zh: "正文".into(),
        body_en: "Body".into(),
        cooldown_days: 7,
        active: true,
        created_at: at,
        active_since: at,
        sent: 0,
    }
}

fn message(trigger: Uuid, user: Uuid, key: &str, at: i64) -> InboxRow {
    InboxRow {
        id: Uuid::now_v7(),
        user_id: user,
        trigger_id: trigger,
        fact_key: key.into(),
        kind: TriggerKind::AfterPurchase,
        title_zh: "为您的电视".into(),
        title_en: "For your TV".into(),
        body_zh: "配件".into(),
        body_en: "Accessories".into(),
        recommendation: Uuid::now_v7(),
        models: vec!["CASE".into()],
        link: None,
        created_at: at,
        fact_at: at,
        trigger_name: "after a purchase".into(),
    }
}

pub async fn send_one(db: &dyn Database, message: InboxRow, cooldown_secs: i64) -> bool {
    db.send_inbox(vec![message], cooldown_secs).await.unwrap() == [true]
}

pub async fn batches_of_messages_racing_send_each_customer_one_within_the_cooldown(db: Arc<dyn Database>) {
    let admin = consumer(&*db, "+8613900000145").await;
    let t = trigger(&format!("back in stock {}", Uuid::now_v7()), TriggerKind::BackInStock, AT);
    assert!(db.create_trigger(t.clone(), admin).await.unwrap());
    let mut people = Vec::new();
    for i in 0..10 {
        people.push(consumer(&*db, &format!("+86139000003{i:02}")).await);
    }
    let declined = people[9];
    db.set_tracking_consent(declined, false, AT).await.unwrap();
    // Every sender holds a message for each person, in its own order (no two passes lock in a
    // circle), each for a fact of its own within the cooldown of the others.
    let sent = join_all((0..RACERS).map(|racer| {
        let db = db.clone();
        let mut batch: Vec<InboxRow> =
            people.iter().map(|p| message(t.id, *p, &format!("restock-{racer}"), AT + racer as i64)).collect();
        batch.rotate_left(racer % people.len());
        if racer % 2 == 1 {
            batch.reverse();
        }
        tokio::spawn(async move { db.send_inbox(batch, 7 * 86_400).await.unwrap() })
    }))
    .await;
    let written: usize = sent.into_iter().map(|s| s.unwrap().into_iter().filter(|w| *w).count()).sum();
    assert_eq!(written, people.len() - 1, "one message per person, none to who declined");
    for p in &people {
        let expected = usize::from(*p != declined);
        assert_eq!(db.inbox(*p, 50).await.unwrap().messages.len(), expected);
    }
    // Within one batch: the same fact twice, and a fact inside the cooldown of one before it.
    let ann = consumer(&*db, "+8613900000399").await;
    let batch = vec![
        message(t.id, ann, "restock-a", AT + 20 * 86_400),
        message(t.id, ann, "restock-a", AT + 20 * 86_400),
        message(t.id, ann, "restock-b", AT + 21 * 86_400),
        message(t.id, ann, "restock-c", AT + 28 * 86_400),
    ];
    assert_eq!(db.send_inbox(batch, 7 * 86_400).await.unwrap(), [true, false, false, true]);
    assert_eq!(db.send_inbox(vec![], 7 * 86_400).await.unwrap(), Vec::<bool>::new());
}

pub async fn a_trigger_sends_once_per_fact_and_once_per_cooldown_whatever_sends_at_once(db: Arc<dyn Database>) {
    let me = consumer(&*db, "+8613900000141").await;
    let t = trigger(&format!("after a purchase {}", Uuid::now_v7()), TriggerKind::AfterPurchase, AT);
    assert!(db.create_trigger(t.clone(), me).await.unwrap());
    assert!(!db.create_trigger(Trigger { id: Uuid::now_v7(), ..t.clone() }, me).await.unwrap(), "the name is taken");
    // Many facts at once, from many senders: one message within the cooldown.
    let sent = join_all((0..RACERS).map(|i| {
        let db = db.clone();
        let m = message(t.id, me, &format!("sale-{i}"), AT + 10);
        tokio::spawn(async move { send_one(&*db, m, 7 * 86_400).await })
    }))
    .await;
    assert_eq!(sent.into_iter().filter(|s| *s.as_ref().unwrap()).count(), 1, "one within the cooldown");
    // The cooldown is between facts, whenever a pass gets to them: a fact five days after the
    // one sent is held back even when sent a month later.
    let late = InboxRow { fact_at: AT + 5 * 86_400, ..message(t.id, me, "sale-late", AT + 30 * 86_400) };
    assert!(!send_one(&*db, late, 7 * 86_400).await);
    assert!(send_one(&*db, message(t.id, me, "sale-new", AT + 30 * 86_400), 7 * 86_400).await, "after the cooldown");
    // The same fact again, with no cooldown at all: once per fact still.
    assert!(!send_one(&*db, message(t.id, me, "sale-new", AT + 31 * 86_400), 0).await);

    let inbox = db.inbox(me, 50).await.unwrap();
    assert!(inbox.messages.len() >= 2 && inbox.unread as usize == inbox.messages.len());
    assert!(inbox.messages.windows(2).all(|w| w[0].created_at >= w[1].created_at), "newest first");
    let first = inbox.messages[0].clone();
    assert_eq!((first.title_en.as_str(), first.models.as_slice()), ("For your TV", &["CASE".to_owned()][..]));
    // Its products are a list served to the customer at the inbox placement.
    let lists = db.served_lists(vec![first.recommendation]).await.unwrap();
    assert_eq!(lists, [(first.recommendation, Some(me), vec!["CASE".to_owned()])]);
    assert!(db.mark_inbox_read(me, first.id, AT + 31 * 86_400).await.unwrap());
    assert!(!db.mark_inbox_read(Uuid::now_v7(), first.id, AT).await.unwrap(), "nobody else's to mark");
    assert_eq!(db.inbox(me, 50).await.unwrap().unread, inbox.unread - 1);

    let listed = db.triggers().await.unwrap();
    let mine = listed.iter().find(|x| x.id == t.id).unwrap();
    assert!(mine.active && mine.sent >= 2, "{mine:?}");
    assert!(db.set_trigger_active(t.id, false, AT + 40 * 86_400).await.unwrap());
    assert!(!db.triggers().await.unwrap().iter().find(|x| x.id == t.id).unwrap().active);
    assert!(!send_one(&*db, message(t.id, me, "while-paused", AT + 41 * 86_400), 0).await, "paused");
    assert!(!db.set_trigger_active(Uuid::now_v7(), false, AT).await.unwrap());
    // Resumed: active from then on; a customer who declined gets nothing.
    assert!(db.set_trigger_active(t.id, true, AT + 42 * 86_400).await.unwrap());
    let resumed = db.triggers().await.unwrap().into_iter().find(|x| x.id == t.id).unwrap();
    assert_eq!((resumed.active, resumed.active_since, resumed.created_at), (true, AT + 42 * 86_400, AT));
    db.set_tracking_consent(me, false, AT + 42 * 86_400).await.unwrap();
    assert!(!send_one(&*db, message(t.id, me, "declined", AT + 43 * 86_400), 0).await, "declined");
    db.set_tracking_consent(me, true, AT + 43 * 86_400).await.unwrap();
    assert!(send_one(&*db, message(t.id, me, "accepted", AT + 44 * 86_400), 0).await);
}

pub async fn trigger_facts_are_sign_ins_purchases_and_restocks_of_what_people_follow(db: Arc<dyn Database>) {
    let promoter = fixture(db.as_ref()).await;
    let me = consumer(&*db, "+8613900000142").await;
    let session = Uuid::now_v7();
    db.create_session(SessionRecord {
        id: session,
        user_id: me,
        device_name: "d".into(),
        created_at: AT,
        last_seen_at: AT,
        generation: 0,
        rotated_at: AT,
        revoked_at: None,
    })
    .await
    .unwrap();
    let follow = FavouriteOp {
        id: Uuid::now_v7(),
        model: "FOLLOWED".into(),
        kind: FavouriteKind::Follow,
        active: true,
        changed_at: AT,
    };
    db.apply_favourite_ops(me, vec![(follow, "h".into())], AT).await.unwrap();
    // Goods in where there were none: a restock; more of the same later is not another.
    let receipt = |quantity| StoreAction::Receipt {
        lines: vec![SkuQuantity { sku: "RESTOCKED-1".into(), quantity }],
        source: "brand".into(),
    };
    assert_eq!(apply(db.as_ref(), promoter, op(STORE, receipt(2))).await.status, OpStatus::Applied);

    assert!(db.trigger_facts(AT - 60, vec!["07-01".into()]).await.unwrap().birthdays.is_empty());
    db.set_birthday(me, Some("07-01".into())).await.unwrap();
    assert_eq!(db.birthday(me).await.unwrap().as_deref(), Some("07-01"));
    let facts = db.trigger_facts(AT - 60, vec!["07-01".into(), "02-29".into()]).await.unwrap();
    assert_eq!(facts.birthdays, [me]);
    db.set_birthday(me, None).await.unwrap();
    assert_eq!(db.birthday(me).await.unwrap(), None);
    assert!(facts.sign_ins.contains(&(me, session, AT)), "{:?}", facts.sign_ins);
    assert_eq!(db.followers_of(vec!["FOLLOWED".into(), "NOBODY".into()]).await.unwrap(), [(me, "FOLLOWED".to_owned())]);
    assert!(db.followers_of(vec!["NOBODY".into()]).await.unwrap().is_empty(), "only the followers of what was asked");
    let restocks: Vec<_> = facts.restocks.iter().filter(|(_, _, sku, ..)| sku == "RESTOCKED-1").collect();
    assert!(restocks.len() == 1 && restocks[0].0 == STORE && restocks[0].3 == AT, "{restocks:?}");
    assert!(
        db.trigger_facts(AT + 60, vec![]).await.unwrap().sign_ins.iter().all(|(u, ..)| *u != me),
        "from `since` on"
    );
}
