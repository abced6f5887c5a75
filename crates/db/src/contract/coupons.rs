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

async fn wallet_of(db: &Arc<dyn Database>, person: Uuid) -> Uuid {
    db.wallet(person, AT - 10, AT, 50).await.unwrap()[0].id
}

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
    assert_eq!(
        db.campaign_coupon(campaign).await.unwrap(),
        Some(CampaignCoupon { terms: json.clone(), withdrawn_at: None })
    );
    assert_eq!(db.campaign_coupon(plain).await.unwrap(), None);

    // Push and inbox are one message and one coupon a person, however many senders pass.
    queue_all(&db, campaign, &[MessageChannel::Push, MessageChannel::Inbox], 2).await;
    for _ in 0..3 {
        let tasks = (0..4).map(|_| {
            let db = db.clone();
            tokio::spawn(async move { db.deliver_due(AT, 2, Caps::default(), vec![]).await })
        });
        for report in join_all(tasks).await {
            report.unwrap().unwrap();
        }
    }
    let counts = db.coupon_counts(campaign).await.unwrap();
    assert_eq!(counts.issued, 3, "{counts:?}");
    let wallet = db.wallet(people[0], AT - 10, AT, 50).await.unwrap();
    assert_eq!(wallet.len(), 1);
    assert_eq!((wallet[0].campaign, wallet[0].terms.clone(), wallet[0].redeemed_at), (campaign, json.clone(), None));
    let message = db.inbox(people[0], 10).await.unwrap().messages[0].clone();
    assert_eq!(message.link, Some(DeepLink::Product { model: "TV-55".into() }), "its own link kept");
    let coupon = wallet[0].id;
    // Valid now: among the series tills keep; not once it has expired.
    let series = db.coupon_series(STORE, AT, 50).await.unwrap();
    assert!(series.iter().any(|s| s.campaign == campaign && s.terms == json));
    assert!(!series.iter().any(|s| s.campaign == plain));
    assert!(!db.coupon_series(STORE, AT + 31 * 86_400, 50).await.unwrap().iter().any(|s| s.campaign == campaign));

    // Tablets at two stores take the same coupon at once: every sale stands, one redeems it.
    let shift = open_shift(db.as_ref(), promoter).await;
    let batches = (0..RACERS)
        .map(|i| {
            let store = if i % 2 == 0 { STORE } else { OTHER_STORE };
            let mut action = cash_sale(shift, i, None);
            if let StoreAction::Sale { coupon: used, order_discount, payments, .. } = &mut action {
                *used = Some(SaleCoupon { code: "checked by the server".into(), off: 20_00 });
                *order_discount = 20_00;
                payments[0].amount = 80_00;
            }
            let op = op(store, action);
            let mut ctx = context(promoter, &op);
            // ¥20 off ¥100 is twice the promoter's 10%: only the coupon's redemption makes it the brand's.
            ctx.prices = vec![Some(portal_store_ops::pricing::CatalogPrice {
                list_price: 100_00,
                promotion: None,
                serialised: false,
            })];
            ctx.coupon = Some(CouponCheck::Ours { coupon, campaign, allowed: Ok(20_00) });
            (op, ctx)
        })
        .collect();
    let outcomes = race_in_long_batches(&db, batches).await;
    assert!(outcomes.iter().all(|o| o.status == OpStatus::Applied), "a sale is a fact: {outcomes:?}");
    let twice = |o: &&OpOutcome| o.flags.iter().any(|f| matches!(f, OpFlag::CouponUsedTwice { .. }));
    let below = |o: &&OpOutcome| o.flags.iter().any(|f| matches!(f, OpFlag::PriceBelowLimit { .. }));
    assert_eq!(outcomes.iter().filter(twice).count(), RACERS - 1, "{outcomes:?}");
    // The sale that redeemed it took the brand's ¥20; every other one took the promoter's.
    let winner = outcomes.iter().find(|o| !twice(o)).unwrap();
    assert!(!below(&winner), "{winner:?}");
    assert!(outcomes.iter().filter(twice).all(|o| below(&o)), "a coupon used already exempts nothing: {outcomes:?}");
    let counts = db.coupon_counts(campaign).await.unwrap();
    assert_eq!((counts.redeemed, counts.used_twice, counts.off), (1, RACERS as u32 - 1, 20_00));
    assert!(db.wallet(people[0], AT - 10, AT, 50).await.unwrap()[0].redeemed_at.is_some());

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
    // A coupon that does not apply (expired, say) is flagged and not used up.
    let other = wallet_of(&db, people[1]).await;
    let mut action = cash_sale(shift, 98, None);
    if let StoreAction::Sale { coupon: used, order_discount, payments, .. } = &mut action {
        *used = Some(SaleCoupon { code: "checked by the server".into(), off: 5_00 });
        *order_discount = 5_00;
        payments[0].amount = 95_00;
    }
    let expired = op(STORE, action);
    let mut ctx = context(promoter, &expired);
    ctx.coupon = Some(CouponCheck::Ours { coupon: other, campaign, allowed: Err("expired".into()) });
    let outcome = db.apply_store_ops(vec![(expired, ctx)]).await.unwrap().remove(0);
    assert!(outcome.flags.iter().any(|f| matches!(f, OpFlag::CouponMisapplied { .. })), "{outcome:?}");
    assert_eq!(db.coupon_counts(campaign).await.unwrap().redeemed, 1, "neither redeemed");

    // The funnel counts people: all three reached (push and inbox once each), one read it, one
    // bought at the counter since it started; nobody was held out.
    let message = db.inbox(people[2], 10).await.unwrap().messages[0].id;
    db.change_inbox(people[2], vec![InboxChange { message, change: InboxChangeKind::Read }], AT).await.unwrap();
    let bought = op(STORE, cash_sale(shift, 200, None));
    let mut ctx = context(promoter, &bought);
    ctx.customer =
        Some(CounterCustomer { phone: "+8613912381001".into(), consent: false, display_name: "顾客".into() });
    assert_eq!(db.apply_store_ops(vec![(bought, ctx)]).await.unwrap()[0].status, OpStatus::Applied);
    let outcomes = db.campaign_outcomes(campaign, AT - 10).await.unwrap();
    assert_eq!(
        outcomes,
        CampaignOutcomes { reached: 3, held_out: 0, opened: 1, reached_bought: 1, held_out_bought: 0 },
        "{outcomes:?}"
    );
    assert_eq!(db.campaign_outcomes(campaign, AT + 10).await.unwrap().reached_bought, 0, "not before it started");

    // A coupon for one store only is among that store's series, not another's.
    let only_here = CouponTerms { stores: vec![OTHER_STORE], ..terms.clone() };
    let local =
        running_campaign_with(&db, operator, "[\"inbox\"]", Some(serde_json::to_string(&only_here).unwrap())).await;
    assert!(db.coupon_series(OTHER_STORE, AT, 50).await.unwrap().iter().any(|s| s.campaign == local));
    assert!(!db.coupon_series(STORE, AT, 50).await.unwrap().iter().any(|s| s.campaign == local));

    // Stopping the campaign withdraws its coupons: tills no longer take them, wallets say so.
    let mut row = db.campaign(campaign).await.unwrap().unwrap();
    (row.status, row.coupons_withdrawn_at) = (CampaignStatus::Finished, Some(AT + 60));
    let step = CampaignStepRow {
        campaign_id: campaign,
        at: AT + 60,
        by: operator,
        action: CampaignAction::Stop,
        from: CampaignStatus::Running,
        to: CampaignStatus::Finished,
        reason: Some("wrong terms".into()),
        revision: 1,
    };
    assert!(db.change_campaign(row, CampaignStatus::Running, 1, step).await.unwrap());
    assert_eq!(db.campaign_coupon(campaign).await.unwrap().unwrap().withdrawn_at, Some(AT + 60));
    // A withdrawal made while the campaign's row was read elsewhere is not undone by that write.
    let mut stale = db.campaign(campaign).await.unwrap().unwrap();
    stale.coupons_withdrawn_at = None;
    let note = CampaignStepRow {
        campaign_id: campaign,
        at: AT + 70,
        by: operator,
        action: CampaignAction::Finish,
        from: CampaignStatus::Finished,
        to: CampaignStatus::Finished,
        reason: None,
        revision: 1,
    };
    assert!(db.change_campaign(stale, CampaignStatus::Finished, 1, note).await.unwrap());
    assert_eq!(db.campaign_coupon(campaign).await.unwrap().unwrap().withdrawn_at, Some(AT + 60));
    assert!(!db.coupon_series(STORE, AT + 61, 50).await.unwrap().iter().any(|s| s.campaign == campaign));
    let wallet = db.wallet(people[2], AT - 10, AT + 61, 50).await.unwrap();
    assert_eq!(wallet[0].withdrawn_at, Some(AT + 60));
}
