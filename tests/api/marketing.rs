//! Behaviour events over HTTP: kept exactly once (sent again, sent at once), anonymous until the
//! installation signs in, bound to their installation and body, checked (unknown products, clocks,
//! purchases claimed by an app), throttled per installation across instances, and a person's own
//! history, consent and deletion.
use portal_api::{ErrorCode, EventHistory, EventReceipt, ExperimentList};
use portal_server::demo::DEMO_PASSWORD;
use portal_tests::server::*;
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Models of the demo catalog, from an anonymous sync.
async fn models(server: &TestServer, n: usize) -> Vec<String> {
    let (status, page) = server.send(Method::GET, "/v1/catalog/sync?limit=2000", None, None).await;
    assert_eq!(status, 200);
    let models: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "product" && !i["data"].is_null())
        .map(|i| i["code"].as_str().unwrap().to_owned())
        .take(n)
        .collect();
    assert_eq!(models.len(), n, "the demo catalog has products");
    models
}

fn view(model: &str) -> Value {
    json!({"id": Uuid::now_v7(), "kind": "product_view", "at": now() - 5, "model": model})
}

async fn send(server: &TestServer, token: Option<&str>, install: Uuid, events: &[Value]) -> (u16, Value) {
    server.send(Method::POST, "/v1/events", token, Some(&json!({"install_id": install, "events": events}))).await
}

fn ids(list: &[Value]) -> Vec<Uuid> {
    list.iter().map(|e| serde_json::from_value(e["id"].clone()).unwrap()).collect()
}

#[tokio::test]
async fn events_are_kept_once_joined_at_sign_in_and_owned_by_their_person() {
    let server = TestServer::start(&[]);
    let m = models(&server, 2).await;
    let install = Uuid::now_v7();
    let good = vec![
        view(&m[0]),
        json!({"id": Uuid::now_v7(), "kind": "search", "at": now(), "query": "电视", "results": 12}),
        // A clock a year ahead: kept at the server's time, flagged.
        json!({"id": Uuid::now_v7(), "kind": "product_view", "at": now() + 365 * 86_400, "model": m[1]}),
    ];
    let bad = vec![
        view("NO-SUCH-MODEL"),
        json!({"id": Uuid::now_v7(), "kind": "purchase", "at": now(), "model": m[0]}),
        json!({"id": Uuid::now_v7(), "kind": "recommendation_shown", "at": now()}),
    ];
    let batch: Vec<Value> = good.iter().chain(&bad).cloned().collect();
    let (status, body) = send(&server, None, install, &batch).await;
    assert_eq!(status, 200, "{body}");
    let receipt: EventReceipt = parse(&body);
    assert_eq!(receipt.acknowledged, ids(&good));
    assert_eq!(receipt.refused.iter().map(|r| r.id).collect::<Vec<_>>(), ids(&bad));
    assert!(receipt.refused.iter().all(|r| r.code == ErrorCode::InvalidEvent), "{body}");
    assert!(receipt.refused[0].reason.contains("NO-SUCH-MODEL"));
    assert!(receipt.refused[1].reason.contains("recorded by the store"), "an app cannot claim a purchase");

    // Sent again (a lost answer): the same acknowledgements, nothing kept twice.
    let (_, body) = send(&server, None, install, &batch).await;
    let again: EventReceipt = parse(&body);
    assert_eq!((again.acknowledged, again.duplicates), (ids(&good), 3));

    // The same batch from 24 connections at once: every one acknowledged, each kept once.
    let fresh: Vec<Value> = (0..10).map(|i| view(&m[i % 2])).collect();
    let answers = futures_util::future::join_all((0..24).map(|_| send(&server, None, install, &fresh))).await;
    let mut new = 0;
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
        let r: EventReceipt = parse(body);
        assert_eq!(r.acknowledged, ids(&fresh));
        new += r.acknowledged.len() as u32 - r.duplicates;
    }
    assert_eq!(new, 10, "kept once each across the parallel sends");

    // Signed in on the same installation: its anonymous events become the account's.
    let consumer = access(&server.sign_in_password("consumer", DEMO_PASSWORD).await);
    let signed = vec![view(&m[1])];
    let (status, body) = send(&server, Some(&consumer), install, &signed).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = server.get("/v1/me/events?limit=100", &consumer).await;
    assert_eq!(status, 200, "{body}");
    let history: EventHistory = parse(&body);
    assert_eq!(history.total, 3 + 10 + 1 + 1, "and the sign-in, recorded by the server");
    let times: Vec<i64> = history.events.iter().map(|e| e.event.at).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let future = history.events.iter().find(|e| e.event.id == ids(&good)[2]).unwrap();
    assert!(future.clock_adjusted && future.event.at <= now(), "a clock far ahead is moved to now and flagged");

    // Paged by the last event seen.
    let last = &history.events[4].event;
    let (status, body) =
        server.get(&format!("/v1/me/events?limit=5&before_at={}&before_id={}", last.at, last.id), &consumer).await;
    assert_eq!(status, 200, "{body}");
    let next: EventHistory = parse(&body);
    assert_eq!(
        next.events.iter().map(|e| e.event.id).collect::<Vec<_>>(),
        history.events[5..10].iter().map(|e| e.event.id).collect::<Vec<_>>()
    );
    let (status, body) = server.get("/v1/me/events?before_at=1", &consumer).await;
    assert_eq!((status, error_of(&body).code), (400, ErrorCode::InvalidParameter));

    // Someone else sees none of it, and cannot take an id that is already used.
    let other = access(&server.sign_up("+8613700000042", None).await);
    let (_, body) = server.get("/v1/me/events", &other).await;
    assert_eq!(parse::<EventHistory>(&body).total, 1, "their own sign-up's sign-in only");
    let mut stolen = good[0].clone();
    stolen["model"] = json!(m[1]);
    let (_, body) = send(&server, Some(&other), Uuid::now_v7(), &[stolen]).await;
    let r: EventReceipt = parse(&body);
    assert_eq!(r.refused[0].code, ErrorCode::IdempotencyConflict);

    // Declined: only what the service needs is kept.
    let (status, body) =
        server.send(Method::PUT, "/v1/me/tracking", Some(&consumer), Some(&json!({"tracking": false}))).await;
    assert_eq!((status, body["tracking"].as_bool()), (200, Some(false)), "{body}");
    let after = vec![view(&m[0]), json!({"id": Uuid::now_v7(), "kind": "sign_in", "at": now()})];
    let (_, body) = send(&server, Some(&consumer), install, &after).await;
    let r: EventReceipt = parse(&body);
    assert!(r.acknowledged.is_empty(), "{body}");
    assert_eq!(r.refused[0].code, ErrorCode::TrackingDeclined);
    assert_eq!(r.refused[1].code, ErrorCode::InvalidEvent, "a sign-in is the server's to record: {body}");

    // Deleted: all of it.
    let (status, body) = server.send(Method::DELETE, "/v1/me/events", Some(&consumer), None).await;
    assert_eq!((status, body["deleted"].as_u64()), (200, Some(15)), "{body}");
    let (_, body) = server.get("/v1/me/events", &consumer).await;
    assert_eq!(parse::<EventHistory>(&body).total, 0);
}

#[tokio::test]
async fn one_installation_flooding_is_throttled_across_parallel_requests() {
    let server = TestServer::start(&[]);
    let m = models(&server, 1).await;
    let install = Uuid::now_v7();
    // 24 batches of 100 at once against a limit of 1,200 a minute: twelve get through, on however
    // many instances (the count is in the database). A minute boundary may split them; then the
    // two windows together still take no more than twice the limit.
    let batches: Vec<Vec<Value>> = (0..24).map(|_| (0..100).map(|_| view(&m[0])).collect()).collect();
    let minute = |t: i64| t.div_euclid(60);
    let started = now();
    let answers = futures_util::future::join_all(batches.iter().map(|b| send(&server, None, install, b))).await;
    let one_minute = minute(started) == minute(now());
    let passed = answers.iter().filter(|(s, _)| *s == 200).count();
    let throttled: Vec<&Value> = answers.iter().filter(|(s, _)| *s == 429).map(|(_, b)| b).collect();
    assert_eq!(passed + throttled.len(), 24, "{answers:?}");
    if one_minute {
        assert_eq!(passed, 12, "twelve batches of 100 a minute");
    } else {
        assert!((12..=24).contains(&passed), "two windows take at most twice the limit: {passed}");
    }
    for body in throttled {
        let err = error_of(body);
        assert_eq!(err.code, ErrorCode::RateLimited);
        assert!((1..=60).contains(&err.retry_after_secs.unwrap()));
    }
    // Another installation is not held back.
    let (status, _) = send(&server, None, Uuid::now_v7(), &[view(&m[0])]).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn bad_batches_are_refused_whole_and_keep_nothing() {
    let server = TestServer::start(&[]);
    let m = models(&server, 1).await;
    let install = Uuid::now_v7();
    let too_many: Vec<Value> = (0..501).map(|_| view(&m[0])).collect();
    let (status, body) = send(&server, None, install, &too_many).await;
    assert_eq!((status, error_of(&body).code), (422, ErrorCode::InvalidJson));
    let (status, body) = server.post("/v1/events", json!({"events": []})).await;
    assert_eq!((status, error_of(&body).code), (422, ErrorCode::InvalidJson), "an installation id is required");
    let (status, body) =
        send(&server, None, install, &[json!({"id": Uuid::now_v7(), "kind": "teleport", "at": 1})]).await;
    assert_eq!((status, error_of(&body).code), (422, ErrorCode::InvalidJson), "{body}");
    let (status, body) = send(&server, Some("not-a-token"), install, &[view(&m[0])]).await;
    assert_eq!((status, error_of(&body).code), (401, ErrorCode::Unauthorized), "a bad token is not anonymous");
    // None of it was kept: the same id is still free.
    let first = view(&m[0]);
    let (_, body) = send(&server, None, install, &[too_many[0].clone(), first.clone()]).await;
    let r: EventReceipt = parse(&body);
    assert_eq!((r.acknowledged.len(), r.duplicates), (2, 0));
}

#[tokio::test]
async fn recommendations_follow_what_people_did_and_serve_everyone() {
    // Every request starts a rebuild of the recommenders (the old ones serve meanwhile).
    let server = TestServer::start(&[("PORTAL_RECOMMENDER_MAX_AGE_SECS", "0")]);
    let m = models(&server, 40).await;
    let (x, y) = (m[30].clone(), m[31].clone());
    // Four people who liked X also liked Y.
    for i in 0..4 {
        let token = access(&server.sign_up(&format!("+86137000001{i:02}"), None).await);
        let fav = |model: &str| json!({"id": Uuid::now_v7(), "kind": "favourite", "at": now(), "model": model});
        let (status, body) = send(&server, Some(&token), Uuid::now_v7(), &[fav(&x), fav(&y)]).await;
        assert_eq!(status, 200, "{body}");
    }
    let me = access(&server.sign_in_password("consumer", DEMO_PASSWORD).await);
    send(&server, Some(&me), Uuid::now_v7(), &[view(&x)]).await;

    let list = |token: Option<String>, query: String| {
        let server = &server;
        async move {
            let (status, body) =
                server.send(Method::GET, &format!("/v1/recommendations?{query}"), token.as_deref(), None).await;
            assert_eq!(status, 200, "{body}");
            parse::<portal_api::RecommendationList>(&body)
        }
    };
    // The person who viewed X is shown Y at the top, chosen from what the others did.
    let mut home = list(Some(me.clone()), "placement=home".into()).await;
    for _ in 0..100 {
        if home.algorithm.contains("item_to_item") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        home = list(Some(me.clone()), "placement=home".into()).await;
    }
    // Collaborative filtering and item-to-item take turns: Y is item-to-item's first.
    assert!(home.algorithm.contains("item_to_item") && home.algorithm.ends_with("popular"), "{home:?}");
    assert!(home.models[..2].contains(&y), "{home:?}");
    // X itself may come back (collaborative filtering keeps what was viewed and not bought: the
    // evaluation shows people come back to buy it); never what they own (below).
    // On X's page: Y, never X itself.
    let page = list(None, format!("placement=product&model={x}")).await;
    assert_eq!(page.models.first(), Some(&y), "{page:?}");
    assert!(!page.models.contains(&x));
    // A new product nobody touched gets content neighbours; an anonymous home the popular list.
    let cold = list(None, format!("placement=product&model={}", m[5])).await;
    assert_eq!((cold.algorithm.as_str(), cold.models.len()), ("content", 12), "{cold:?}");
    let anonymous = list(None, "placement=home&limit=5".into()).await;
    assert_eq!(anonymous.algorithm, "popular");
    assert_eq!(anonymous.models.len(), 5);
    assert!(anonymous.models[..2].contains(&y), "the most liked lead: {anonymous:?}");
    assert_ne!(anonymous.id, home.id, "each list served has its own id");

    // The trail: the list shown, Y clicked, then bought at a store by the same person.
    let install = Uuid::now_v7();
    let trail = [
        json!({"id": Uuid::now_v7(), "kind": "recommendation_shown", "at": now(), "recommendation": home.id, "detail": "home"}),
        json!({"id": Uuid::now_v7(), "kind": "recommendation_clicked", "at": now(), "recommendation": home.id, "model": y}),
    ];
    let (status, body) = send(&server, Some(&me), install, &trail).await;
    assert_eq!((status, parse::<EventReceipt>(&body).acknowledged.len()), (200, 2), "{body}");
    // Nobody inflates another's figures: a list served to someone else, an unknown list, a product
    // not in the list, and the same impression again (counted once).
    let stranger = access(&server.sign_up("+8613700000199", None).await);
    let forged = [
        json!({"id": Uuid::now_v7(), "kind": "recommendation_clicked", "at": now(), "recommendation": home.id, "model": y}),
        json!({"id": Uuid::now_v7(), "kind": "recommendation_shown", "at": now(), "recommendation": Uuid::now_v7()}),
    ];
    let (_, body) = send(&server, Some(&stranger), Uuid::now_v7(), &forged).await;
    let r: EventReceipt = parse(&body);
    assert_eq!(r.refused.len(), 2, "{body}");
    assert!(r.refused[0].reason.contains("someone else") && r.refused[1].reason.contains("no such"), "{body}");
    let absent = m.iter().find(|model| !home.models.contains(model)).unwrap();
    let off_list = json!({"id": Uuid::now_v7(), "kind": "recommendation_clicked", "at": now(), "recommendation": home.id, "model": absent});
    let again = json!({"id": Uuid::now_v7(), "kind": "recommendation_shown", "at": now(), "recommendation": home.id});
    let (_, body) = send(&server, Some(&me), install, &[off_list, again]).await;
    let r: EventReceipt = parse(&body);
    assert!(r.refused.len() == 1 && r.refused[0].reason.contains("not in the list"), "{body}");
    let (_, page) = server.send(Method::GET, "/v1/catalog/sync?limit=2000", None, None).await;
    let product = page["items"].as_array().unwrap().iter().find(|i| i["code"] == json!(y)).unwrap();
    let (sku, price) = (product["data"]["skus"][0]["code"].clone(), product["data"]["skus"][0]["list_price"].clone());
    let promoter = access(&server.sign_in_password("promoter", DEMO_PASSWORD).await);
    let shift = Uuid::now_v7();
    let store = "01900000-0000-7000-8000-000000000101";
    let op = |action: Value| json!({"id": Uuid::now_v7(), "store_id": store, "device_at": now(), "action": action});
    let ops = json!({"ops": [
        op(json!({"type": "open_shift", "shift_id": shift, "opening_cash": 0})),
        op(json!({"type": "sale", "sale_id": Uuid::now_v7(), "shift_id": shift, "receipt_no": "R-TRAIL-1",
                  "customer_phone": "13900000005",
                  "lines": [{"sku": sku, "quantity": 1, "unit_price": price, "discount": 0, "serial": "SN-TRAIL-1"}],
                  "payments": [{"method": "card", "amount": price}]})),
    ]});
    let (status, body) = server.send(Method::POST, "/v1/store-ops", Some(&promoter), Some(&ops)).await;
    assert_eq!(status, 200, "{body}");
    let operator = access(&server.sign_in_password("operator", DEMO_PASSWORD).await);
    let (status, body) = server.get("/v1/marketing/recommendations/report?days=7", &operator).await;
    assert_eq!(status, 200, "{body}");
    let report: portal_api::RecommendationReport = parse(&body);
    let row = report.rows.iter().find(|r| r.placement == "home" && r.algorithm == home.algorithm).unwrap();
    assert_eq!((row.impressions, row.clicks, row.conversions), (1, 1, 1), "{body}");
    assert_eq!(row.revenue, price.as_i64().unwrap());
    assert!((row.click_rate - 1.0).abs() < 1e-9 && (row.conversion_rate - 1.0).abs() < 1e-9);
    let (status, _) = server.get("/v1/marketing/recommendations/report", &me).await;
    assert_eq!(status, 403, "a consumer does not see the report");

    // Bad requests.
    let (status, body) = server.send(Method::GET, "/v1/recommendations?placement=product", None, None).await;
    assert_eq!((status, error_of(&body).code), (400, ErrorCode::InvalidParameter));
    let (status, _) = server.send(Method::GET, "/v1/recommendations?placement=elsewhere", None, None).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn an_experiment_splits_people_stably_reports_arms_and_crowns_a_winner() {
    use portal_api::{Experiment, RecommendationList, RecommendationReport};
    use portal_marketing::experiments::{assign, Assignment};
    let server = TestServer::start(&[]);
    let operator = access(&server.sign_in_password("operator", DEMO_PASSWORD).await);
    let consumer_auth = server.sign_in_password("consumer", DEMO_PASSWORD).await;
    let consumer = access(&consumer_auth);
    let me: Uuid = serde_json::from_value(consumer_auth["profile"]["user_id"].clone()).unwrap();
    let start = |body: Value, token: String| {
        let server = &server;
        async move { server.send(Method::POST, "/v1/marketing/experiments", Some(&token), Some(&body)).await }
    };
    let arms = json!([{"name": "a", "algorithm": "popular", "share": 50},
                      {"name": "b", "algorithm": "item_to_item+popular", "share": 50}]);
    let (status, _) =
        start(json!({"name": "Home feed", "placement": "home", "arms": arms, "holdout_percent": 20}), consumer.clone())
            .await;
    assert_eq!(status, 403, "a consumer starts no experiment");
    let bad =
        json!([{"name": "a", "algorithm": "popular", "share": 60}, {"name": "b", "algorithm": "popular", "share": 50}]);
    let (status, body) =
        start(json!({"name": "x", "placement": "home", "arms": bad, "holdout_percent": 0}), operator.clone()).await;
    assert_eq!((status, error_of(&body).code), (400, ErrorCode::InvalidParameter));
    let wrong =
        json!([{"name": "a", "algorithm": "content", "share": 50}, {"name": "b", "algorithm": "popular", "share": 50}]);
    let (status, _) =
        start(json!({"name": "x", "placement": "home", "arms": wrong, "holdout_percent": 0}), operator.clone()).await;
    assert_eq!(status, 400, "content neighbours are a product page's recommender");
    let (status, body) =
        start(json!({"name": "Home feed", "placement": "home", "arms": arms, "holdout_percent": 20}), operator.clone())
            .await;
    assert_eq!(status, 200, "{body}");
    let experiment: Experiment = parse(&body);
    let (status, _) =
        start(json!({"name": "Again", "placement": "home", "arms": arms, "holdout_percent": 0}), operator.clone())
            .await;
    assert_eq!(status, 409, "one experiment per placement");

    // The person's arm is the hash's, on every request (and every instance).
    let expected = match assign(experiment.id, me, 20, &[50, 50]) {
        Assignment::Holdout => "holdout",
        Assignment::Arm(0) => "a",
        Assignment::Arm(_) => "b",
    };
    for _ in 0..5 {
        let (status, body) = server.get("/v1/recommendations?placement=home", &consumer).await;
        assert_eq!(status, 200, "{body}");
        let list: RecommendationList = parse(&body);
        assert_eq!(list.arm.as_deref(), Some(expected), "{body}");
        assert_eq!(list.models.is_empty(), expected == "holdout", "the holdout gets nothing: {body}");
    }
    let (_, body) = server.get("/v1/recommendations?placement=home", &consumer).await;
    let list: RecommendationList = parse(&body);
    let shown = json!({"id": Uuid::now_v7(), "kind": "recommendation_shown", "at": now(), "recommendation": list.id, "detail": "home"});
    send(&server, Some(&consumer), Uuid::now_v7(), &[shown]).await;
    let (_, body) = server.get("/v1/marketing/recommendations/report?days=1", &operator).await;
    let report: RecommendationReport = parse(&body);
    let row = report.rows.iter().find(|r| r.arm.as_deref() == Some(expected)).expect("a row per arm");
    assert_eq!((row.lists, row.impressions), (1, 1), "the same list six times is one list: {body}");
    assert!(
        row.click_rate_low <= row.click_rate && row.click_rate <= row.click_rate_high && row.click_rate_high <= 1.0
    );

    assert_eq!(row.experiment, Some(experiment.id), "rows are per experiment, not only per arm name");

    // The consumer buys at a store: their arm (the holdout too) counts a buyer.
    let promoter = access(&server.sign_in_password("promoter", DEMO_PASSWORD).await);
    let shift = Uuid::now_v7();
    let store = "01900000-0000-7000-8000-000000000101";
    let ops = json!({ "ops": [
        { "id": Uuid::now_v7(), "store_id": store, "device_at": now(),
          "action": { "type": "open_shift", "shift_id": shift, "opening_cash": 0 } },
        { "id": Uuid::now_v7(), "store_id": store, "device_at": now() + 1,
          "action": { "type": "sale", "sale_id": Uuid::now_v7(), "shift_id": shift, "receipt_no": "R-EXP-1",
                      "customer_phone": "13900000005",
                      "lines": [{ "sku": "ANY-SKU", "quantity": 1, "unit_price": 1200_00, "discount": 0 }],
                      "payments": [{ "method": "card", "amount": 1200_00 }] } }] });
    let (status, body) = server.send(Method::POST, "/v1/store-ops", Some(&promoter), Some(&ops)).await;
    assert_eq!(status, 200, "{body}");
    let (_, body) = server.get("/v1/marketing/experiments", &operator).await;
    let list: ExperimentList = parse(&body);
    let outcome = list.outcomes.iter().find(|o| o.experiment_id == experiment.id).expect("outcomes");
    let arm = outcome.arms.iter().find(|a| a.arm == expected).expect("the consumer's arm");
    assert_eq!((arm.people, arm.buyers, arm.revenue), (1, 1, 1200_00), "{body}");
    assert!(arm.buyer_rate_low <= arm.buyer_rate && arm.buyer_rate <= arm.buyer_rate_high);

    // Stopped with a winner: nobody is split any more; the winner is the default.
    let stop = |id: Uuid, winner: &str| {
        let (server, token, body) = (&server, operator.clone(), json!({"winner": winner}));
        async move {
            server.send(Method::POST, &format!("/v1/marketing/experiments/{id}/stop"), Some(&token), Some(&body)).await
        }
    };
    let (status, _) = stop(experiment.id, "c").await;
    assert_eq!(status, 400, "the winner is one of the arms");
    let (status, body) = stop(experiment.id, "b").await;
    assert_eq!((status, body["winner"].as_str(), body["status"].as_str()), (200, Some("b"), Some("stopped")), "{body}");
    let (status, _) = stop(experiment.id, "b").await;
    assert_eq!(status, 404, "stopped once");
    // Every instance serves the new default within SERVING_RULES_SECS (at once where it stopped).
    let mut after: RecommendationList;
    let waiting = std::time::Instant::now();
    loop {
        let (_, body) = server.get("/v1/recommendations?placement=home", &consumer).await;
        after = parse(&body);
        if after.arm.is_none()
            || waiting.elapsed().as_secs() > portal_server::marketing::recommender::SERVING_RULES_SECS + 1
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(after.arm, None);
    assert!(!after.models.is_empty());
    let (_, body) = server.get("/v1/marketing/experiments", &operator).await;
    assert_eq!(body["experiments"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_counter_offers_add_ons_on_hand_and_the_sale_records_what_the_customer_took() {
    let server = TestServer::start(&[]);
    let store = "01900000-0000-7000-8000-000000000101";
    let other_store = "01900000-0000-7000-8000-000000000102";
    let (_, page) = server.send(Method::GET, "/v1/catalog/sync?limit=2000", None, None).await;
    let items = page["items"].as_array().unwrap();
    let products: Vec<&Value> = items.iter().filter(|i| i["data"]["skus"].is_array()).map(|i| &i["data"]).collect();
    let tv = products.iter().find(|p| p["category"].as_str().unwrap().starts_with("tv")).unwrap();
    let (tv_sku, tv_price) = (tv["skus"][0]["code"].as_str().unwrap(), tv["skus"][0]["list_price"].as_i64().unwrap());
    let accessories: Vec<&str> = products
        .iter()
        .filter(|p| p["category"] == json!("accessory") && p["lifecycle"] != json!("discontinued"))
        .map(|p| p["skus"][0]["code"].as_str().unwrap())
        .take(2)
        .collect();
    let promoter = access(&server.sign_in_password("promoter", DEMO_PASSWORD).await);
    let op = |action: Value| json!({"id": Uuid::now_v7(), "store_id": store, "device_at": now(), "action": action});
    let stock_in = op(json!({"type": "receipt", "source": "brand",
        "lines": accessories.iter().map(|sku| json!({"sku": sku, "quantity": 5})).collect::<Vec<_>>()}));
    let (status, body) =
        server.send(Method::POST, "/v1/store-ops", Some(&promoter), Some(&json!({"ops": [stock_in]}))).await;
    assert_eq!(status, 200, "{body}");

    let ask = |token: String, store: &'static str, body: Value| {
        let server = &server;
        async move {
            server.send(Method::POST, &format!("/v1/stores/{store}/checkout-offer"), Some(&token), Some(&body)).await
        }
    };
    let (status, body) = ask(promoter.clone(), store, json!({"skus": [tv_sku]})).await;
    assert_eq!(status, 200, "{body}");
    let offer: portal_api::CheckoutOffer = parse(&body);
    assert!(!offer.skus.is_empty() && offer.skus.len() <= 3, "{body}");
    let (_, stock) = server.get(&format!("/v1/stores/{store}/stock"), &promoter).await;
    let on_hand = |sku: &str| {
        stock["levels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["sku"] == json!(sku))
            .map_or(0, |l| l["on_hand"].as_i64().unwrap())
    };
    for sku in &offer.skus {
        assert!(on_hand(sku) > 0, "only what the store has on hand: {sku}");
        assert_ne!(sku, tv_sku, "never what is in the cart");
    }
    // Scope and bad input.
    let consumer = access(&server.sign_in_password("consumer", DEMO_PASSWORD).await);
    assert_eq!(ask(consumer, store, json!({"skus": [tv_sku]})).await.0, 403);
    assert_eq!(ask(promoter.clone(), other_store, json!({"skus": [tv_sku]})).await.0, 403, "another store's counter");
    let (status, body) = ask(promoter.clone(), store, json!({"skus": []})).await;
    assert_eq!(error_of(&body).code, ErrorCode::InvalidParameter, "{status} {body}");
    let many: Vec<String> = (0..51).map(|i| format!("SKU-{i}")).collect();
    let (_, body) = ask(promoter.clone(), store, json!({"skus": many})).await;
    assert_eq!(error_of(&body).code, ErrorCode::InvalidParameter);
    let (status, _) = server.send(Method::GET, "/v1/recommendations?placement=checkout", None, None).await;
    assert_eq!(status, 400, "a counter offer is asked for with the cart");

    // The customer takes the first add-on; a second sale carries an offer made on the device
    // offline (declined); a third claims to have taken what was never shown: refused whole.
    let taken = offer.skus[0].clone();
    let taken_price = products
        .iter()
        .flat_map(|p| p["skus"].as_array().unwrap())
        .find(|s| s["code"] == json!(taken))
        .map(|s| s["list_price"].as_i64().unwrap())
        .unwrap();
    let shift = Uuid::now_v7();
    let sale = |serial: &str, with_add_on: bool, offer: Value| {
        let mut lines =
            vec![json!({"sku": tv_sku, "quantity": 1, "unit_price": tv_price, "discount": 0, "serial": serial})];
        if with_add_on {
            lines.push(json!({"sku": taken, "quantity": 1, "unit_price": taken_price, "discount": 0}));
        }
        let total = tv_price + if with_add_on { taken_price } else { 0 };
        op(json!({"type": "sale", "sale_id": Uuid::now_v7(), "shift_id": shift, "receipt_no": format!("R-{serial}"),
                  "lines": lines, "payments": [{"method": "card", "amount": total}], "offer": offer}))
    };
    let device_list = Uuid::now_v7();
    let ops = json!({"ops": [
        op(json!({"type": "open_shift", "shift_id": shift, "opening_cash": 0})),
        sale("SN-OFFER-1", true, json!({"recommendation": offer.id, "shown": offer.skus, "accepted": [taken]})),
        sale("SN-OFFER-2", false, json!({"recommendation": device_list, "shown": [accessories[0]], "accepted": []})),
        sale("SN-OFFER-3", false, json!({"recommendation": device_list, "shown": [accessories[0]], "accepted": ["ELSEWHERE"]})),
    ]});
    let (status, body) = server.send(Method::POST, "/v1/store-ops", Some(&promoter), Some(&ops)).await;
    assert_eq!(status, 200, "{body}");
    let outcomes = parse::<portal_api::StoreOpsResult>(&body).outcomes;
    let statuses: Vec<_> = outcomes.iter().map(|o| o.status).collect();
    use portal_api::OpStatus::*;
    assert_eq!(statuses, [Applied, Applied, Applied, Rejected], "{body}");

    let operator = access(&server.sign_in_password("operator", DEMO_PASSWORD).await);
    let (status, body) = server.get("/v1/marketing/recommendations/report?days=7", &operator).await;
    assert_eq!(status, 200, "{body}");
    let report: portal_api::RecommendationReport = parse(&body);
    let served = report.rows.iter().find(|r| r.placement == "checkout" && r.algorithm == offer.algorithm).unwrap();
    assert_eq!(
        (served.lists, served.impressions, served.clicks, served.conversions, served.revenue),
        (1, 1, 1, 1, taken_price),
        "{body}"
    );
    let device = report.rows.iter().find(|r| r.placement == "checkout" && r.algorithm == "on_device").unwrap();
    assert_eq!((device.lists, device.impressions, device.clicks, device.conversions), (1, 1, 0, 0), "{body}");
}

#[tokio::test]
async fn triggers_send_each_customer_one_message_per_event_with_products_chosen_for_them() {
    let server = TestServer::start(&[("PORTAL_TRIGGERS_INTERVAL_SECS", "1")]);
    let store = "01900000-0000-7000-8000-000000000101";
    let operator = access(&server.sign_in_password("operator", DEMO_PASSWORD).await);
    let new = |name: &str, kind: &str, title_en: &str, cooldown_days: u32| {
        // Sign-ins have no product or store to fill in.
        let (title_zh, body_zh, body_en) = if kind == "after_sign_in" {
            ("欢迎回来", "为您挑选", "Picked for you")
        } else {
            ("为您的{product}", "在{store}", "At {store}")
        };
        json!({"name": name, "kind": kind, "title_zh": title_zh, "title_en": title_en,
               "body_zh": body_zh, "body_en": body_en, "cooldown_days": cooldown_days})
    };
    let create = |token: String, body: Value| {
        let server = &server;
        async move { server.send(Method::POST, "/v1/marketing/triggers", Some(&token), Some(&body)).await }
    };
    // Bad input and scope first: nothing is kept.
    let (status, body) = create(operator.clone(), new("Bad", "after_purchase", "For {name}", 0)).await;
    assert_eq!(error_of(&body).code, ErrorCode::InvalidParameter, "{status} {body}");
    let (_, body) = create(operator.clone(), new("Hello", "after_sign_in", "Your {product}", 1)).await;
    assert!(error_of(&body).message.contains("no product"), "{body}");
    let (_, body) = create(operator.clone(), new("Hello", "after_sign_in", "Hello", 0)).await;
    assert_eq!(error_of(&body).code, ErrorCode::InvalidParameter, "a sign-in trigger waits a day: {body}");
    let (status, _) = create(operator.clone(), json!({"name": "x", "kind": "birthday_cake"})).await;
    assert!(status == 400 || status == 422, "{status}");
    let consumer_before = access(&server.sign_in_password("consumer", DEMO_PASSWORD).await);
    assert_eq!(create(consumer_before, new("Mine", "after_purchase", "x", 0)).await.0, 403);
    // Someone who signed up before the triggers existed (a second before: facts count by the second).
    let stranger = access(&server.sign_up("+8613700000301", None).await);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    for (name, kind, title, cooldown) in [
        ("After a purchase", "after_purchase", "For your {product}", 0),
        ("Back in stock", "back_in_stock", "{product} is back at {store}", 0),
        ("Welcome back", "after_sign_in", "Welcome back", 7),
    ] {
        let (status, body) = create(operator.clone(), new(name, kind, title, cooldown)).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = create(operator.clone(), new("After a purchase", "after_purchase", "again", 0)).await;
    assert_eq!((status, error_of(&body).code), (409, ErrorCode::NameTaken));

    // The consumer signs in, follows a product; the promoter sells them a TV and receives the
    // followed product, which the store had none of.
    let me = access(&server.sign_in_password("consumer", DEMO_PASSWORD).await);
    let (_, page) = server.send(Method::GET, "/v1/catalog/sync?limit=2000", None, None).await;
    let products: Vec<Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["data"]["skus"].is_array())
        .map(|i| i["data"].clone())
        .collect();
    let tv = products
        .iter()
        .find(|p| p["category"].as_str().unwrap().starts_with("tv") && p["lifecycle"] != json!("discontinued"))
        .unwrap();
    let followed =
        products.iter().find(|p| p["category"] == json!("fridge") && p["lifecycle"] != json!("discontinued")).unwrap();
    let follow = json!({"ops": [{"id": Uuid::now_v7(), "model": followed["model"], "kind": "follow", "active": true, "changed_at": now()}]});
    let (status, body) = server.send(Method::POST, "/v1/me/favourites/ops", Some(&me), Some(&follow)).await;
    assert_eq!(status, 200, "{body}");
    let promoter = access(&server.sign_in_password("promoter", DEMO_PASSWORD).await);
    let (sku, price) = (tv["skus"][0]["code"].clone(), tv["skus"][0]["list_price"].as_i64().unwrap());
    let shift = Uuid::now_v7();
    let op = |action: Value| json!({"id": Uuid::now_v7(), "store_id": store, "device_at": now(), "action": action});
    let ops = json!({"ops": [
        op(json!({"type": "open_shift", "shift_id": shift, "opening_cash": 0})),
        op(json!({"type": "sale", "sale_id": Uuid::now_v7(), "shift_id": shift, "receipt_no": "R-TRIGGER-1",
                  "customer_phone": "13900000005",
                  "lines": [{"sku": sku, "quantity": 1, "unit_price": price, "discount": 0, "serial": "SN-TRIGGER-1"}],
                  "payments": [{"method": "card", "amount": price}]})),
        op(json!({"type": "receipt", "source": "brand", "lines": [{"sku": followed["skus"][0]["code"], "quantity": 2}]})),
    ]});
    let (status, body) = server.send(Method::POST, "/v1/store-ops", Some(&promoter), Some(&ops)).await;
    assert_eq!(status, 200, "{body}");

    let inbox_of = |token: String| {
        let server = &server;
        async move {
            let (status, body) = server.get("/v1/me/inbox", &token).await;
            assert_eq!(status, 200, "{body}");
            parse::<portal_api::Inbox>(&body)
        }
    };
    let mut inbox = inbox_of(me.clone()).await;
    for _ in 0..150 {
        if inbox.messages.len() >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        inbox = inbox_of(me.clone()).await;
    }
    let of = |kind: portal_api::TriggerKind, inbox: &portal_api::Inbox| {
        inbox.messages.iter().filter(|m| m.kind == kind).cloned().collect::<Vec<_>>()
    };
    use portal_api::TriggerKind::*;
    let bought = of(AfterPurchase, &inbox);
    assert_eq!(bought.len(), 1, "{inbox:?}");
    assert_eq!(bought[0].title_en, format!("For your {}", tv["name_en"].as_str().unwrap()));
    assert!(bought[0].body_en.starts_with("At ") && bought[0].body_en.len() > 3, "{:?}", bought[0]);
    assert!(!bought[0].models.contains(&tv["model"].as_str().unwrap().to_owned()), "never what they just bought");
    let back = of(BackInStock, &inbox);
    assert_eq!(back.len(), 1, "{inbox:?}");
    assert_eq!(back[0].models, [followed["model"].as_str().unwrap().to_owned()]);
    assert_eq!(of(AfterSignIn, &inbox).len(), 1, "{inbox:?}");
    assert_eq!(inbox.unread, 3);

    // Passes go on, on every instance: each event still sent once; a second sign-in is within the
    // welcome trigger's cooldown.
    let me_again = access(&server.sign_in_password("consumer", DEMO_PASSWORD).await);
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let inbox = inbox_of(me_again.clone()).await;
    assert_eq!(inbox.messages.len(), 3, "{inbox:?}");

    // Read, and only one's own.
    let read = |token: String, id: Uuid| {
        let server = &server;
        async move { server.send(Method::POST, &format!("/v1/me/inbox/{id}/read"), Some(&token), None).await }
    };
    assert_eq!(read(stranger.clone(), back[0].id).await.0, 404);
    let (status, body) = read(me_again.clone(), back[0].id).await;
    assert_eq!((status, parse::<portal_api::Inbox>(&body).unread), (200, 2), "{body}");
    assert!(inbox_of(stranger).await.messages.is_empty());

    // The operator sees what each sent, and pauses one: a new purchase sends nothing.
    let (_, body) = server.get("/v1/marketing/triggers", &operator).await;
    let list: portal_api::TriggerList = parse(&body);
    let sent = |name: &str| list.triggers.iter().find(|t| t.name == name).unwrap().sent;
    assert_eq!((sent("After a purchase"), sent("Back in stock"), sent("Welcome back")), (1, 1, 1));
    let paused = list.triggers.iter().find(|t| t.name == "After a purchase").unwrap().id;
    let (status, _) = server
        .send(
            Method::PUT,
            &format!("/v1/marketing/triggers/{paused}/active"),
            Some(&operator),
            Some(&json!({"active": false})),
        )
        .await;
    assert_eq!(status, 200);
    let again = json!({"ops": [op(json!({"type": "sale", "sale_id": Uuid::now_v7(), "shift_id": shift, "receipt_no": "R-TRIGGER-2",
        "customer_phone": "13900000005",
        "lines": [{"sku": sku, "quantity": 1, "unit_price": price, "discount": 0, "serial": "SN-TRIGGER-2"}],
        "payments": [{"method": "card", "amount": price}]}))]});
    server.send(Method::POST, "/v1/store-ops", Some(&promoter), Some(&again)).await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(inbox_of(me_again).await.messages.len(), 3, "a paused trigger sends nothing");
}

#[tokio::test]
async fn a_birthday_set_on_the_profile_brings_one_birthday_message_a_year() {
    let server = TestServer::start(&[("PORTAL_TRIGGERS_INTERVAL_SECS", "1")]);
    let me = access(&server.sign_in_password("consumer", DEMO_PASSWORD).await);
    let set = |birthday: &str| {
        let (server, me) = (&server, me.clone());
        let body = json!({"display_name": "Birthday person", "birthday": birthday});
        async move { server.send(Method::PATCH, "/v1/me", Some(&me), Some(&body)).await }
    };
    for bad in ["02-30", "13-01", "8-15", "tomorrow"] {
        let (status, body) = set(bad).await;
        assert_eq!((status, error_of(&body).code), (400, ErrorCode::InvalidParameter), "{bad}: {body}");
    }
    // Today in China, where the stores are.
    let today = china_today();
    let (status, body) = set(&today).await;
    assert_eq!((status, body["birthday"].as_str()), (200, Some(today.as_str())), "{body}");
    let (_, body) = server.get("/v1/me", &me).await;
    assert_eq!(body["birthday"], json!(today), "kept");
    let operator = access(&server.sign_in_password("operator", DEMO_PASSWORD).await);
    let trigger = json!({"name": "Happy birthday", "kind": "birthday", "title_zh": "生日快乐", "title_en": "Happy birthday",
                         "body_zh": "送您生日礼遇", "body_en": "A birthday treat for you", "cooldown_days": 0});
    let (status, body) = server.send(Method::POST, "/v1/marketing/triggers", Some(&operator), Some(&trigger)).await;
    assert_eq!(status, 200, "{body}");
    let mut messages = vec![];
    for _ in 0..100 {
        let (_, body) = server.get("/v1/me/inbox", &me).await;
        messages = parse::<portal_api::Inbox>(&body).messages;
        if !messages.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(
        (messages[0].kind, messages[0].title_en.as_str()),
        (portal_api::TriggerKind::Birthday, "Happy birthday")
    );
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let (_, body) = server.get("/v1/me/inbox", &me).await;
    assert_eq!(parse::<portal_api::Inbox>(&body).messages.len(), 1, "once a year");
    // Forgotten: "" clears it.
    let (status, body) = set("").await;
    assert_eq!((status, body.get("birthday")), (200, None), "{body}");
}

/// MM-DD of today in China (UTC+8).
fn china_today() -> String {
    let days = (now() + 8 * 3600).div_euclid(86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    format!("{month:02}-{day:02}")
}
