use portal_api::{ReturnLine, SaleLine, SkuQuantity, StockLevel, StockReport};

use super::*;
use crate::store_stock;

fn code(e: ClientError) -> ErrorCode {
    match e {
        ClientError::Api(a) => a.code,
        other => panic!("not an API error: {other}"),
    }
}

fn sale(shift_id: Uuid, receipt_no: &str, cash: i64) -> StoreAction {
    StoreAction::Sale {
        sale_id: Uuid::now_v7(),
        shift_id,
        receipt_no: receipt_no.into(),
        customer_phone: None,
        customer_consent: false,
        lines: vec![
            SaleLine { sku: "TV-1".into(), quantity: 1, unit_price: 3000_00, discount: 0, serial: Some("SN1".into()) },
            SaleLine { sku: "CABLE".into(), quantity: 3, unit_price: 10_00, discount: 0, serial: None },
        ],
        order_discount: 30_00,
        payments: vec![
            Payment { method: PaymentMethod::Card, amount: 2000_00 },
            Payment { method: PaymentMethod::Cash, amount: cash },
        ],
        gifts: vec![SkuQuantity { sku: "GIFT".into(), quantity: 1 }],
        offer: None,
        coupon: None,
    }
}

#[test]
fn a_sale_whose_offer_took_what_was_not_shown_is_refused_before_it_is_queued() {
    let dir = tempfile::tempdir().unwrap();
    let mut cache = Cache::open(&dir.path().join("c.sqlite")).unwrap();
    let (user, store, shift) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    record(&mut cache, user, store, StoreAction::OpenShift { shift_id: shift, opening_cash: 0 }, 10, 1).unwrap();
    let with_offer = |accepted: &str, receipt_no: String| {
        let StoreAction::Sale { sale_id, shift_id, customer_phone, customer_consent, lines, payments, gifts, .. } =
            sale(shift, "T-000001", 1000_00)
        else {
            unreachable!()
        };
        StoreAction::Sale {
            sale_id,
            shift_id,
            receipt_no,
            customer_phone,
            customer_consent,
            lines,
            order_discount: 30_00,
            payments,
            gifts,
            offer: Some(portal_api::CounterOffer {
                recommendation: Uuid::now_v7(),
                shown: vec!["CABLE".into(), "CASE".into()],
                accepted: vec![accepted.into()],
            }),
            coupon: None,
        }
    };
    let no = next_receipt_no(&cache, "T").unwrap();
    let refused = record(&mut cache, user, store, with_offer("EARPHONES", no.clone()), 10, 2).unwrap_err();
    assert_eq!(code(refused), ErrorCode::InvalidStoreOp);
    assert_eq!(outbox::pending_count(&cache, user).unwrap(), 1, "only the shift is queued");
    record(&mut cache, user, store, with_offer("CABLE", no), 10, 3).unwrap();
    assert_eq!(outbox::pending_count(&cache, user).unwrap(), 2);
}

#[test]
fn the_counter_checks_shifts_and_returns_as_the_server_will() {
    let dir = tempfile::tempdir().unwrap();
    let mut cache = Cache::open(&dir.path().join("c.sqlite")).unwrap();
    let (user, store) = (Uuid::now_v7(), Uuid::now_v7());
    let shift = Uuid::now_v7();
    let open = StoreAction::OpenShift { shift_id: shift, opening_cash: 500_00 };

    let first_no = next_receipt_no(&cache, "Tablet 7").unwrap();
    assert_eq!(first_no, "Tablet7-000001");
    let refused = record(&mut cache, user, store, sale(shift, &first_no, 1000_00), 10, 1).unwrap_err();
    assert_eq!(code(refused), ErrorCode::ShiftClosed, "no sale before the shift opens");
    assert_eq!(next_receipt_no(&cache, "Tablet 7").unwrap(), first_no, "a refused sale leaves no gap");
    assert_eq!(outbox::pending_count(&cache, user).unwrap(), 0, "a refused operation leaves nothing queued");
    record(&mut cache, user, store, open.clone(), 10, 2).unwrap();
    let twice =
        record(&mut cache, user, store, StoreAction::OpenShift { shift_id: Uuid::now_v7(), opening_cash: 0 }, 10, 3);
    assert_eq!(code(twice.unwrap_err()), ErrorCode::InvalidStoreOp, "one open shift at a time");

    // 3000 + 30 - 30 = 3000 owed; 2000 by card, 1050 cash → 50 change.
    let s = sale(shift, &first_no, 1050_00);
    let StoreAction::Sale { sale_id, .. } = s.clone() else { unreachable!() };
    record(&mut cache, user, store, s, 10, 4).unwrap();
    assert_eq!(next_receipt_no(&cache, "Tablet 7").unwrap(), "Tablet7-000002", "taken with the sale");
    let again = record(&mut cache, user, store, sale(shift, &first_no, 1050_00), 10, 4).unwrap_err();
    assert_eq!(code(again), ErrorCode::InvalidStoreOp, "a receipt number is used once");
    let shown = open_shift(&mut cache, user, store).unwrap().unwrap();
    assert_eq!(shown.sales, 1);
    assert_eq!(
        shown.expected,
        [
            Payment { method: PaymentMethod::Cash, amount: 500_00 + 1050_00 - 50_00 },
            Payment { method: PaymentMethod::Card, amount: 2000_00 },
            Payment { method: PaymentMethod::QrWallet, amount: 0 },
        ]
    );

    // Returns: two cables of three, then two more is one too many; the refund is the lines' net.
    let ret = |n: i64| StoreAction::Return {
        return_id: Uuid::now_v7(),
        sale_id,
        lines: vec![ReturnLine { line: 1, quantity: n }],
        gifts: vec![],
        refund_method: PaymentMethod::Cash,
        shift_id: None,
    };
    // The cables' net: 30 less their share of the 30 order discount; being the last line they
    // take what the TV's share (30 * 3000 / 3030, rounded down) leaves.
    let cables_net = 30_00 - (30_00 - 30_00 * 3000_00 / 3030_00);
    let first = preview_refund(&cache, &ret(2)).unwrap().unwrap();
    assert_eq!(first, cables_net * 2 / 3);
    record(&mut cache, user, store, ret(2), 10, 5).unwrap();
    assert_eq!(code(record(&mut cache, user, store, ret(2), 10, 6).unwrap_err()), ErrorCode::ReturnExceedsSale);
    let last = preview_refund(&cache, &ret(1)).unwrap().unwrap();
    assert_eq!(first + last, cables_net, "returning every unit refunds exactly what was paid");
    let receipt = receipts(&cache, user, 10).unwrap().remove(0);
    assert_eq!((receipt.returned.clone(), receipt.refunded), (vec![0, 2], first));
    assert!(receipt.pending);

    // Stock as this device sees it: the server's last figures plus what it has not sent.
    let report = StockReport {
        store_id: store,
        levels: vec![
            StockLevel { sku: "CABLE".into(), on_hand: 10, low: false },
            StockLevel { sku: "GIFT".into(), on_hand: 2, low: true },
        ],
        movements: 2,
        balances_agree: true,
    };
    store_stock::save_report(&cache, &report, 7).unwrap();
    let view = store_stock::view(&cache, user, store).unwrap();
    let level = |sku: &str| view.lines.iter().find(|l| l.sku == sku).map(|l| (l.on_hand, l.unsent, l.low)).unwrap();
    assert_eq!(level("CABLE"), (10 - 3 + 2, -1, false));
    assert_eq!(level("GIFT"), (1, -1, true));
    assert_eq!(level("TV-1"), (-1, -1, true), "a sale is a fact: stock may go below zero");
    assert_eq!((view.unsent_ops, view.fetched_at), (3, Some(7)), "open, sale, return; the refused one never queued");

    // Closing: a count that differs needs a reason; a shift closes once.
    let close = |reason: Option<&str>| StoreAction::CloseShift {
        shift_id: shift,
        counted: vec![
            Payment { method: PaymentMethod::Cash, amount: 1400_00 },
            Payment { method: PaymentMethod::Card, amount: 2000_00 },
        ],
        reason: reason.map(String::from),
    };
    assert_eq!(code(record(&mut cache, user, store, close(None), 10, 8).unwrap_err()), ErrorCode::ReasonRequired);
    record(&mut cache, user, store, close(Some("till short")), 10, 9).unwrap();
    assert_eq!(code(record(&mut cache, user, store, close(Some("x")), 10, 10).unwrap_err()), ErrorCode::ShiftClosed);
    assert!(open_shift(&mut cache, user, store).unwrap().is_none());

    // The server's answers: a flag and a refusal are kept to show, and notified once.
    let flagged = OpOutcome {
        id: Uuid::now_v7(),
        status: OpStatus::Applied,
        error: None,
        flags: vec![portal_api::OpFlag::SerialSoldTwice { serial: "SN1".into() }],
        current_state: None,
        refund: None,
    };
    let clean = OpOutcome { id: Uuid::now_v7(), flags: vec![], ..flagged.clone() };
    acknowledge(&mut cache, user, &[flagged.clone(), clean], 11).unwrap();
    let outcomes = |notices: Vec<Notice>| notices.into_iter().map(|n| n.outcome).collect::<Vec<_>>();
    assert_eq!(outcomes(notices(&cache, user).unwrap()), [flagged.clone()], "only what needs a look is kept");
    assert_eq!(outcomes(take_unnotified(&mut cache, user).unwrap()), [flagged]);
    assert!(take_unnotified(&mut cache, user).unwrap().is_empty(), "each is notified once");
    assert_eq!(notices(&cache, user).unwrap().len(), 1, "and still listed");
}

#[test]
fn a_sale_found_on_the_server_is_taken_back_here_from_this_tills_shift_and_counted_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut cache = Cache::open(&dir.path().join("c.sqlite")).unwrap();
    let (user, store) = (Uuid::now_v7(), Uuid::now_v7());
    let made_elsewhere = sale(Uuid::now_v7(), "TABB-000007", 1050_00);
    let StoreAction::Sale { sale_id, .. } = made_elsewhere.clone() else { unreachable!() };
    let earlier_return = Uuid::now_v7();
    // As the server tells it: the TV already came back at the other tablet.
    let found = |returned: Vec<i64>, refunded: i64, return_ids: Vec<Uuid>| StoreSaleList {
        sales: vec![StoreSale {
            sale_id,
            store_id: store,
            receipt_no: "TABB-000007".into(),
            sale: made_elsewhere.clone(),
            total: 3000_00,
            change: 50_00,
            device_at: 100,
            returned,
            refunded,
            return_ids,
        }],
    };
    keep_found(&cache, &found(vec![1, 0], 2970_30, vec![earlier_return]), 5).unwrap();
    let back = |line: usize, quantity: i64| StoreAction::Return {
        return_id: Uuid::now_v7(),
        sale_id,
        lines: vec![ReturnLine { line, quantity }],
        gifts: vec![],
        refund_method: PaymentMethod::Cash,
        shift_id: None,
    };

    let refused = record(&mut cache, user, store, back(1, 1), 10, 6).unwrap_err();
    assert_eq!(code(refused), ErrorCode::ShiftClosed, "a refund is paid from an open till");
    let shift = Uuid::now_v7();
    record(&mut cache, user, store, StoreAction::OpenShift { shift_id: shift, opening_cash: 500_00 }, 10, 7).unwrap();
    assert_eq!(
        code(preview_refund(&cache, &back(0, 1)).unwrap_err()),
        ErrorCode::ReturnExceedsSale,
        "what came back at another device counts"
    );
    let cables_net = 30_00 - (30_00 - 30_00 * 3000_00 / 3030_00);
    let cable = back(1, 1);
    let StoreAction::Return { return_id, .. } = cable.clone() else { unreachable!() };
    assert_eq!(preview_refund(&cache, &cable).unwrap(), Some(cables_net / 3));
    let op_id = record(&mut cache, user, store, cable, 10, 8).unwrap();

    // The return names this device's shift, and the refund comes out of its till only.
    let pending = outbox::due(&cache, user, i64::MAX, 10).unwrap();
    let sent = all_ops(&pending).into_iter().find(|o| o.id == op_id).unwrap();
    assert!(matches!(sent.action, StoreAction::Return { shift_id: Some(s), .. } if s == shift));
    let till = open_shift(&mut cache, user, store).unwrap().unwrap();
    assert_eq!(till.expected[0], Payment { method: PaymentMethod::Cash, amount: 500_00 - cables_net / 3 });
    let view = store_stock::view(&cache, user, store).unwrap();
    assert_eq!(view.lines.iter().find(|l| l.sku == "CABLE").map(|l| l.unsent), Some(1), "back into stock");

    let shown = found_receipts(&cache, store, " TABB-000007 ").unwrap().remove(0);
    assert!(shown.found && !shown.pending);
    assert_eq!((shown.returned, shown.refunded), (vec![1, 1], 2970_30 + cables_net / 3));
    // Looked up again once the server has it: counted once, not twice.
    keep_found(&cache, &found(vec![1, 1], 2970_30 + cables_net / 3, vec![earlier_return, return_id]), 9).unwrap();
    let shown = found_receipts(&cache, store, "TABB-000007").unwrap().remove(0);
    assert_eq!((shown.returned, shown.refunded), (vec![1, 1], 2970_30 + cables_net / 3));
    assert!(found_receipts(&cache, Uuid::now_v7(), "TABB-000007").unwrap().is_empty(), "per store");
}

#[test]
fn the_counter_shows_what_is_owed_before_it_is_paid_and_why_a_sale_cannot_go_through() {
    // 3000 + 30 - 30 order discount = 3000 owed; 2000 card + 500 cash is 500 short.
    let short = sale(Uuid::now_v7(), "R-9", 500_00);
    let check = sale_check(&short, 10);
    assert_eq!(check.owed, Some(3000_00));
    assert_eq!(check.totals, None);
    assert_eq!(check.problem.map(|p| p.code), Some(ErrorCode::InvalidStoreOp));

    let paid = sale_check(&sale(Uuid::now_v7(), "R-9", 1100_00), 10);
    assert_eq!((paid.owed, paid.totals.map(|t| t.change), paid.problem), (Some(3000_00), Some(100_00), None));

    // With no discount allowed the 30 order discount is refused: nothing is owed until it is fixed.
    let greedy = sale_check(&sale(Uuid::now_v7(), "R-9", 1100_00), 0);
    assert_eq!(greedy.owed, None);
    assert_eq!(greedy.problem.map(|p| p.code), Some(ErrorCode::DiscountAboveLimit));
}

#[test]
fn flags_at_a_managers_stores_become_their_notices_once_and_move_the_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let mut cache = Cache::open(&dir.path().join("c.sqlite")).unwrap();
    let (manager, store) = (Uuid::now_v7(), Uuid::now_v7());
    assert_eq!(flags_cursor(&cache, manager, store).unwrap(), None);
    let event = |flag: portal_api::OpFlag| portal_api::StoreFlagEvent {
        seq: 0,
        op_id: Uuid::now_v7(),
        store_id: store,
        by: "促销员".into(),
        flags: vec![flag],
        error: None,
        device_at: 1,
    };
    let negative = event(portal_api::OpFlag::NegativeStock { sku: "TV-1".into(), on_hand: -1 });
    let list =
        portal_api::StoreFlagList { store_id: store, events: vec![negative.clone()], cursor: 42, has_more: false };
    assert_eq!(take_store_flags(&mut cache, manager, &list, 5).unwrap(), 1);
    assert_eq!(flags_cursor(&cache, manager, store).unwrap(), Some(42));
    let shown = take_unnotified(&mut cache, manager).unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!((shown[0].outcome.id, shown[0].outcome.flags.clone()), (negative.op_id, negative.flags.clone()));
    assert_eq!((shown[0].store_id, shown[0].made_by.as_deref()), (Some(store), Some("促销员")), "where and by whom");

    // Read again (a retried page): nothing new, nothing notified twice.
    assert_eq!(take_store_flags(&mut cache, manager, &list, 6).unwrap(), 0);
    assert!(take_unnotified(&mut cache, manager).unwrap().is_empty());
    assert_eq!(notices(&cache, manager).unwrap().len(), 1);
    assert!(notices(&cache, Uuid::now_v7()).unwrap().is_empty(), "another account on this device sees none");
}

#[test]
fn a_sale_whose_coupon_does_not_hold_on_this_till_is_refused_before_it_is_queued() {
    let dir = tempfile::tempdir().unwrap();
    let mut cache = Cache::open(&dir.path().join("c.sqlite")).unwrap();
    let (user, store, shift) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    record(&mut cache, user, store, StoreAction::OpenShift { shift_id: shift, opening_cash: 0 }, 10, 1).unwrap();
    let mut action = sale(shift, &next_receipt_no(&cache, "T").unwrap(), 1000_00);
    if let StoreAction::Sale { coupon, order_discount, .. } = &mut action {
        *coupon = Some(portal_api::SaleCoupon { code: "CP1.whatever".into(), off: 20_00 });
        *order_discount = 30_00 + 20_00;
    }
    // This till keeps no coupons (it was never online): a code cannot be checked, so not taken.
    let refused = record(&mut cache, user, store, action, 10, 2).unwrap_err();
    assert_eq!(code(refused), ErrorCode::InvalidStoreOp);
    assert_eq!(outbox::pending_count(&cache, user).unwrap(), 1, "only the shift is queued");
}
