//! E-coupons: issued with a campaign's messages, once a person however often the sender passes;
//! in the person's wallet; among the series a store's tills keep while valid; and redeemed once
//! by the first of many sales taking the same coupon at once (two offline tablets), every other
//! sale standing, flagged and counted as a second use.
use std::sync::Arc;

use portal_api::*;
use portal_campaigns::policy::Caps;
use uuid::Uuid;

use super::{
    cash_sale, context, delivery::queue_all, delivery::running_campaign_with, fixture, join_all, op, open_shift,
    race_in_long_batches, user, AT, OTHER_STORE, RACERS, STORE,
};
use crate::*;

pub async fn a_coupon_is_issued_once_a_person_and_redeemed_once_whatever_redeems_at_once(db: Arc<dyn Database>) {
    let promoter = fixture(db.as_ref()).await;
    let operator = Uuid::now_v7();
    db.create_user(user(operator, "+8613912380000", Role::Operator, None)).await.unwrap();
    let people: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
    for (n, p) in people.iter().enumerate() {
        db.create_user(user(*p, &format!("+86139123810{n:02}"), Role::Consumer, None)).await.unwrap();
    }
    let terms = CouponTerms {
        benefit: CouponBenefit::AmountOff { fen: 10_00 },
        min_spend: 0,
        models: vec![],
        categories: vec![],
        stores: vec![],
        valid_from: AT - 60,
        valid_until: AT + 30 * 86_400,
    };
    let json = serde_json::to_string(&terms).unwrap();
    let campaign = running_campaign_with(&db, operator, "[\"push\",\"inbox\"]", Some(json.clone())).await;
    let plain = running_campaign_with(&db, operator, "[\"inbox\"]", None).await;
    assert_eq!(db.campaign_coupon(campaign).await.unwrap(), Some(json.clone()));
    assert_eq!(db.campaign_coupon(plain).await.unwrap(), None);

    // Push and inbox are one message and one coupon a person, however many senders pass.
    queue_all(&db, campaign, &[MessageChannel::Push, MessageChannel::Inbox], 2).await;
    for _ in 0..3 {
        let tasks = (0..4).map(|_| {
            let db = db.clone();
            tokio::spawn(async move { db.deliver_due(AT, 2, Caps::default()).await })
        });
        for report in join_all(tasks).await {
            report.unwrap().unwrap();
        }
    }
    let counts = db.coupon_counts(campaign).await.unwrap();
    assert_eq!(counts.issued, 3, "{counts:?}");
    let wallet = db.wallet(people[0], AT - 10, 50).await.unwrap();
    assert_eq!(wallet.len(), 1);
    assert_eq!((wallet[0].campaign, wallet[0].terms.clone(), wallet[0].redeemed_at), (campaign, json.clone(), None));
    let message = db.inbox(people[0], 10).await.unwrap().messages[0].clone();
    assert_eq!(message.link, Some(DeepLink::Product { model: "TV-55".into() }), "its own link kept");
    let coupon = wallet[0].id;
    // Valid now: among the series tills keep; not once it has expired.
    let series = db.coupon_series(AT, 50).await.unwrap();
    assert!(series.iter().any(|s| s.campaign == campaign && s.terms == json));
    assert!(!series.iter().any(|s| s.campaign == plain));
    assert!(!db.coupon_series(AT + 31 * 86_400, 50).await.unwrap().iter().any(|s| s.campaign == campaign));

    // Tablets at two stores take the same coupon at once: every sale stands, one redeems it.
    let shift = open_shift(db.as_ref(), promoter).await;
    let batches = (0..RACERS)
        .map(|i| {
            let store = if i % 2 == 0 { STORE } else { OTHER_STORE };
            let mut action = cash_sale(shift, i, None);
            if let StoreAction::Sale { coupon: used, order_discount, payments, .. } = &mut action {
                *used = Some(SaleCoupon { code: "checked by the server".into(), off: 10_00 });
                *order_discount = 10_00;
                payments[0].amount = 90_00;
            }
            let op = op(store, action);
            let mut ctx = context(promoter, &op);
            ctx.coupon = Some(CouponCheck::Ours { coupon, campaign, allowed: Ok(10_00) });
            (op, ctx)
        })
        .collect();
    let outcomes = race_in_long_batches(&db, batches).await;
    assert!(outcomes.iter().all(|o| o.status == OpStatus::Applied), "a sale is a fact: {outcomes:?}");
    let twice = |o: &&OpOutcome| o.flags.iter().any(|f| matches!(f, OpFlag::CouponUsedTwice { .. }));
    assert_eq!(outcomes.iter().filter(twice).count(), RACERS - 1, "{outcomes:?}");
    assert!(
        !outcomes.iter().any(|o| o.flags.iter().any(|f| matches!(f, OpFlag::PriceBelowLimit { .. }))),
        "what the coupon took off is not the promoter's discount: {outcomes:?}"
    );
    let counts = db.coupon_counts(campaign).await.unwrap();
    assert_eq!((counts.redeemed, counts.used_twice, counts.off), (1, RACERS as u32 - 1, 10_00));
    assert!(db.wallet(people[0], AT - 10, 50).await.unwrap()[0].redeemed_at.is_some());

    // A code that is not ours redeems nothing and is flagged; the sale stands.
    let mut action = cash_sale(shift, 99, None);
    if let StoreAction::Sale { coupon: used, order_discount, payments, .. } = &mut action {
        *used = Some(SaleCoupon { code: "CP1.forged".into(), off: 5_00 });
        *order_discount = 5_00;
        payments[0].amount = 95_00;
    }
    let forged = op(STORE, action);
    let mut ctx = context(promoter, &forged);
    ctx.coupon = Some(CouponCheck::NotValid);
    let outcome = db.apply_store_ops(vec![(forged, ctx)]).await.unwrap().remove(0);
    assert_eq!(outcome.status, OpStatus::Applied);
    assert!(outcome.flags.contains(&OpFlag::CouponNotValid), "{outcome:?}");
    assert_eq!(db.coupon_counts(campaign).await.unwrap().redeemed, 1);
}
