//! E-coupons against the real server: a campaign issues each consumer it reaches a coupon; the
//! wallet holds it with a code the brand signed, which a till checks with the store's public key
//! alone; of many sales taking the same coupon at once (over every instance) one redeems it and
//! the rest stand, flagged; a forged code redeems nothing; the campaign's report counts it all.
use portal_api::*;
use portal_campaigns::coupon_code;
use portal_server::demo::DEMO_PASSWORD;
use portal_tests::server::*;
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

const SHANGHAI: &str = "01900000-0000-7000-8000-000000000101";

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// A SKU of the demo catalog priced at ¥1,000 or more, and its price.
async fn dear_sku(server: &TestServer) -> (String, i64) {
    let (status, page) = server.send(Method::GET, "/v1/catalog/sync?limit=2000", None, None).await;
    assert_eq!(status, 200);
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "product" && i["data"]["lifecycle"] == "on_sale")
        .flat_map(|i| i["data"]["skus"].as_array().cloned().unwrap_or_default())
        .map(|sku| (sku["code"].as_str().unwrap().to_owned(), sku["list_price"].as_i64().unwrap()))
        .find(|(_, price)| *price >= 1000_00)
        .expect("a SKU of ¥1,000 or more")
}

fn coupon_sale(shift: Uuid, code: &str, (sku, price): &(String, i64)) -> serde_json::Value {
    json!({ "id": Uuid::now_v7(), "store_id": SHANGHAI, "device_at": now(), "action": {
        "type": "sale", "sale_id": Uuid::now_v7(), "shift_id": shift, "receipt_no": format!("R-{}", Uuid::now_v7()),
        "lines": [{ "sku": sku, "quantity": 1, "unit_price": price, "discount": 0, "serial": format!("SN-{}", Uuid::now_v7()) }],
        "order_discount": 200_00, "coupon": { "code": code, "off": 200_00 },
        "payments": [{ "method": "card", "amount": price - 200_00 }] } })
}

#[tokio::test]
async fn a_campaigns_coupon_reaches_the_wallet_and_is_redeemed_once_whatever_redeems_at_once() {
    let server = TestServer::start(&[("PORTAL_CAMPAIGN_INTERVAL_SECS", "1")]);
    let signed_in = |who: &'static str| {
        let server = &server;
        async move { access(&server.sign_in_password(who, DEMO_PASSWORD).await) }
    };
    let (operator, admin, promoter) =
        (signed_in("operator").await, signed_in("admin").await, signed_in("promoter").await);
    let consumer = access(&server.sign_up("+8613912395001", None).await);
    let sku = dear_sku(&server).await;
    let prefs = json!({ "marketing": true, "time_zone": "Asia/Shanghai" });
    assert_eq!(server.send(Method::PUT, "/v1/me/message-preferences", Some(&consumer), Some(&prefs)).await.0, 200);

    // A coupon the server cannot keep is refused whole, naming the field.
    let id = Uuid::now_v7();
    let mut draft = json!({
        "id": id, "name": "以旧换新", "category": "promotions", "audience": { "roles": ["consumer"] },
        "content": { "title_zh": "电视立减200元", "title_en": "¥200 off a TV", "body_zh": "满1000元可用", "body_en": "On ¥1,000 or more" },
        "channels": ["inbox"], "holdout_percent": 0,
        "coupon": { "benefit": { "kind": "amount_off", "fen": 0 }, "min_spend": 1000_00,
                    "valid_from": now() - 60, "valid_until": now() + 30 * 86_400 }
    });
    let (status, body) = server.send(Method::POST, "/v1/campaigns", Some(&operator), Some(&draft)).await;
    assert_eq!((status, error_of(&body).field.as_deref()), (400, Some("coupon.benefit")), "{body}");
    draft["coupon"]["benefit"]["fen"] = json!(200_00);
    let (status, body) = server.send(Method::POST, "/v1/campaigns", Some(&operator), Some(&draft)).await;
    assert_eq!(status, 200, "{body}");
    for (token, action) in [(&operator, "submit"), (&admin, "approve"), (&operator, "start")] {
        let body = json!({ "action": action, "revision": 1 });
        let (status, body) =
            server.send(Method::POST, &format!("/v1/campaigns/{id}/actions"), Some(token), Some(&body)).await;
        assert_eq!(status, 200, "{action}: {body}");
    }

    // The consumer's wallet holds one coupon; its message leads there.
    let mut wallet = Wallet { coupons: vec![] };
    for _ in 0..100 {
        wallet = parse(&server.get("/v1/me/coupons", &consumer).await.1);
        if !wallet.coupons.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(wallet.coupons.len(), 1, "one coupon");
    let coupon = wallet.coupons[0].clone();
    assert_eq!((coupon.campaign, coupon.terms.benefit), (id, CouponBenefit::AmountOff { fen: 200_00 }));
    let inbox: Inbox = parse(&server.get("/v1/me/inbox", &consumer).await.1);
    assert_eq!(inbox.messages[0].link, Some(DeepLink::Wallet));

    // The store's tills keep the series and the key: the code checks offline with them alone.
    assert_eq!(server.get(&format!("/v1/stores/{SHANGHAI}/coupons"), &consumer).await.0, 403);
    let (status, body) = server.get(&format!("/v1/stores/{SHANGHAI}/coupons"), &promoter).await;
    assert_eq!(status, 200, "{body}");
    let kept: StoreCoupons = parse(&body);
    assert!(kept.series.iter().any(|s| s.campaign == id && s.terms == coupon.terms));
    let claim = coupon_code::read(&coupon.code, &kept.public_key).expect("signed by the brand");
    assert_eq!((claim.coupon, claim.campaign), (coupon.id, id));

    // Tills everywhere take the same coupon at once: every sale stands, one redeems it.
    let shift = Uuid::now_v7();
    let open = json!({ "id": Uuid::now_v7(), "store_id": SHANGHAI, "device_at": now(),
                       "action": { "type": "open_shift", "shift_id": shift, "opening_cash": 0 } });
    assert_eq!(
        server.send(Method::POST, "/v1/store-ops", Some(&promoter), Some(&json!({ "ops": [open] }))).await.0,
        200
    );
    let racers: Vec<_> = (0..24)
        .map(|_| {
            let (url, token, op) =
                (server.url("/v1/store-ops"), promoter.clone(), coupon_sale(shift, &coupon.code, &sku));
            tokio::spawn(async move {
                let answer =
                    reqwest::Client::new().post(url).bearer_auth(token).json(&json!({ "ops": [op] })).send().await;
                answer.unwrap().json::<StoreOpsResult>().await.unwrap().outcomes.remove(0)
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for racer in racers {
        outcomes.push(racer.await.unwrap());
    }
    assert!(outcomes.iter().all(|o| o.status == OpStatus::Applied), "a sale is a fact: {outcomes:?}");
    let twice = |o: &&OpOutcome| o.flags.iter().any(|f| matches!(f, OpFlag::CouponUsedTwice { .. }));
    assert_eq!(outcomes.iter().filter(twice).count(), 23, "{outcomes:?}");
    let winner = outcomes.iter().find(|o| !twice(o)).unwrap();
    assert!(
        !winner.flags.iter().any(|f| matches!(f, OpFlag::PriceBelowLimit { .. } | OpFlag::CouponMisapplied { .. })),
        "the coupon's ¥200 is the brand's, not the promoter's discount: {winner:?}"
    );

    // A code altered by one character is not the brand's: flagged, nothing redeemed.
    let mut forged = coupon.code.clone();
    let last = if forged.ends_with('A') { "B" } else { "A" };
    forged.replace_range(forged.len() - 1.., last);
    let (_, body) = server
        .send(
            Method::POST,
            "/v1/store-ops",
            Some(&promoter),
            Some(&json!({ "ops": [coupon_sale(shift, &forged, &sku)] })),
        )
        .await;
    let outcome = parse::<StoreOpsResult>(&body).outcomes.remove(0);
    assert_eq!(outcome.status, OpStatus::Applied);
    assert!(outcome.flags.contains(&OpFlag::CouponNotValid), "{outcome:?}");

    // The campaign's report: one coupon a consumer reached (the demo's and the new one), one
    // redeemed for ¥200, 23 second uses; the wallet knows.
    let detail: CampaignDetail = parse(&server.get(&format!("/v1/campaigns/{id}"), &operator).await.1);
    assert_eq!(detail.coupons, Some(CouponCounts { issued: 2, redeemed: 1, used_twice: 23, off: 200_00 }));
    let wallet: Wallet = parse(&server.get("/v1/me/coupons", &consumer).await.1);
    assert!(wallet.coupons[0].redeemed_at.is_some());
    assert!(detail.funnel.is_some_and(|f| f.reached == 2), "the funnel counts the people reached");

    // Its coupons are withdrawn after it finished (stopping a running one does the same): the demo
    // consumer's is withdrawn in their wallet and no longer among the store's, and a till that
    // still takes it is flagged. A reason is needed; withdrawing twice is refused.
    let revision = detail.campaign.revision;
    let act = |reason: &str| json!({ "action": "withdraw_coupons", "revision": revision, "reason": reason });
    let path = format!("/v1/campaigns/{id}/actions");
    assert_eq!(server.send(Method::POST, &path, Some(&operator), Some(&act(""))).await.0, 422);
    let (status, body) = server.send(Method::POST, &path, Some(&operator), Some(&act("wrong terms"))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(parse::<Campaign>(&body).status, CampaignStatus::Finished, "its status stays");
    assert_eq!(server.send(Method::POST, &path, Some(&operator), Some(&act("again"))).await.0, 422);
    let demo = access(&server.sign_in_password("consumer", DEMO_PASSWORD).await);
    let theirs: Wallet = parse(&server.get("/v1/me/coupons", &demo).await.1);
    let withdrawn = theirs.coupons.iter().find(|c| c.campaign == id).expect("their coupon");
    assert!(withdrawn.withdrawn_at.is_some());
    let kept: StoreCoupons = parse(&server.get(&format!("/v1/stores/{SHANGHAI}/coupons"), &promoter).await.1);
    assert!(!kept.series.iter().any(|s| s.campaign == id));
    let (_, body) = server
        .send(
            Method::POST,
            "/v1/store-ops",
            Some(&promoter),
            Some(&json!({ "ops": [coupon_sale(shift, &withdrawn.code, &sku)] })),
        )
        .await;
    let outcome = parse::<StoreOpsResult>(&body).outcomes.remove(0);
    assert!(outcome.flags.contains(&OpFlag::CouponNotValid), "{outcome:?}");
}
