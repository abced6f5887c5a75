//! Messages for the outside gateways: a delivery batch queues one per (campaign, person,
//! channel); dispatchers claiming at once take each once under a lease, a lapsed lease gives it to
//! the next attempt, a stale attempt cannot settle it, a receipt settles it once, and a message out
//! of attempts fails. Devices: a person keeps at most ten, a token belongs to one installation.
use std::collections::HashSet;
use std::sync::Arc;

use portal_api::*;
use portal_campaigns::policy::Caps;
use uuid::Uuid;

use super::delivery::{queue_all, running_campaign, stop};
use super::{join_all, user, AT, RACERS};
use crate::*;

/// Claims at once from every racer until nothing is left; every message claimed.
async fn claim_all(db: &Arc<dyn Database>, now: i64, lease_until: i64) -> Vec<OutboundMessage> {
    let mut all = Vec::new();
    for _round in 0..20 {
        let tasks = (0..RACERS).map(|_| {
            let db = db.clone();
            tokio::spawn(async move { db.claim_outbound(now, lease_until, 3).await })
        });
        let got: Vec<Vec<OutboundMessage>> = join_all(tasks).await.into_iter().map(|r| r.unwrap().unwrap()).collect();
        if got.iter().all(Vec::is_empty) {
            break;
        }
        all.extend(got.into_iter().flatten());
    }
    all
}

pub async fn a_gateway_message_is_claimed_by_one_dispatcher_and_settled_once(db: Arc<dyn Database>) {
    let operator = Uuid::now_v7();
    db.create_user(user(operator, "+8613912380000", Role::Operator, None)).await.unwrap();
    let mut people = Vec::new();
    for n in 0..20 {
        let id = Uuid::now_v7();
        db.create_user(user(id, &format!("+86139123810{n:02}"), Role::Consumer, None)).await.unwrap();
        people.push(id);
    }
    // One person whose phone was never verified: no text goes to a number nobody proved.
    let unverified = Uuid::now_v7();
    let mut them = user(unverified, "+8613912382000", Role::Consumer, None);
    them.identities[0].verified = false;
    db.create_user(them).await.unwrap();

    // Five people have a phone a push service reaches; one only a desktop.
    for (n, p) in people.iter().take(6).enumerate() {
        session_of(&db, *p).await;
        let mut d = device(*p, n as u128, &format!("push-{n}"), AT);
        if n == 5 {
            (d.provider, d.token, d.platform) = (PushProvider::None, String::new(), "linux".into());
        }
        db.register_device(d).await.unwrap();
    }
    let campaign = running_campaign(&db, operator, "[\"push\",\"sms\",\"email\"]").await;
    let channels = [MessageChannel::Push, MessageChannel::Sms, MessageChannel::Email];
    assert_eq!(queue_all(&db, campaign, &channels, 50).await, 21);
    // SMS and push have gateways here; e-mail has none and is skipped.
    let gateways = vec![MessageChannel::Sms, MessageChannel::Push];
    loop {
        let tasks = (0..4).map(|_| {
            let (db, gateways) = (db.clone(), gateways.clone());
            tokio::spawn(async move { db.deliver_due(AT, 10, Caps::default(), gateways).await })
        });
        let reports: Vec<DeliveryReport> = join_all(tasks).await.into_iter().map(|r| r.unwrap().unwrap()).collect();
        if reports.iter().all(|r| r.claimed == 0) {
            break;
        }
    }
    let counts = db.delivery_counts(campaign).await.unwrap();
    assert_eq!((counts.sent, counts.skipped), (42, 21), "texts and pushes sent, e-mail without a gateway skipped");
    // A push goes through a gateway only to those with a phone it reaches (the app has the rest).
    assert_eq!(db.outbound_counts(campaign).await.unwrap().pending, 26);
    assert!(db.claim_outbound(AT - 1, AT + 60, 100).await.unwrap().is_empty(), "nothing is due before it was queued");

    // Dispatchers on every instance claim at once: each message once.
    let claimed = claim_all(&db, AT, AT + 60).await;
    assert_eq!(claimed.len(), 26);
    assert_eq!(claimed.iter().map(|m| m.id).collect::<HashSet<_>>().len(), 26, "none claimed twice");
    assert!(claimed.iter().all(|m| m.attempt == 1 && m.campaign == campaign));
    let texts: Vec<&OutboundMessage> = claimed.iter().filter(|m| m.channel == MessageChannel::Sms).collect();
    assert_eq!(texts.len(), 21);
    for m in &texts {
        if m.user == unverified {
            assert_eq!(m.address, None, "an unverified phone is no address");
        } else {
            assert!(m.address.as_deref().is_some_and(|a| a.starts_with("+8613912381")), "{:?}", m.address);
        }
    }
    assert!(claimed.iter().filter(|m| m.channel == MessageChannel::Push).all(|m| m.address.is_none()));
    // Leased: nobody else takes them until the lease lapses; then the next attempt does.
    assert!(db.claim_outbound(AT + 59, AT + 120, 100).await.unwrap().is_empty());
    let first = texts[0].clone();
    let again = claim_all(&db, AT + 60, AT + 120).await;
    assert_eq!(again.len(), 26);
    assert!(again.iter().all(|m| m.attempt == 2));
    // The first attempt's late answer settles nothing; the second's settles once.
    let sent = OutboundOutcome::Sent { provider_id: "biz-1".into() };
    assert!(!db.settle_outbound(first.id, 1, sent.clone(), AT + 61).await.unwrap());
    assert!(db.settle_outbound(first.id, 2, sent.clone(), AT + 61).await.unwrap());
    assert!(!db.settle_outbound(first.id, 2, sent, AT + 61).await.unwrap(), "settled once");
    // The provider's receipt settles it once; a receipt for no message changes nothing.
    let sms = MessageChannel::Sms;
    assert!(!db.outbound_receipt(first.id, MessageChannel::Push, true, None, AT + 70).await.unwrap(), "not a push");
    assert!(db.outbound_receipt(first.id, sms, true, None, AT + 70).await.unwrap());
    assert!(!db.outbound_receipt(first.id, sms, false, Some("late".into()), AT + 71).await.unwrap());
    assert!(!db.outbound_receipt(Uuid::now_v7(), sms, true, None, AT + 71).await.unwrap());
    // A message held back through no fault of its own (quiet hours, a throttled gateway) waits
    // until its time, and the attempt does not count.
    let second = texts[1].clone();
    let wait = OutboundOutcome::Wait { at: AT + 500, why: "quiet hours".into() };
    assert!(db.settle_outbound(second.id, 2, wait, AT + 61).await.unwrap());
    let failed = OutboundOutcome::Failed { error: "no verified phone".into() };
    for m in again.iter().filter(|m| m.id != first.id && m.id != second.id) {
        assert!(db.settle_outbound(m.id, 2, failed.clone(), AT + 62).await.unwrap());
    }
    assert!(db.claim_outbound(AT + 499, AT + 600, 100).await.unwrap().is_empty());
    let later = db.claim_outbound(AT + 500, AT + 560, 100).await.unwrap();
    assert_eq!((later.len(), later[0].id, later[0].attempt), (1, second.id, 2), "the wait was no attempt");
    assert!(!later[0].locked);
    // A message whose attempts run out fails rather than being sent for ever.
    let retry = OutboundOutcome::Retry { at: AT + 560, error: "gateway away".into() };
    assert!(db.settle_outbound(second.id, 2, retry, AT + 501).await.unwrap());
    let mut at = AT + 560;
    for attempt in 3..=MAX_OUTBOUND_ATTEMPTS {
        let got = db.claim_outbound(at, at + 60, 100).await.unwrap();
        assert_eq!((got.len(), got[0].attempt), (1, attempt));
        at += 60;
    }
    assert!(db.claim_outbound(at, at + 60, 100).await.unwrap().is_empty(), "out of attempts");
    let counts = db.outbound_counts(campaign).await.unwrap();
    assert_eq!((counts.pending, counts.sent, counts.delivered, counts.failed), (0, 0, 1, 25));

    // Another campaign: paused, its messages wait; stopped, they are cancelled, never sent.
    let next = running_campaign(&db, operator, "[\"sms\"]").await;
    queue_all(&db, next, &[MessageChannel::Sms], 50).await;
    while db.deliver_due(at, 50, Caps::default(), gateways.clone()).await.unwrap().claimed > 0 {}
    assert_eq!(db.outbound_counts(next).await.unwrap().pending, 21);
    let mut paused = db.campaign(next).await.unwrap().unwrap();
    paused.status = CampaignStatus::Paused;
    let step = CampaignStepRow {
        campaign_id: next,
        at,
        by: operator,
        action: CampaignAction::Pause,
        from: CampaignStatus::Running,
        to: CampaignStatus::Paused,
        reason: None,
        revision: 1,
    };
    assert!(db.change_campaign(paused.clone(), CampaignStatus::Running, 1, step.clone()).await.unwrap());
    assert!(db.claim_outbound(at, at + 60, 100).await.unwrap().is_empty(), "a paused campaign's messages wait");
    let running = CampaignStepRow {
        action: CampaignAction::Resume,
        from: CampaignStatus::Paused,
        to: CampaignStatus::Running,
        ..step
    };
    assert!(db
        .change_campaign(CampaignRow { status: CampaignStatus::Running, ..paused }, CampaignStatus::Paused, 1, running)
        .await
        .unwrap());
    stop(&db, next, operator).await;
    let counts = db.outbound_counts(next).await.unwrap();
    assert_eq!((counts.pending, counts.cancelled), (0, 21), "stopped: nothing waiting goes");
    assert!(db.claim_outbound(at, at + 60, 100).await.unwrap().is_empty());
}

/// A live session of `user`, with its id derived from theirs.
async fn session_of(db: &Arc<dyn Database>, user: Uuid) -> Uuid {
    let id = Uuid::from_u128(user.as_u128() ^ 0x5e55);
    db.create_session(SessionRecord {
        id,
        user_id: user,
        device_name: "phone".into(),
        created_at: AT,
        last_seen_at: AT,
        generation: 0,
        rotated_at: AT,
        revoked_at: None,
    })
    .await
    .unwrap();
    id
}

fn device(user: Uuid, n: u128, token: &str, seen: i64) -> DeviceRow {
    DeviceRow {
        user,
        session: Uuid::from_u128(user.as_u128() ^ 0x5e55),
        installation: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_9000 + n),
        platform: "android".into(),
        provider: PushProvider::Fcm,
        token: token.into(),
        language: "zh-CN".into(),
        app_version: "1.0.0".into(),
        registered_at: seen,
        last_seen: seen,
    }
}

pub async fn a_person_keeps_ten_devices_and_a_token_belongs_to_one_installation(db: Arc<dyn Database>) {
    let (alice, bob) = (Uuid::now_v7(), Uuid::now_v7());
    db.create_user(user(alice, "+8613912390001", Role::Consumer, None)).await.unwrap();
    db.create_user(user(bob, "+8613912390002", Role::Consumer, None)).await.unwrap();
    let alice_session = session_of(&db, alice).await;
    session_of(&db, bob).await;
    // Many installations register at once: the person keeps the ten seen last.
    let tasks = (0..RACERS as u128).map(|n| {
        let db = db.clone();
        tokio::spawn(async move { db.register_device(device(alice, n, &format!("tok-{n}"), AT + n as i64)).await })
    });
    assert!(join_all(tasks).await.into_iter().all(|r| r.unwrap().is_ok()));
    let kept = db.devices_of(alice).await.unwrap();
    assert_eq!(kept.len(), MAX_DEVICES_PER_PERSON as usize);
    assert_eq!(kept[0].token, format!("tok-{}", RACERS - 1), "the most recently seen first");
    // Registering again refreshes the same installation, not a new one.
    db.register_device(device(alice, RACERS as u128 - 1, "tok-new", AT + 1_000)).await.unwrap();
    let kept = db.devices_of(alice).await.unwrap();
    assert_eq!((kept.len(), kept[0].token.as_str(), kept[0].registered_at), (10, "tok-new", AT + 23));
    // The same phone signed in as someone else: the token moves with it, never pushed to both.
    db.register_device(device(bob, 500, "tok-new", AT + 2_000)).await.unwrap();
    assert!(db.devices_of(alice).await.unwrap().iter().all(|d| d.token != "tok-new"));
    assert_eq!(db.devices_of(bob).await.unwrap().len(), 1);
    // Someone who learnt an installation's id registers it as theirs: the owner's device stays.
    let owned = db.devices_of(alice).await.unwrap()[1].installation;
    let mut taken = device(bob, 0, "tok-bob", AT + 2_100);
    taken.installation = owned;
    db.register_device(taken).await.unwrap();
    assert!(db.devices_of(alice).await.unwrap().iter().any(|d| d.installation == owned), "not moved");
    assert_eq!(db.devices_of(bob).await.unwrap().len(), 2);
    // The provider says a token is gone: dropped.
    assert_eq!(db.drop_push_token(PushProvider::Fcm, "tok-new".into()).await.unwrap(), 1);
    assert_eq!(db.devices_of(bob).await.unwrap().len(), 1);
    // Signing out on an installation forgets it, only one's own.
    let one = db.devices_of(alice).await.unwrap()[0].installation;
    assert!(!db.remove_device(bob, one).await.unwrap());
    assert!(db.remove_device(alice, one).await.unwrap());
    assert_eq!(db.devices_of(alice).await.unwrap().len(), 8);
    // Signed out (or revoked) in the session they registered in: nothing is pushed to them.
    assert!(db.revoke_session(alice_session, "signed out", AT + 3_000).await.unwrap());
    assert!(db.devices_of(alice).await.unwrap().is_empty());
}
