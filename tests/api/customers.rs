//! Customer tags and the unified customer view against the real server: a rule that does not
//! parse saves nothing and says where; tags are worked out over everyone and then incrementally;
//! who may see whose view (an operator anyone's, a consumer their own, a promoter only the
//! customer who gave them the code sent to their phone).
use portal_api::*;
use portal_server::demo::DEMO_PASSWORD;
use portal_tests::server::*;
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

const SHANGHAI: &str = "01900000-0000-7000-8000-000000000101";
const CONSUMER_PHONE: &str = "+8613900000005";

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// A sale at Shanghai linked to the customer with this phone (created with consent if new).
async fn sell_to(server: &TestServer, promoter: &str, phone: &str, amount: i64) {
    let shift = Uuid::now_v7();
    let ops = json!({ "ops": [
        { "id": Uuid::now_v7(), "store_id": SHANGHAI, "device_at": now(),
          "action": { "type": "open_shift", "shift_id": shift, "opening_cash": 0 } },
        { "id": Uuid::now_v7(), "store_id": SHANGHAI, "device_at": now(),
          "action": { "type": "sale", "sale_id": Uuid::now_v7(), "shift_id": shift,
                      "receipt_no": format!("R-{}", Uuid::now_v7()), "customer_phone": phone, "customer_consent": true,
                      "lines": [{ "sku": "TV-CV", "quantity": 1, "unit_price": amount, "discount": 0 }],
                      "payments": [{ "method": "card", "amount": amount }] } },
        { "id": Uuid::now_v7(), "store_id": SHANGHAI, "device_at": now(),
          "action": { "type": "close_shift", "shift_id": shift, "counted": [{ "method": "card", "amount": amount }] } }] });
    let (status, body) = server.send(Method::POST, "/v1/store-ops", Some(promoter), Some(&ops)).await;
    assert_eq!(status, 200, "{body}");
    assert!(parse::<StoreOpsResult>(&body).outcomes.iter().all(|o| o.status == OpStatus::Applied), "{body}");
}

#[tokio::test]
async fn tags_come_from_rules_and_stay_up_to_date() {
    let server = TestServer::start(&[("PORTAL_TAGS_INTERVAL_SECS", "0")]);
    let operator = access(&server.sign_in_password("operator", DEMO_PASSWORD).await);
    let consumer = access(&server.sign_in_password("consumer", DEMO_PASSWORD).await);
    let promoter = access(&server.sign_in_password("promoter", DEMO_PASSWORD).await);
    let create = |token: String, name: &str, rule: &str| {
        let body = json!({ "name": name, "rule": rule });
        let server = &server;
        async move { server.send(Method::POST, "/v1/marketing/tags", Some(&token), Some(&body)).await }
    };

    let (status, body) = create(consumer.clone(), "big spenders", "spend > 1").await;
    assert_eq!(status, 403, "{body}");
    // A rule that does not parse: a clear error, and nothing saved.
    let (status, body) = create(operator.clone(), "big spenders", "spend >").await;
    assert_eq!(status, 422, "{body}");
    let error = error_of(&body);
    assert_eq!((error.code, error.field.as_deref()), (ErrorCode::InvalidTagRule, Some("rule")));
    assert!(error.message.contains("column 8"), "{}", error.message);
    // Keyed, for the app to say in the operator's language.
    let detail = error.detail.expect("the problem's key");
    assert_eq!((detail.key.as_str(), detail.column, detail.subject), ("value_expected", Some(8), None));
    let (_, body) = create(operator.clone(), "big spenders", "spent > 1").await;
    let detail = error_of(&body).detail.expect("the problem's key");
    assert_eq!((detail.key.as_str(), detail.subject.as_deref()), ("unknown_field", Some("spent")));
    let (_, body) = server.get("/v1/marketing/tags", &operator).await;
    let list: CustomerTagList = parse(&body);
    assert!(list.tags.is_empty(), "nothing saved: {body}");
    assert!(list.fields.iter().any(|f| f.name == "bought_days.<category>"));

    sell_to(&server, &promoter, CONSUMER_PHONE, 3000_00).await;
    let (status, body) = create(operator.clone(), "big spenders", "spend >= 2000 and purchases >= 1").await;
    assert_eq!(status, 200, "{body}");
    let tag: CustomerTag = parse(&body);
    // Worked out over everyone (in the background once saved; here at once).
    let (_, body) = server.send(Method::POST, "/v1/marketing/tags/recompute?full=true", Some(&operator), None).await;
    let list: CustomerTagList = parse(&body);
    assert_eq!((list.tags[0].id, list.tags[0].size), (tag.id, 1), "{body}");
    assert!(list.tags[0].computed_at.is_some());
    let (status, _) = create(operator.clone(), " big spenders ", "purchases >= 1").await;
    assert_eq!(status, 409, "one tag per name");

    // A new customer buys at the counter: an incremental pass takes them in.
    sell_to(&server, &promoter, "+8613900000777", 2500_00).await;
    let (status, body) = server.send(Method::POST, "/v1/marketing/tags/recompute", Some(&operator), None).await;
    assert_eq!(status, 200, "{body}");
    let list: CustomerTagList = parse(&body);
    assert_eq!(list.tags[0].size, 2, "{body}");
    // A cheap purchase does not make a big spender.
    sell_to(&server, &promoter, "+8613900000778", 10_00).await;
    let (_, body) = server.send(Method::POST, "/v1/marketing/tags/recompute?full=true", Some(&operator), None).await;
    assert_eq!(parse::<CustomerTagList>(&body).tags[0].size, 2, "{body}");

    let (status, _) =
        server.send(Method::DELETE, &format!("/v1/marketing/tags/{}", tag.id), Some(&operator), None).await;
    assert_eq!(status, 204);
    let (_, body) = server.get("/v1/marketing/tags", &operator).await;
    assert!(parse::<CustomerTagList>(&body).tags.is_empty());
}

#[tokio::test]
async fn a_customer_view_is_seen_by_operators_its_customer_and_the_promoter_they_let() {
    let server = TestServer::start(&[("PORTAL_TAGS_INTERVAL_SECS", "0")]);
    let operator = access(&server.sign_in_password("operator", DEMO_PASSWORD).await);
    let consumer = access(&server.sign_in_password("consumer", DEMO_PASSWORD).await);
    let promoter = access(&server.sign_in_password("promoter", DEMO_PASSWORD).await);
    let manager = access(&server.sign_in_password("manager", DEMO_PASSWORD).await);
    sell_to(&server, &promoter, CONSUMER_PHONE, 1999_00).await;
    let tag = json!({ "name": "buyers", "rule": "purchases >= 1" });
    let (status, body) = server.send(Method::POST, "/v1/marketing/tags", Some(&operator), Some(&tag)).await;
    assert_eq!(status, 200, "{body}");
    server.send(Method::POST, "/v1/marketing/tags/recompute?full=true", Some(&operator), None).await;

    // The operator finds the customer by phone: purchases, tags, consent, the full phone.
    let find = |token: String| {
        let server = &server;
        async move {
            let body = json!({ "phone": "13900000005" });
            server.send(Method::POST, "/v1/customers/find", Some(&token), Some(&body)).await
        }
    };
    let (status, body) = find(operator.clone()).await;
    assert_eq!(status, 200, "{body}");
    let view: CustomerView = parse(&body);
    assert_eq!(view.phone.as_deref(), Some(CONSUMER_PHONE));
    assert_eq!(view.tags, ["buyers"]);
    assert_eq!((view.purchases.len(), view.spend), (1, 1999_00));
    assert_eq!(view.purchases[0].store_name, "上海南京东路旗舰店");
    let id = view.id;

    // The customer sees their own; nobody else's.
    let (status, body) = server.get("/v1/me/customer-view", &consumer).await;
    assert_eq!((status, parse::<CustomerView>(&body).id), (200, id));
    let (status, _) = server.get(&format!("/v1/customers/{}", Uuid::now_v7()), &consumer).await;
    assert_eq!(status, 403);
    let (status, _) = find(consumer.clone()).await;
    assert_eq!(status, 403);

    // A promoter sees nothing without the customer's code; the public code route sends none.
    let (status, _) = server.get(&format!("/v1/customers/{id}"), &promoter).await;
    assert_eq!(status, 403);
    let public = json!({ "channel": "sms", "target": CONSUMER_PHONE, "purpose": "counter_consent" });
    let (status, _) = server.post("/v1/auth/codes", public).await;
    assert_eq!(status, 403, "counter codes are asked for by a signed-in promoter");
    let (status, body) = server
        .send(Method::POST, "/v1/customers/counter-code", Some(&promoter), Some(&json!({ "phone": "13900009999" })))
        .await;
    // A number of no customer is answered as anyone's (no message goes out), and its consent as
    // a wrong code: a promoter cannot find out who is a customer.
    assert_eq!(status, 200, "no such customer, and nobody can tell: {body}");
    assert!(server.dev_messages("+8613900009999").await.is_empty(), "nothing was sent to a stranger");
    let (status, body) = server
        .send(
            Method::POST,
            "/v1/customers/counter-consent",
            Some(&promoter),
            Some(&json!({ "phone": "13900009999", "code": "123456" })),
        )
        .await;
    assert_eq!((status, error_of(&body).code), (400, ErrorCode::InvalidCode), "{body}");
    let (status, body) = server
        .send(Method::POST, "/v1/customers/counter-code", Some(&promoter), Some(&json!({ "phone": "13900000005" })))
        .await;
    assert_eq!(status, 200, "{body}");
    let code = server.last_code(CONSUMER_PHONE).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (status, _) = server
        .send(
            Method::POST,
            "/v1/customers/counter-consent",
            Some(&promoter),
            Some(&json!({ "phone": "13900000005", "code": wrong })),
        )
        .await;
    assert_eq!(status, 400);
    let (status, body) = server
        .send(
            Method::POST,
            "/v1/customers/counter-consent",
            Some(&promoter),
            Some(&json!({ "phone": "13900000005", "code": code })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let seen: CustomerView = parse(&body);
    assert_eq!(seen.phone.as_deref(), Some("139****0005"), "masked at the counter");
    assert!(seen.visible_until.is_some());
    let (status, _) = server.get(&format!("/v1/customers/{id}"), &promoter).await;
    assert_eq!(status, 200, "while serving them");
    // The grant is the promoter's: the manager of the store did not get it.
    let (status, _) = server.get(&format!("/v1/customers/{id}"), &manager).await;
    assert_eq!(status, 403);
    // A code is used once.
    let (status, _) = server
        .send(
            Method::POST,
            "/v1/customers/counter-consent",
            Some(&manager),
            Some(&json!({ "phone": "13900000005", "code": code })),
        )
        .await;
    assert_eq!(status, 400);
}
