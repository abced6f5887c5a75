//! Funds' contracts: a prepayment is booked once per reference whatever books it at once; paying
//! receivables from the prepayment or the rebate balance debits that balance in the same
//! transaction, once per payment reference, never below zero whatever pays at once; and a settled
//! rebate is credited to the rebate balance exactly when it is booked.
use std::sync::Arc;

use portal_api::*;
use portal_distribution::lifecycle::Actor;
use uuid::Uuid;

use super::orders::{allocated, count, dealer, shipping, take};
use super::{apply, fixture, join_all, op, AT, RACERS, STORE};
use crate::*;

/// A dealer owing `owed` fen, invoiced from an order counted in at the store.
async fn owing(db: &dyn Database, owed: i64) -> (Uuid, Uuid) {
    let promoter = fixture(db).await;
    let (dealer, by) = dealer(db, 10_000_000_00).await;
    let order = allocated(db, dealer, by, "FN-1", 10, owed / 10).await;
    let ship = shipping(&order, 10);
    db.ship_order(ship.clone()).await.unwrap().unwrap();
    apply(db, promoter, op(STORE, count(ship.shipment_id, "FN-1", 10, 0))).await;
    take(db, order.id, OrderAction::Invoice, Actor::OrderCenter).await.unwrap();
    assert_eq!(db.credit_position(dealer).await.unwrap().receivables, owed);
    (dealer, by)
}

fn payment(dealer: Uuid, by: Uuid, amount: i64, reference: &str, source: PaymentSource) -> PaymentChange {
    PaymentChange { dealer_id: dealer, amount, reference: reference.into(), source, by, at: AT }
}

pub async fn a_prepayment_books_once_and_pays_receivables_never_below_zero(db: Arc<dyn Database>) {
    let (dealer, by) = owing(db.as_ref(), 1_000_00).await;
    let deposit = DepositChange { dealer_id: dealer, amount: 300_00, reference: "PRE-1".into(), by, at: AT };
    let tasks = (0..RACERS).map(|_| {
        let (db, deposit) = (db.clone(), deposit.clone());
        tokio::spawn(async move { db.deposit_prepayment(deposit).await.unwrap() })
    });
    for booked in join_all(tasks).await {
        assert!(booked.unwrap().is_ok());
    }
    assert_eq!(db.dealer_funds(dealer, 10).await.unwrap().0.prepayment, 300_00, "one reference, booked once");

    // 24 payments of 50 from a prepayment of 300, each under its own reference: six land.
    let tasks = (0..RACERS).map(|i| {
        let db = db.clone();
        let pay = payment(dealer, by, 50_00, &format!("PAY-{i}"), PaymentSource::Prepayment);
        tokio::spawn(async move { db.record_payment(pay).await.unwrap() })
    });
    let landed = join_all(tasks).await.into_iter().filter(|r| r.as_ref().unwrap().is_ok()).count();
    assert_eq!(landed, 6);
    let (funds, movements) = db.dealer_funds(dealer, 100).await.unwrap();
    assert_eq!(funds.prepayment, 0);
    assert_eq!(movements.iter().filter(|m| m.kind == FundsKind::PaidFromPrepayment).count(), 6);
    assert_eq!(db.credit_position(dealer).await.unwrap().receivables, 700_00, "each debit paid the receivables");
    assert_eq!(
        db.record_payment(payment(dealer, by, 1, "PAY-X", PaymentSource::Prepayment)).await.unwrap(),
        Err(PaymentProblem::MoreThanBalance { balance: 0 })
    );
    // The same reference with another amount is refused, not answered as the first.
    let deposit_again = DepositChange { amount: 301_00, ..deposit.clone() };
    assert_eq!(db.deposit_prepayment(deposit_again).await.unwrap(), Err(PaymentProblem::ReferenceTaken));
    // A retried payment (one that landed) is answered, not debited again.
    let landed = movements.iter().find(|m| m.kind == FundsKind::PaidFromPrepayment).unwrap().reference.clone();
    db.record_payment(payment(dealer, by, 50_00, &landed, PaymentSource::Prepayment)).await.unwrap().unwrap();
    assert_eq!(
        db.record_payment(payment(dealer, by, 40_00, &landed, PaymentSource::Prepayment)).await.unwrap(),
        Err(PaymentProblem::ReferenceTaken)
    );
    assert_eq!(db.dealer_funds(dealer, 100).await.unwrap().1.len(), 7);
}

pub async fn a_settled_rebate_is_credited_once_and_pays_receivables(db: Arc<dyn Database>) {
    let (dealer, by) = owing(db.as_ref(), 1_000_00).await;
    let rule = RebateRuleView {
        id: Uuid::now_v7(),
        name: format!("funds {}", Uuid::now_v7()),
        basis: RebateBasis::SoldOnward,
        period: RebatePeriod::Month,
        tiers: vec![RebateTier { from: 1, basis_points: 300 }],
        paid_as: RebatePaidAs::Credit,
        dealer_id: None,
        starts_on: "2026-01-01".into(),
    };
    assert!(db.put_rebate_rule(rule.clone(), by, AT).await.unwrap());
    let credit = RebateCreditRow {
        dealer_id: dealer,
        rule_id: rule.id,
        period: "2026-11".into(),
        sell_in: 1_000_00,
        sell_through: 1_000_00,
        basis: 1_000_00,
        tier: Some(0),
        amount: 30_00,
        settled_at: AT,
    };
    let tasks = (0..RACERS).map(|_| {
        let (db, credit) = (db.clone(), credit.clone());
        tokio::spawn(async move { db.settle_rebate(credit).await.unwrap() })
    });
    let booked = join_all(tasks).await.into_iter().filter(|b| *b.as_ref().unwrap()).count();
    assert_eq!(booked, 1);
    assert_eq!(db.dealer_funds(dealer, 10).await.unwrap().0.rebate, 30_00);
    assert_eq!(
        db.record_payment(payment(dealer, by, 30_01, "R-1", PaymentSource::Rebate)).await.unwrap(),
        Err(PaymentProblem::MoreThanBalance { balance: 30_00 })
    );
    db.record_payment(payment(dealer, by, 30_00, "R-1", PaymentSource::Rebate)).await.unwrap().unwrap();
    let (funds, movements) = db.dealer_funds(dealer, 10).await.unwrap();
    assert_eq!((funds.rebate, funds.prepayment), (0, 0));
    assert_eq!(movements[0].kind, FundsKind::PaidFromRebate);
    assert_eq!(movements[0].amount, -30_00);
    assert_eq!(db.credit_position(dealer).await.unwrap().receivables, 970_00);
}
