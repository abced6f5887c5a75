//! Campaigns' contracts: a campaign is kept once whatever creates it at once, changes only from
//! the state its changer read (of many approvals at once, one lands, with one step), lists newest
//! first in pages, and the approve right is granted and taken back.
use std::sync::Arc;

use portal_api::*;
use uuid::Uuid;

use super::{join_all, user, AT, RACERS};
use crate::*;

fn campaign(id: Uuid, author: Uuid, created_at: i64) -> CampaignRow {
    CampaignRow {
        id,
        name: "双十二".into(),
        category: "promotions".into(),
        status: CampaignStatus::Draft,
        audience: "{}".into(),
        content: "{}".into(),
        channels: "[\"inbox\"]".into(),
        starts_at: None,
        ends_at: None,
        holdout_percent: 10,
        revision: 1,
        author,
        last_editor: author,
        submitted_by: None,
        decided_by: None,
        decision_reason: None,
        body_hash: "h1".into(),
        created_at,
        updated_at: created_at,
        queued_through: None,
        queued_at: None,
        coupon: None,
        coupons_withdrawn_at: None,
    }
}

fn step(id: Uuid, by: Uuid, action: CampaignAction, from: CampaignStatus, to: CampaignStatus) -> CampaignStepRow {
    CampaignStepRow { campaign_id: id, at: AT, by, action, from, to, reason: None, revision: 1 }
}

pub async fn a_campaign_is_kept_once_and_changed_once_from_the_state_its_changer_read(db: Arc<dyn Database>) {
    let (writer, approver) = (Uuid::now_v7(), Uuid::now_v7());
    db.create_user(user(writer, "+8613912350001", Role::Operator, None)).await.unwrap();
    db.create_user(user(approver, "+8613912350002", Role::Operator, None)).await.unwrap();
    let id = Uuid::now_v7();
    let created = step(id, writer, CampaignAction::Edit, CampaignStatus::Draft, CampaignStatus::Draft);
    let tasks = (0..RACERS).map(|i| {
        let (db, created) = (db.clone(), created.clone());
        let mut row = campaign(id, writer, AT);
        row.body_hash = format!("h{}", i % 2);
        tokio::spawn(async move { db.put_campaign(row, created).await })
    });
    let kept: Vec<CampaignRow> = join_all(tasks).await.into_iter().map(|r| r.unwrap().unwrap()).collect();
    assert!(kept.iter().all(|k| k == &kept[0]), "every creator is answered with the one kept");
    assert_eq!(db.campaign_steps(id).await.unwrap().len(), 1, "one first step");

    // Submitted, then approved by many at once: one lands.
    let mut submitted = kept[0].clone();
    (submitted.status, submitted.submitted_by) = (CampaignStatus::Submitted, Some(writer));
    let s = step(id, writer, CampaignAction::Submit, CampaignStatus::Draft, CampaignStatus::Submitted);
    assert!(db.change_campaign(submitted.clone(), CampaignStatus::Draft, 1, s.clone()).await.unwrap());
    assert!(!db.change_campaign(submitted.clone(), CampaignStatus::Draft, 1, s).await.unwrap(), "moved on");
    let tasks = (0..RACERS).map(|i| {
        let db = db.clone();
        let mut row = submitted.clone();
        (row.status, row.decided_by) = (CampaignStatus::Approved, Some(approver));
        row.decision_reason = Some(format!("ok {i}"));
        let s = step(id, approver, CampaignAction::Approve, CampaignStatus::Submitted, CampaignStatus::Approved);
        tokio::spawn(async move { db.change_campaign(row, CampaignStatus::Submitted, 1, s).await })
    });
    let landed = join_all(tasks).await.into_iter().filter(|r| *r.as_ref().unwrap().as_ref().unwrap()).count();
    assert_eq!(landed, 1, "one approval of what many read");
    let steps = db.campaign_steps(id).await.unwrap();
    assert_eq!(steps.len(), 3);
    assert_eq!((steps[2].step.action, steps[2].step.by), (CampaignAction::Approve, approver));
    assert_eq!(steps[2].by_name, "T +8613912350002");
    let now = db.campaign(id).await.unwrap().unwrap();
    assert_eq!(now.status, CampaignStatus::Approved);
    // An edit read at an older revision does not land.
    let mut edit = now.clone();
    (edit.status, edit.revision) = (CampaignStatus::Draft, 2);
    let s = step(id, writer, CampaignAction::Edit, CampaignStatus::Approved, CampaignStatus::Draft);
    assert!(!db.change_campaign(edit.clone(), CampaignStatus::Approved, 0, s.clone()).await.unwrap());
    assert!(db.change_campaign(edit, CampaignStatus::Approved, 1, s).await.unwrap());
    assert_eq!(db.campaign(id).await.unwrap().unwrap().revision, 2);

    // Pages newest first, by status.
    for n in 0..5 {
        db.put_campaign(campaign(Uuid::now_v7(), writer, AT + 10 + n), created.clone()).await.unwrap();
    }
    let first = db.campaigns(None, None, 4).await.unwrap();
    assert_eq!(first.len(), 4);
    assert!(first.windows(2).all(|w| w[0].created_at >= w[1].created_at));
    let last = first.last().unwrap();
    let rest = db.campaigns(None, Some((last.created_at, last.id)), 10).await.unwrap();
    assert_eq!(first.len() + rest.len(), 6);
    assert!(rest.iter().all(|r| !first.iter().any(|f| f.id == r.id)));
    assert_eq!(db.campaigns(Some(CampaignStatus::Draft), None, 10).await.unwrap().len(), 6);
    assert!(db.campaigns(Some(CampaignStatus::Running), None, 10).await.unwrap().is_empty());

    // The approve right.
    assert!(!db.approves_campaigns(approver).await.unwrap());
    db.set_campaign_approver(approver, Some(writer), AT).await.unwrap();
    db.set_campaign_approver(approver, Some(writer), AT).await.unwrap();
    assert!(db.approves_campaigns(approver).await.unwrap());
    db.set_campaign_approver(approver, None, AT).await.unwrap();
    assert!(!db.approves_campaigns(approver).await.unwrap());
}
