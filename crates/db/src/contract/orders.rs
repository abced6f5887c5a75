//! Orders' contracts: credit is reserved in the order's own transaction and never past the line
//! whatever places at once; a retry lands once; one step wins when two are taken at once; a
//! shipment counted in at many tablets at once is booked once; and the credit follows the order
//! to its invoice.
use std::sync::Arc;

use portal_api::*;
use portal_distribution::lifecycle::Actor;
use uuid::Uuid;

use super::{apply, fixture, join_all, op, AT, RACERS, STORE};
use crate::*;

/// A dealer supplying `STORE`, with a distributor and a credit line of `limit`; returns (dealer, distributor).
pub(super) async fn dealer(db: &dyn Database, limit: i64) -> (Uuid, Uuid) {
    let dealer = Uuid::now_v7();
    let code = format!("D-{}", &dealer.simple().to_string()[20..]);
    db.upsert_dealer(Dealer { id: dealer, code: code.clone(), name: code, region: "east".into() }).await.unwrap();
    let distributor = Uuid::now_v7();
    let phone = format!("+86139{:08}", dealer.as_u128() % 100_000_000);
    db.create_user(NewUser {
        id: distributor,
        display_name: "经销商".into(),
        role: Role::Distributor,
        store_id: None,
        dealer_id: Some(dealer),
        password_hash: None,
        created_at: AT - 86_400,
        identities: vec![NewIdentity { kind: IdentityKind::Phone, value: phone, verified: true }],
    })
    .await
    .unwrap();
    let links = portal_api::DealerLinks { store_ids: vec![STORE], manager_id: None, tier: Some("gold".into()) };
    db.set_dealer_links(dealer, links, AT).await.unwrap();
    let set = CreditLimitChange { dealer_id: dealer, limit, by: distributor, reason: "opening line".into(), at: AT };
    db.set_credit_limit(set).await.unwrap().unwrap();
    (dealer, distributor)
}

pub(super) fn new_order(dealer: Uuid, by: Uuid, sku: &str, quantity: u32, price: i64) -> NewOrder {
    let id = Uuid::now_v7();
    NewOrder {
        id,
        dealer_id: dealer,
        ship_to: STORE,
        shortfall: Shortfall::BackOrder,
        note: None,
        lines: vec![PricedLine {
            sku: sku.into(),
            quantity,
            unit_price: price,
            list_price: price,
            floor: None,
            special_price: false,
            below_floor: false,
        }],
        placed_by: by,
        body_hash: format!("{sku}×{quantity}@{price}"),
        at: AT,
    }
}

/// An order placed and allocated, ready to ship.
pub(super) async fn allocated(
    db: &dyn Database,
    dealer: Uuid,
    by: Uuid,
    sku: &str,
    quantity: u32,
    price: i64,
) -> NewOrder {
    let order = new_order(dealer, by, sku, quantity, price);
    db.place_order(order.clone()).await.unwrap().unwrap();
    take(db, order.id, OrderAction::Allocate, Actor::OrderCenter).await.unwrap();
    order
}

/// A shipment of `quantity` of the order's one SKU, under a new id.
pub(super) fn shipping(order: &NewOrder, quantity: u32) -> ShipChange {
    ShipChange {
        order: order.id,
        shipment_id: Uuid::now_v7(),
        lines: vec![ShipLine { sku: order.lines[0].sku.clone(), quantity }],
        by: order.placed_by,
        at: AT,
    }
}

fn placed_status(placed: &Placed) -> OrderStatus {
    match placed {
        Placed::New(head) | Placed::Again(head) => head.status,
    }
}

pub(super) async fn take(
    db: &dyn Database,
    order: Uuid,
    action: OrderAction,
    actor: Actor,
) -> Result<OrderHead, StepProblem> {
    let change = OrderStepChange {
        order,
        action,
        actor,
        by: Uuid::now_v7(),
        reason: Some("checked".into()),
        authority: None,
        at: AT,
    };
    db.step_order(change).await.unwrap()
}

pub async fn an_order_reserves_its_credit_or_waits_and_a_retry_lands_once(db: Arc<dyn Database>) {
    fixture(db.as_ref()).await;
    let (dealer, by) = dealer(db.as_ref(), 1_000_00).await;
    let first = new_order(dealer, by, "TV-55", 6, 100_00);
    let placed = db.place_order(first.clone()).await.unwrap().unwrap();
    assert!(matches!(placed, Placed::New(ref h) if h.status == OrderStatus::Confirmed && h.credit_held == 600_00));
    assert!(matches!(db.place_order(first.clone()).await.unwrap(), Ok(Placed::Again(_))), "a retry lands once");
    let changed = NewOrder { body_hash: "another body".into(), ..first.clone() };
    assert_eq!(db.place_order(changed).await.unwrap(), Err(PlaceRefused::IdTaken));
    let other_account = NewOrder { placed_by: Uuid::now_v7(), ..first.clone() };
    assert_eq!(db.place_order(other_account).await.unwrap(), Err(PlaceRefused::IdTaken));

    let over = new_order(dealer, by, "TV-55", 5, 100_00);
    let placed = db.place_order(over.clone()).await.unwrap().unwrap();
    assert_eq!(placed_status(&placed), OrderStatus::CreditReview);
    let position = db.credit_position(dealer).await.unwrap();
    assert_eq!((position.reserved, position.limit), (600_00, 1_000_00), "an order in review holds nothing");

    // The line cannot be lowered below what is in use; the dealer cannot release their own order.
    let lower = CreditLimitChange { dealer_id: dealer, limit: 599_99, by, reason: "risk".into(), at: AT };
    assert!(db.set_credit_limit(lower).await.unwrap().is_err());
    let own = take(db.as_ref(), over.id, OrderAction::ReleaseCredit, Actor::Distributor).await;
    assert!(matches!(own, Err(StepProblem::Refused(_))), "{own:?}");
    let released = take(db.as_ref(), over.id, OrderAction::ReleaseCredit, Actor::BusinessManager).await.unwrap();
    assert_eq!((released.status, released.credit_held), (OrderStatus::Confirmed, 500_00));
    assert_eq!(db.credit_position(dealer).await.unwrap().reserved, 1_100_00, "released past the line, as decided");

    let cancelled = take(db.as_ref(), first.id, OrderAction::Cancel, Actor::Distributor).await.unwrap();
    assert_eq!((cancelled.status, cancelled.credit_held), (OrderStatus::Cancelled, 0));
    assert_eq!(db.credit_position(dealer).await.unwrap().reserved, 500_00);

    assert_eq!(db.dealer_links(dealer).await.unwrap().tier.as_deref(), Some("gold"));
    let read = db.order(over.id).await.unwrap().unwrap();
    let actions: Vec<&str> = read.steps.iter().map(|s| s.action.as_str()).collect();
    assert_eq!(actions, ["submitted", "release_credit"]);
    assert_eq!(read.steps[0].status, OrderStatus::CreditReview);
    assert_eq!(read.steps[0].by_name, "经销商");
    // Every step reached the dealer's distributor as a service message, once.
    let inbox = db.inbox(by, 50).await.unwrap();
    assert_eq!(inbox.messages.len(), 4, "{inbox:?}");
    assert!(inbox.messages.iter().all(|m| m.kind == TriggerKind::OrderUpdate));
    assert!(inbox.messages.iter().any(|m| m.title_en.ends_with("was cancelled")));
    let page =
        OrderPage { dealers: Some(vec![dealer]), statuses: vec![], before: None, limit: 10, oldest_first: false };
    let listed = db.order_page(page).await.unwrap();
    assert_eq!(listed.len(), 2);
    let open = OrderPage {
        dealers: None,
        statuses: vec![OrderStatus::Confirmed],
        before: None,
        limit: 10,
        oldest_first: true,
    };
    assert!(db.order_page(open).await.unwrap().iter().all(|o| o.status == OrderStatus::Confirmed));
}

pub async fn orders_racing_for_one_credit_line_never_reserve_past_it(db: Arc<dyn Database>) {
    fixture(db.as_ref()).await;
    let (dealer, by) = dealer(db.as_ref(), 1_000_00).await;
    let tasks = (0..RACERS).map(|_| {
        let db = db.clone();
        tokio::spawn(async move { db.place_order(new_order(dealer, by, "AC-12", 1, 100_00)).await.unwrap().unwrap() })
    });
    let statuses: Vec<OrderStatus> = join_all(tasks).await.into_iter().map(|r| placed_status(&r.unwrap())).collect();
    let confirmed = statuses.iter().filter(|s| **s == OrderStatus::Confirmed).count();
    assert_eq!(confirmed, 10, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == OrderStatus::CreditReview).count(), RACERS - 10);
    assert_eq!(db.credit_position(dealer).await.unwrap().reserved, 1_000_00);
}

pub async fn one_order_released_and_rejected_at_once_takes_one_step(db: Arc<dyn Database>) {
    fixture(db.as_ref()).await;
    let (dealer, by) = dealer(db.as_ref(), 0).await;
    let order = new_order(dealer, by, "WM-8", 2, 100_00);
    db.place_order(order.clone()).await.unwrap().unwrap();
    let tasks = (0..RACERS).map(|i| {
        let db = db.clone();
        let action = if i % 2 == 0 { OrderAction::ReleaseCredit } else { OrderAction::RejectCredit };
        tokio::spawn(async move { take(db.as_ref(), order.id, action, Actor::BusinessManager).await })
    });
    let results: Vec<_> = join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    let won: Vec<&OrderHead> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(won.len(), 1, "{results:?}");
    let read = db.order(order.id).await.unwrap().unwrap();
    assert_eq!(read.steps.len(), 2);
    let reserved = db.credit_position(dealer).await.unwrap().reserved;
    match read.status {
        OrderStatus::Confirmed => assert_eq!((reserved, read.credit_held), (200_00, 200_00)),
        OrderStatus::Rejected => assert_eq!((reserved, read.credit_held), (0, 0)),
        other => panic!("{other:?}"),
    }
}

pub(super) fn count(shipment: Uuid, sku: &str, received: i64, damaged: i64) -> StoreAction {
    StoreAction::ShipmentIn { shipment_id: shipment, lines: vec![CountedLine { sku: sku.into(), received, damaged }] }
}

pub async fn a_shipment_counted_in_at_many_tablets_at_once_is_booked_once(db: Arc<dyn Database>) {
    let promoter = fixture(db.as_ref()).await;
    let (dealer, by) = dealer(db.as_ref(), 10_000_00).await;
    let order = new_order(dealer, by, "TV-65", 10, 300_00);
    db.place_order(order.clone()).await.unwrap().unwrap();
    take(db.as_ref(), order.id, OrderAction::Allocate, Actor::OrderCenter).await.unwrap();
    let ship = |id: Uuid, quantity: u32| ShipChange {
        order: order.id,
        shipment_id: id,
        lines: vec![ShipLine { sku: "TV-65".into(), quantity }],
        by,
        at: AT,
    };
    let (first, second) = (Uuid::now_v7(), Uuid::now_v7());
    assert_eq!(db.ship_order(ship(first, 6)).await.unwrap().unwrap().status, OrderStatus::PartlyShipped);
    assert_eq!(db.ship_order(ship(first, 6)).await.unwrap().unwrap().status, OrderStatus::PartlyShipped, "a retry");
    assert!(matches!(db.ship_order(ship(Uuid::now_v7(), 5)).await.unwrap(), Err(StepProblem::BadShipLine(_))));
    assert_eq!(db.expected_shipments(STORE).await.unwrap().len(), 1);

    let tasks = (0..RACERS).map(|_| {
        let db = db.clone();
        tokio::spawn(async move { apply(db.as_ref(), promoter, op(STORE, count(first, "TV-65", 5, 1))).await })
    });
    let outcomes: Vec<OpOutcome> = join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    let applied: Vec<&OpOutcome> = outcomes.iter().filter(|o| o.status == OpStatus::Applied).collect();
    assert_eq!(applied.len(), 1, "{outcomes:?}");
    assert!(applied[0].flags.contains(&OpFlag::ShipmentDamaged { sku: "TV-65".into(), damaged: 1 }));
    assert!(outcomes
        .iter()
        .filter(|o| o.status == OpStatus::Rejected)
        .all(|o| o.error.as_ref().unwrap().code == ErrorCode::ShipmentAlreadyReceived));
    let stock = db.stock(STORE).await.unwrap();
    let on_hand = stock.levels.iter().find(|s| s.sku == "TV-65").map(|s| s.on_hand);
    assert_eq!(on_hand, Some(5), "booked once: {stock:?}");

    // More than shipped is refused whole; the rest of the order ships, is counted, and invoiced.
    assert_eq!(db.ship_order(ship(second, 4)).await.unwrap().unwrap().status, OrderStatus::Shipped);
    let too_many = apply(db.as_ref(), promoter, op(STORE, count(second, "TV-65", 5, 0))).await;
    assert_eq!(too_many.error.unwrap().code, ErrorCode::ReceiptExceedsShipment);
    let counted = apply(db.as_ref(), promoter, op(STORE, count(second, "TV-65", 3, 0))).await;
    assert_eq!(counted.status, OpStatus::Applied);
    assert!(counted.flags.contains(&OpFlag::ShipmentShort { sku: "TV-65".into(), short: 1 }));
    let read = db.order(order.id).await.unwrap().unwrap();
    assert_eq!(read.status, OrderStatus::Received);
    assert_eq!((read.lines[0].shipped, read.lines[0].received), (10, 8));
    assert!(db.expected_shipments(STORE).await.unwrap().is_empty());
    let invoiced = take(db.as_ref(), order.id, OrderAction::Invoice, Actor::OrderCenter).await.unwrap();
    assert_eq!(invoiced.status, OrderStatus::Invoiced);
    let position = db.credit_position(dealer).await.unwrap();
    assert_eq!((position.reserved, position.receivables), (0, 8 * 300_00), "invoiced what was counted in good");
}

pub async fn cancelling_the_rest_at_shipping_releases_its_credit(db: Arc<dyn Database>) {
    fixture(db.as_ref()).await;
    let (dealer, by) = dealer(db.as_ref(), 10_000_00).await;
    let order = NewOrder { shortfall: Shortfall::CancelTheRest, ..new_order(dealer, by, "FR-1", 10, 100_00) };
    db.place_order(order.clone()).await.unwrap().unwrap();
    take(db.as_ref(), order.id, OrderAction::Allocate, Actor::OrderCenter).await.unwrap();
    let shipped = db.ship_order(shipping(&order, 7)).await.unwrap().unwrap();
    assert_eq!((shipped.status, shipped.credit_held), (OrderStatus::Shipped, 700_00));
    assert_eq!(db.credit_position(dealer).await.unwrap().reserved, 700_00);
    let read = db.order(order.id).await.unwrap().unwrap();
    assert_eq!((read.lines[0].shipped, read.lines[0].cancelled), (7, 3));
}

pub async fn a_back_order_given_up_releases_what_is_still_owed_and_a_payment_books_once(db: Arc<dyn Database>) {
    let promoter = fixture(db.as_ref()).await;
    let (dealer, by) = dealer(db.as_ref(), 10_000_00).await;
    let order = allocated(db.as_ref(), dealer, by, "TV-75", 10, 100_00).await;
    let ship = shipping(&order, 6);
    let shipment = ship.shipment_id;
    db.ship_order(ship.clone()).await.unwrap().unwrap();
    let other_lines = ShipChange { lines: vec![ShipLine { sku: "TV-75".into(), quantity: 4 }], ..ship };
    assert_eq!(
        db.ship_order(other_lines).await.unwrap(),
        Err(StepProblem::ShipmentIdTaken),
        "an id is bound to its lines"
    );
    let counted = apply(db.as_ref(), promoter, op(STORE, count(shipment, "TV-75", 6, 0))).await;
    assert_eq!(counted.status, OpStatus::Applied, "{counted:?}");
    assert_eq!(db.order(order.id).await.unwrap().unwrap().status, OrderStatus::PartlyShipped, "4 still owed");

    // The dealer gives up the rest: everything shipped was counted in, so the order is received.
    let closed = take(db.as_ref(), order.id, OrderAction::CloseRest, Actor::Distributor).await.unwrap();
    assert_eq!((closed.status, closed.credit_held), (OrderStatus::Received, 600_00));
    assert_eq!(db.credit_position(dealer).await.unwrap().reserved, 600_00);
    let read = db.order(order.id).await.unwrap().unwrap();
    assert_eq!((read.lines[0].shipped, read.lines[0].cancelled), (6, 4));
    take(db.as_ref(), order.id, OrderAction::Invoice, Actor::OrderCenter).await.unwrap();
    assert_eq!(db.credit_position(dealer).await.unwrap().receivables, 600_00);

    let pay = |amount: i64, reference: &str| PaymentChange {
        dealer_id: dealer,
        amount,
        reference: reference.into(),
        source: PaymentSource::Bank,
        by,
        at: AT,
    };
    let tasks = (0..RACERS).map(|_| {
        let db = db.clone();
        let payment = pay(200_00, "BANK-1");
        tokio::spawn(async move { db.record_payment(payment).await.unwrap() })
    });
    for result in join_all(tasks).await {
        assert!(result.unwrap().is_ok());
    }
    assert_eq!(db.credit_position(dealer).await.unwrap().receivables, 400_00, "one reference, booked once");
    assert_eq!(
        db.record_payment(pay(400_01, "BANK-2")).await.unwrap(),
        Err(PaymentProblem::MoreThanOwed { owed: 400_00 })
    );
    assert_eq!(db.record_payment(pay(0, "BANK-3")).await.unwrap(), Err(PaymentProblem::NotPositive));
}

pub async fn a_business_manager_releases_only_within_their_authority(db: Arc<dyn Database>) {
    fixture(db.as_ref()).await;
    let (dealer, by) = dealer(db.as_ref(), 100_00).await;
    let order = new_order(dealer, by, "AC-9", 3, 100_00);
    db.place_order(order.clone()).await.unwrap().unwrap();
    let release = |authority: Option<i64>| OrderStepChange {
        order: order.id,
        action: OrderAction::ReleaseCredit,
        actor: Actor::BusinessManager,
        by,
        reason: None,
        authority,
        at: AT,
    };
    let refused = db.step_order(release(Some(200_00))).await.unwrap();
    assert_eq!(refused, Err(StepProblem::AboveAuthority { would_use: 300_00, authority: 200_00 }));
    assert_eq!(db.credit_position(dealer).await.unwrap().reserved, 0, "a refusal leaves nothing behind");
    assert_eq!(db.step_order(release(Some(300_00))).await.unwrap().unwrap().status, OrderStatus::Confirmed);
}

pub async fn a_dealer_cannot_bury_the_review_queue_whatever_places_at_once(db: Arc<dyn Database>) {
    fixture(db.as_ref()).await;
    let (dealer, by) = dealer(db.as_ref(), 0).await;
    let wanted = crate::engines::orders::MAX_WAITING as usize + 10;
    let tasks = (0..wanted).map(|_| {
        let db = db.clone();
        tokio::spawn(async move { db.place_order(new_order(dealer, by, "WM-1", 1, 100_00)).await.unwrap() })
    });
    let results: Vec<_> = join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    let waiting =
        results.iter().filter(|r| matches!(r, Ok(Placed::New(h)) if h.status == OrderStatus::CreditReview)).count();
    assert_eq!(waiting, crate::engines::orders::MAX_WAITING as usize);
    assert_eq!(results.iter().filter(|r| **r == Err(PlaceRefused::TooManyWaiting)).count(), 10);
}

pub async fn goods_in_and_the_next_shipment_of_one_order_at_once_both_land(db: Arc<dyn Database>) {
    let promoter = fixture(db.as_ref()).await;
    let (dealer, by) = dealer(db.as_ref(), 100_000_00).await;
    let mut work = Vec::new();
    for _ in 0..RACERS / 2 {
        let order = allocated(db.as_ref(), dealer, by, "FR-9", 4, 100_00).await;
        let first = shipping(&order, 2);
        db.ship_order(first.clone()).await.unwrap().unwrap();
        work.push((order.clone(), first.shipment_id));
    }
    let mut tasks = Vec::new();
    for (order, shipment) in &work {
        let (db1, db2, order, shipment) = (db.clone(), db.clone(), order.clone(), *shipment);
        tasks.push(tokio::spawn(async move {
            let outcome = apply(db1.as_ref(), promoter, op(STORE, count(shipment, "FR-9", 2, 0))).await;
            assert_eq!(outcome.status, OpStatus::Applied, "{outcome:?}");
        }));
        tasks.push(tokio::spawn(async move {
            db2.ship_order(shipping(&order, 2)).await.unwrap().unwrap();
        }));
    }
    for result in join_all(tasks).await {
        result.unwrap();
    }
    for (order, _) in &work {
        let read = db.order(order.id).await.unwrap().unwrap();
        assert_eq!(read.status, OrderStatus::Shipped);
        assert_eq!((read.lines[0].shipped, read.lines[0].received), (4, 2));
    }
}

pub async fn a_dealers_flows_count_what_their_stores_sold_of_what_they_delivered_and_a_rebate_settles_once(
    db: Arc<dyn Database>,
) {
    let promoter = fixture(db.as_ref()).await;
    let (dealer, by) = dealer(db.as_ref(), 10_000_00).await;
    let order = allocated(db.as_ref(), dealer, by, "TV-1", 5, 100_00).await;
    let ship = shipping(&order, 5);
    let shipment = ship.shipment_id;
    db.ship_order(ship).await.unwrap().unwrap();
    assert_eq!(apply(db.as_ref(), promoter, op(STORE, count(shipment, "TV-1", 5, 0))).await.status, OpStatus::Applied);
    let shift = super::open_shift(db.as_ref(), promoter).await;
    for i in 0..2 {
        assert_eq!(
            apply(db.as_ref(), promoter, op(STORE, super::cash_sale(shift, i, None))).await.status,
            OpStatus::Applied
        );
    }
    // Counted in at the server's time (now); the sales on the contract's day.
    let day = portal_store_ops::day::local_day(AT);
    let span = FlowSpan { from_at: 0, until_at: i64::MAX / 2, first_day: day.clone(), last_day: day.clone() };
    let flows = db.dealer_flows(dealer, span).await.unwrap();
    assert_eq!(flows.len(), 1, "{flows:?}");
    assert_eq!((flows[0].delivered_units, flows[0].delivered_value, flows[0].sold_units), (5, 500_00, 2));
    assert_eq!(db.store_sold(STORE, day.clone(), day.clone()).await.unwrap(), vec![("TV-1".to_owned(), 2)]);
    let before = FlowSpan { from_at: 0, until_at: 1, first_day: day.clone(), last_day: day };
    assert!(db.dealer_flows(dealer, before).await.unwrap().is_empty(), "nothing delivered before the span");

    let rule = RebateRuleView {
        id: Uuid::now_v7(),
        name: format!("monthly {}", Uuid::now_v7()),
        basis: RebateBasis::SoldOnward,
        period: RebatePeriod::Month,
        tiers: vec![RebateTier { from: 1, basis_points: 200 }],
        paid_as: RebatePaidAs::Credit,
        dealer_id: None,
        starts_on: "2026-01-01".into(),
    };
    assert!(db.put_rebate_rule(rule.clone(), by, AT).await.unwrap());
    assert!(
        !db.put_rebate_rule(RebateRuleView { id: Uuid::now_v7(), ..rule.clone() }, by, AT).await.unwrap(),
        "a name once"
    );
    assert!(db.rebate_rules(10).await.unwrap().iter().any(|r| r.id == rule.id));
    let credit = RebateCreditRow {
        dealer_id: dealer,
        rule_id: rule.id,
        period: "2026-11".into(),
        sell_in: 500_00,
        sell_through: 200_00,
        basis: 200_00,
        tier: Some(0),
        amount: 4_00,
        settled_at: AT,
    };
    let tasks = (0..RACERS).map(|_| {
        let (db, credit) = (db.clone(), credit.clone());
        tokio::spawn(async move { db.settle_rebate(credit).await.unwrap() })
    });
    let booked = join_all(tasks).await.into_iter().filter(|r| *r.as_ref().unwrap()).count();
    assert_eq!(booked, 1, "settled once whatever settles at once");
    assert_eq!(db.credited_basis(dealer, rule.id, "2026-12".into()).await.unwrap(), 200_00);
    assert_eq!(db.credited_basis(dealer, rule.id, "2026-11".into()).await.unwrap(), 0, "not the period itself");
    assert_eq!(db.rebate_credits(dealer, 10).await.unwrap(), vec![credit]);
    assert!(db.supplying_dealers(None, 1_000).await.unwrap().contains(&dealer));
}
