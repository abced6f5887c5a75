//! The console's contracts: locking an account ends every session in the same transaction and
//! keeps one lock whatever locks it at once; people are found by phone, id or the start of a name;
//! the audit log pages newest first and its retention deletes only what expired; instances are
//! seen by their heartbeats.
use std::sync::Arc;

use portal_api::*;
use uuid::Uuid;

use super::{join_all, user, AT, RACERS};
use crate::*;

pub async fn locking_an_account_ends_its_sessions_and_keeps_one_lock(db: Arc<dyn Database>) {
    let person = Uuid::now_v7();
    db.create_user(NewUser {
        display_name: "锁定 测试".into(),
        ..user(person, "+8613912340001", Role::Consumer, None)
    })
    .await
    .unwrap();
    for n in 0..3 {
        db.create_session(SessionRecord {
            id: Uuid::now_v7(),
            user_id: person,
            device_name: format!("phone {n}"),
            created_at: AT,
            last_seen_at: AT,
            generation: 0,
            rotated_at: AT,
            revoked_at: None,
        })
        .await
        .unwrap();
    }
    let tasks = (0..RACERS).map(|i| {
        let db = db.clone();
        tokio::spawn(async move { db.lock_account(person, Uuid::from_u128(i as u128), format!("why {i}"), AT).await })
    });
    assert!(join_all(tasks).await.into_iter().all(|r| r.unwrap().unwrap()));
    assert!(db.list_sessions(person).await.unwrap().is_empty(), "every session ended");
    let locks = db.account_locks(vec![person, Uuid::now_v7()]).await.unwrap();
    assert_eq!(locks.len(), 1);
    assert!(!db.lock_account(Uuid::now_v7(), person, "nobody".into(), AT).await.unwrap());
    db.unlock_account(person).await.unwrap();
    assert!(db.account_locks(vec![person]).await.unwrap().is_empty());
}

pub async fn people_are_found_by_phone_id_or_the_start_of_a_name(db: Arc<dyn Database>) {
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    db.create_user(NewUser { display_name: "Zhao Lei".into(), ..user(a, "+8613912340002", Role::Consumer, None) })
        .await
        .unwrap();
    db.create_user(NewUser { display_name: "Zhao Min".into(), ..user(b, "+8613912340003", Role::Operator, None) })
        .await
        .unwrap();
    let find = |search: UserSearch| {
        let db = db.clone();
        async move { db.search_users(search).await.unwrap().into_iter().map(|(u, _)| u.id).collect::<Vec<_>>() }
    };
    let by_name = UserSearch { name_prefix: Some("Zhao".into()), limit: 10, ..Default::default() };
    assert_eq!(find(by_name.clone()).await, vec![a, b]);
    assert_eq!(find(UserSearch { role: Some(Role::Operator), ..by_name.clone() }).await, vec![b]);
    assert_eq!(find(UserSearch { limit: 1, ..by_name }).await, vec![a]);
    assert_eq!(
        find(UserSearch { phone: Some("+8613912340003".into()), limit: 10, ..Default::default() }).await,
        vec![b]
    );
    assert_eq!(find(UserSearch { id: Some(a), limit: 10, ..Default::default() }).await, vec![a]);
    assert!(find(UserSearch { name_prefix: Some("Zhaoo".into()), limit: 10, ..Default::default() }).await.is_empty());
}

pub async fn the_audit_log_pages_newest_first_and_keeps_what_has_not_expired(db: Arc<dyn Database>) {
    let actor = Uuid::now_v7();
    for n in 0..5 {
        let entry = AuditRecord {
            actor_id: actor,
            role: "admin".into(),
            method: "PUT".into(),
            path: format!("/v1/admin/thing/{n}"),
            status: 200,
            at: AT + n,
        };
        db.record_audit(entry).await.unwrap();
    }
    let page = db.audit_page(None, Some(actor), 3).await.unwrap();
    assert_eq!(
        page.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(),
        ["/v1/admin/thing/4", "/v1/admin/thing/3", "/v1/admin/thing/2"]
    );
    let next = db.audit_page(Some(page[2].id), Some(actor), 3).await.unwrap();
    assert_eq!(next.len(), 2);
    assert_eq!(db.prune_audit(AT + 2).await.unwrap(), 2);
    assert_eq!(db.audit_page(None, Some(actor), 10).await.unwrap().len(), 3);

    let instance = InstanceView { id: Uuid::now_v7(), started_at: AT, last_seen: AT + 10, version: "1".into() };
    db.beat_instance(instance.clone()).await.unwrap();
    db.beat_instance(InstanceView { last_seen: AT + 20, ..instance.clone() }).await.unwrap();
    let seen = db.instances_seen(AT).await.unwrap();
    assert!(seen.iter().any(|i| i.id == instance.id && i.last_seen == AT + 20));
    assert!(db.instances_seen(AT + 21).await.unwrap().iter().all(|i| i.id != instance.id));
    assert_eq!(db.waiting_counts(0).await.unwrap().orders_waiting_review, 0);
}
