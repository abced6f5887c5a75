//! Approvals' contracts: a request is kept once per id whatever sends it at once, and decided once
//! whatever decides at once; a reopened request waits again.
use std::sync::Arc;

use portal_api::*;
use uuid::Uuid;

use super::orders::dealer;
use super::{fixture, join_all, AT, RACERS};
use crate::*;

pub async fn a_request_is_kept_once_and_decided_once_whatever_decides_at_once(db: Arc<dyn Database>) {
    fixture(db.as_ref()).await;
    let (dealer, asker) = dealer(db.as_ref(), 0).await;
    let row = ApprovalRow {
        id: Uuid::now_v7(),
        kind: "credit_limit".into(),
        dealer_id: dealer,
        body: r#"{"credit_limit":900000000}"#.into(),
        reason: "season".into(),
        requested_by: asker,
        body_hash: "h".into(),
        requested_at: AT,
        status: ApprovalStatus::Waiting,
        decided_by: None,
        decided_at: None,
        decision_reason: None,
    };
    let tasks = (0..RACERS).map(|i| {
        let (db, row) = (db.clone(), ApprovalRow { reason: format!("season {i}"), ..row.clone() });
        tokio::spawn(async move { db.put_approval(row).await.unwrap() })
    });
    let kept: Vec<ApprovalRow> = join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    assert!(kept.iter().all(|k| k.reason == kept[0].reason), "one request kept under the id");
    assert_eq!(db.waiting_approvals(asker).await.unwrap(), 1);

    let tasks = (0..RACERS).map(|i| {
        let db = db.clone();
        let status = if i % 2 == 0 { ApprovalStatus::Approved } else { ApprovalStatus::Rejected };
        tokio::spawn(async move {
            db.decide_approval(row.id, status, Uuid::from_u128(i as u128), format!("d{i}"), AT).await.unwrap()
        })
    });
    let won = join_all(tasks).await.into_iter().filter(|w| *w.as_ref().unwrap()).count();
    assert_eq!(won, 1, "decided once");
    let decided = db.approval(row.id).await.unwrap().unwrap();
    assert_ne!(decided.status, ApprovalStatus::Waiting);
    assert!(db.approvals(ApprovalStatus::Waiting, Some(asker), 10).await.unwrap().is_empty());

    // A decision whose change could not be made puts it back, for its decider only.
    db.reopen_approval(row.id, Uuid::from_u128(999)).await.unwrap();
    assert_ne!(db.approval(row.id).await.unwrap().unwrap().status, ApprovalStatus::Waiting);
    db.reopen_approval(row.id, decided.decided_by.unwrap()).await.unwrap();
    assert_eq!(db.approvals(ApprovalStatus::Waiting, None, 10).await.unwrap().len(), 1);
}
