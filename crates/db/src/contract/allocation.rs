//! Allocation's contracts: a scarce SKU is shared among the orders waiting for it by plan and
//! priority in one run, each line keeps what it was given and why and ships no more; the short
//! part is back-ordered or cancelled with its credit released; a retry answers the run as made;
//! and runs made at once never give a line more than it wants.
use std::sync::Arc;

use portal_api::*;
use portal_distribution::lifecycle::Actor;
use uuid::Uuid;

use super::orders::{dealer, new_order, shipping, take};
use super::{fixture, join_all, AT, RACERS};
use crate::*;

const MONTH: i32 = 2026 * 12 + 11;

fn run_of(sku: &str, available: u32, basis: AllocationBasis, tiers: &[&str]) -> AllocationChange {
    let request = AllocationRequest {
        id: Uuid::now_v7(),
        sku: sku.into(),
        available,
        basis,
        priority_tiers: tiers.iter().map(|t| (*t).to_owned()).collect(),
    };
    AllocationChange {
        body_hash: format!("{request:?}"),
        request,
        by: Uuid::from_u128(7),
        at: AT,
        plan_month: MONTH,
        history_days: ("2026-09-01".into(), "2026-11-30".into()),
    }
}

async fn confirmed(db: &dyn Database, order: NewOrder) -> NewOrder {
    let placed = db.place_order(order.clone()).await.unwrap().unwrap();
    assert!(matches!(placed, Placed::New(ref head) if head.status == OrderStatus::Confirmed));
    order
}

fn planned(sku: &str, quantity: u32) -> Vec<PlannedQuantity> {
    vec![PlannedQuantity { sku: sku.into(), month: MONTH, quantity }]
}

pub async fn a_scarce_sku_is_shared_by_plan_and_each_order_keeps_what_it_got_and_why(db: Arc<dyn Database>) {
    fixture(db.as_ref()).await;
    let (big, big_by) = dealer(db.as_ref(), 1_000_000_00).await;
    let (small, small_by) = dealer(db.as_ref(), 1_000_000_00).await;
    let (quitter, quitter_by) = dealer(db.as_ref(), 1_000_000_00).await;
    db.put_demand_plan(big, planned("AL-1", 300), Uuid::from_u128(7), AT).await.unwrap();
    db.put_demand_plan(small, planned("AL-1", 100), Uuid::from_u128(7), AT).await.unwrap();
    db.put_demand_plan(quitter, planned("AL-1", 100), Uuid::from_u128(7), AT).await.unwrap();
    let a = confirmed(db.as_ref(), new_order(big, big_by, "AL-1", 100, 10_00)).await;
    let b = confirmed(db.as_ref(), new_order(small, small_by, "AL-1", 100, 10_00)).await;
    let c = NewOrder { shortfall: Shortfall::CancelTheRest, ..new_order(quitter, quitter_by, "AL-1", 100, 10_00) };
    let c = confirmed(db.as_ref(), c).await;
    assert_eq!(db.allocation_demand("AL-1".into()).await.unwrap().wanted, 300);

    // 100 units shared 3:1:1 by plan.
    let change = run_of("AL-1", 100, AllocationBasis::Plan, &[]);
    let report = db.run_allocation(change.clone()).await.unwrap().unwrap();
    assert_eq!((report.orders, report.wanted, report.granted), (3, 300, 100));
    let got = |order: Uuid| report.grants.iter().find(|g| g.order_id == order).unwrap().clone();
    assert_eq!((got(a.id).granted, got(b.id).granted, got(c.id).granted), (60, 20, 20));
    assert_eq!(got(a.id).reason, AllocationReason::Share { shared: 100 });
    assert!(got(c.id).short_cancelled && !got(a.id).short_cancelled);

    // Each order keeps its allocation; the quitter's short part is cancelled and its credit freed.
    let read = db.order(a.id).await.unwrap().unwrap();
    assert_eq!(read.status, OrderStatus::Allocated);
    let allocation = read.lines[0].allocation.clone().unwrap();
    assert_eq!((allocation.allocated, allocation.basis), (60, AllocationBasis::Plan));
    let quit = db.order(c.id).await.unwrap().unwrap();
    assert_eq!((quit.lines[0].cancelled, quit.credit_held), (80, 200_00));
    assert_eq!(db.credit_position(quitter).await.unwrap().reserved, 200_00);
    assert!(quit.steps.iter().any(|s| s.action == "allocate"));

    // No more than was allocated ships.
    assert!(matches!(db.ship_order(shipping(&a, 61)).await.unwrap(), Err(StepProblem::BadShipLine(_))));
    let shipped = db.ship_order(shipping(&a, 60)).await.unwrap().unwrap();
    assert_eq!(shipped.status, OrderStatus::PartlyShipped);

    // A retry answers the run as made; the id with another body is refused.
    let again = db.run_allocation(change.clone()).await.unwrap().unwrap();
    assert_eq!(again, report);
    let other = AllocationChange { body_hash: "other".into(), ..change };
    assert_eq!(db.run_allocation(other).await.unwrap(), Err(AllocationProblem::IdTaken));

    // The next run tops up the back-orders only; the quitter wants nothing more.
    let next = db.run_allocation(run_of("AL-1", 1_000, AllocationBasis::Plan, &[])).await.unwrap().unwrap();
    assert_eq!((next.orders, next.granted), (2, 120));
    let read = db.order(a.id).await.unwrap().unwrap();
    assert_eq!(read.lines[0].allocation.as_ref().unwrap().allocated, 100);
    assert_eq!(read.lines[0].allocation.as_ref().unwrap().reason, AllocationReason::Full);
    assert_eq!(db.allocation_demand("AL-1".into()).await.unwrap().wanted, 0);
}

pub async fn a_higher_tier_is_served_first_and_a_cancelled_remainder_closes_the_order(db: Arc<dyn Database>) {
    fixture(db.as_ref()).await;
    let (gold, gold_by) = dealer(db.as_ref(), 1_000_000_00).await;
    let (plain, plain_by) = dealer(db.as_ref(), 1_000_000_00).await;
    let links = DealerLinks { store_ids: vec![super::STORE], manager_id: None, tier: Some("silver".into()) };
    db.set_dealer_links(plain, links, AT).await.unwrap();
    let first = confirmed(db.as_ref(), new_order(gold, gold_by, "AL-2", 30, 10_00)).await;
    let late = NewOrder { shortfall: Shortfall::CancelTheRest, ..new_order(plain, plain_by, "AL-2", 30, 10_00) };
    let late = confirmed(db.as_ref(), late).await;
    let report = db.run_allocation(run_of("AL-2", 30, AllocationBasis::Ordered, &["gold", "silver"])).await.unwrap();
    let report = report.unwrap();
    let got = |order: Uuid| report.grants.iter().find(|g| g.order_id == order).unwrap().clone();
    assert_eq!((got(first.id).granted, got(first.id).priority), (30, 2));
    assert_eq!((got(late.id).granted, got(late.id).reason), (0, AllocationReason::NothingLeft));
    let closed = db.order(late.id).await.unwrap().unwrap();
    assert_eq!((closed.status, closed.credit_held, closed.lines[0].cancelled), (OrderStatus::Cancelled, 0, 30));
    assert_eq!(db.credit_position(plain).await.unwrap().reserved, 0);
    let _ = take(db.as_ref(), first.id, OrderAction::Invoice, Actor::OrderCenter).await;
}

pub async fn runs_of_one_sku_made_at_once_never_give_a_line_more_than_it_wants(db: Arc<dyn Database>) {
    fixture(db.as_ref()).await;
    let mut orders = Vec::new();
    for _ in 0..6 {
        let (d, by) = dealer(db.as_ref(), 1_000_000_00).await;
        orders.push(confirmed(db.as_ref(), new_order(d, by, "AL-3", 40, 10_00)).await);
    }
    // 24 runs of 7 units at once: 168 units for 240 wanted; each run sees what the one before gave.
    let tasks: Vec<_> = (0..RACERS)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move { db.run_allocation(run_of("AL-3", 7, AllocationBasis::Ordered, &[])).await })
        })
        .collect();
    let granted: u64 = join_all(tasks).await.into_iter().map(|r| r.unwrap().unwrap().unwrap().granted).sum();
    assert_eq!(granted, 7 * RACERS as u64);
    let mut allocated = 0u64;
    for order in &orders {
        let line = db.order(order.id).await.unwrap().unwrap().lines.remove(0);
        let units = line.allocation.unwrap().allocated;
        assert!(units <= 40);
        allocated += u64::from(units);
    }
    assert_eq!(allocated, granted);

    // One run id sent at once from many tabs: made once, the same answer for all.
    let change = run_of("AL-3", 1_000, AllocationBasis::Ordered, &[]);
    let tasks: Vec<_> = (0..RACERS)
        .map(|_| {
            let (db, change) = (db.clone(), change.clone());
            tokio::spawn(async move { db.run_allocation(change).await })
        })
        .collect();
    let reports: Vec<AllocationReport> =
        join_all(tasks).await.into_iter().map(|r| r.unwrap().unwrap().unwrap()).collect();
    assert!(reports.iter().all(|r| r == &reports[0]));
    assert_eq!(reports[0].granted, 240 - granted);
}
