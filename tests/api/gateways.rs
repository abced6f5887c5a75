//! Campaigns through the real providers' protocols, each checked by a local stand-in as the
//! service does: a text goes as its approved marketing template to the verified phone, its
//! delivery receipt settles it, and a reply of 退订 opts the number out; a push reaches each of a
//! person's phones through its own service (FCM, APNs over one reused HTTP/2 connection, Huawei
//! Push Kit) in the phone's language, and a token the service calls dead is dropped, never tried
//! again.
use std::collections::HashMap;

use portal_api::*;
use portal_server::demo::DEMO_PASSWORD;
use portal_tests::push_standins::{ApnsStandIn, FcmStandIn, HuaweiStandIn};
use portal_tests::server::*;
use portal_tests::sms_standin::{SmsStandIn, StandInConfig};
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

const CALLBACK: &str = "cb-7d0c2f9e4b1a";
const MARKETING: &str = "SMS_480200002";

/// Polls `check` every 200 ms for up to 30 s.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..150 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("{what}: not within 30 s");
}

/// A consumer who signed up now, takes marketing at any hour; their token.
async fn awake_consumer(server: &TestServer, phone: &str) -> String {
    let token = access(&server.sign_up(phone, None).await);
    let prefs = json!({ "marketing": true, "time_zone": "Asia/Shanghai" });
    assert_eq!(server.send(Method::PUT, "/v1/me/message-preferences", Some(&token), Some(&prefs)).await.0, 200);
    token
}

/// Writes, approves and starts a campaign for consumers on `channels`; its id.
async fn run_campaign(server: &TestServer, channels: serde_json::Value, content: serde_json::Value) -> Uuid {
    let operator = access(&server.sign_in_password("operator", DEMO_PASSWORD).await);
    let admin = access(&server.sign_in_password("admin", DEMO_PASSWORD).await);
    let id = Uuid::now_v7();
    let draft = json!({
        "id": id, "name": format!("gateways {id}"), "category": "promotions",
        "audience": { "roles": ["consumer"] }, "content": content, "channels": channels, "holdout_percent": 0
    });
    let (status, body) = server.send(Method::POST, "/v1/campaigns", Some(&operator), Some(&draft)).await;
    assert_eq!(status, 200, "{body}");
    for (token, action) in [(&operator, "submit"), (&admin, "approve"), (&operator, "start")] {
        let body = json!({ "action": action, "revision": 1 });
        let (status, body) =
            server.send(Method::POST, &format!("/v1/campaigns/{id}/actions"), Some(token), Some(&body)).await;
        assert_eq!(status, 200, "{action}: {body}");
    }
    id
}

async fn funnel(server: &TestServer, id: Uuid) -> CampaignFunnel {
    let operator = access(&server.sign_in_password("operator", DEMO_PASSWORD).await);
    let detail: CampaignDetail = parse(&server.get(&format!("/v1/campaigns/{id}"), &operator).await.1);
    detail.funnel.expect("a started campaign has a funnel")
}

fn words() -> serde_json::Value {
    json!({ "title_zh": "会员日", "title_en": "Members' day", "body_zh": "全场九折", "body_en": "10% off",
            "deep_link": { "to": "wallet" } })
}

#[tokio::test]
async fn a_campaign_text_goes_as_its_template_and_its_receipt_and_a_td_reply_come_back() {
    let standin = SmsStandIn::start(StandInConfig {
        access_key_id: "LTAI5tTestKey".into(),
        access_key_secret: "s3cret+/=".into(),
        sign_name: "统一品牌".into(),
        templates: HashMap::from([("SMS_480100001".into(), vec!["code".into()]), (MARKETING.into(), vec![])]),
        max_per_sec: 2_000,
        dead_numbers: vec![],
        marketing_templates: vec![MARKETING.into()],
    })
    .await;
    let endpoint = standin.endpoint();
    let server = TestServer::start(&[
        ("PORTAL_SMS_GATEWAY", "aliyun"),
        ("PORTAL_SMS_ENDPOINT", &endpoint),
        ("PORTAL_SMS_ACCESS_KEY_ID", "LTAI5tTestKey"),
        ("PORTAL_SMS_ACCESS_KEY_SECRET", "s3cret+/="),
        ("PORTAL_SMS_SIGN_NAME", "统一品牌"),
        ("PORTAL_SMS_CODE_TEMPLATE", "SMS_480100001"),
        ("PORTAL_SMS_MAX_PER_SEC", "500"),
        ("PORTAL_SMS_CALLBACK_TOKEN", CALLBACK),
        ("PORTAL_CAMPAIGN_INTERVAL_SECS", "1"),
    ]);
    let consumer = awake_consumer(&server, "+8613912377001").await;

    // A text campaign names its approved marketing template; one without is refused, naming it.
    let operator = access(&server.sign_in_password("operator", DEMO_PASSWORD).await);
    let bare = json!({ "id": Uuid::now_v7(), "name": "no template", "category": "promotions",
                       "audience": {}, "content": words(), "channels": ["sms"], "holdout_percent": 0 });
    let (status, body) = server.send(Method::POST, "/v1/campaigns", Some(&operator), Some(&bare)).await;
    assert_eq!((status, error_of(&body).field.as_deref()), (400, Some("content.sms_template")), "{body}");

    let mut content = words();
    content["sms_template"] = json!(MARKETING);
    let id = run_campaign(&server, json!(["sms"]), content).await;
    let mut text = None;
    eventually("the consumer's text reached the SMS service", || {
        let found = standin.accepted().into_iter().find(|a| a.phone == "13912377001" && a.template == MARKETING);
        text = found.clone();
        async move { found.is_some() }
    })
    .await;
    let text = text.unwrap();
    assert_eq!(text.params, json!({}), "a marketing template takes no parameters");
    eventually("the text is settled as handed over", || async { funnel(&server, id).await.gateway.sent >= 1 }).await;

    // The service's delivery receipt settles it as delivered, once; a wrong address takes nothing.
    let receipt = json!([{ "phone_number": "13912377001", "send_time": "2026-12-07 10:00:00",
        "report_time": "2026-12-07 10:00:05", "success": true, "err_code": "DELIVERED", "err_msg": "用户接收成功",
        "sms_size": "1", "biz_id": text.biz_id, "out_id": text.out_id }]);
    let (status, _) =
        server.send(Method::POST, "/v1/gateways/aliyun-sms/wrong-token/receipts", None, Some(&receipt)).await;
    assert_eq!(status, 404);
    let path = format!("/v1/gateways/aliyun-sms/{CALLBACK}/receipts");
    let (status, body) = server.send(Method::POST, &path, None, Some(&receipt)).await;
    assert_eq!((status, body["code"].as_i64()), (200, Some(0)), "{body}");
    let before = funnel(&server, id).await.gateway;
    assert!(before.delivered >= 1, "{before:?}");
    // The service sends a batch again (it does until it hears 成功), many times at once: taken
    // every time, counted once.
    let again: Vec<_> = (0..24)
        .map(|_| {
            let (url, body) = (server.url(&path), receipt.clone());
            tokio::spawn(async move { reqwest::Client::new().post(url).json(&body).send().await.unwrap().status() })
        })
        .collect();
    for answer in again {
        assert_eq!(answer.await.unwrap(), 200);
    }
    assert_eq!(funnel(&server, id).await.gateway.delivered, before.delivered);
    let (status, body) = server.send(Method::POST, &path, None, Some(&json!({"not": "an array"}))).await;
    assert_eq!((status, error_of(&body).code), (422, ErrorCode::InvalidJson));

    // A reply of 退订 opts the number out of marketing texts; other replies change nothing.
    let replies = json!([
        { "phone_number": "13912377001", "send_time": "2026-12-07 10:01:00", "content": " 退订 ",
          "sign_name": "统一品牌", "dest_code": "", "sequence_id": 1 },
        { "phone_number": "13912377002", "send_time": "2026-12-07 10:01:00", "content": "谢谢",
          "sign_name": "统一品牌", "dest_code": "", "sequence_id": 2 }
    ]);
    let (status, body) =
        server.send(Method::POST, &format!("/v1/gateways/aliyun-sms/{CALLBACK}/replies"), None, Some(&replies)).await;
    assert_eq!((status, body["code"].as_i64()), (200, Some(0)), "{body}");
    let prefs: MessagePreferences = parse(&server.get("/v1/me/message-preferences", &consumer).await.1);
    assert_eq!(prefs.channels_off, vec![MessageChannel::Sms]);
    assert!(prefs.marketing, "only texts are off");

    // The next text campaign passes the number over.
    let mut content = words();
    content["sms_template"] = json!(MARKETING);
    let next = run_campaign(&server, json!(["sms"]), content).await;
    eventually("the next campaign is reconciled", || async {
        let operator = access(&server.sign_in_password("operator", DEMO_PASSWORD).await);
        let detail: CampaignDetail = parse(&server.get(&format!("/v1/campaigns/{next}"), &operator).await.1);
        detail.funnel.is_some_and(|f| f.sent + f.skipped > 0)
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let to_them = standin.accepted().iter().filter(|a| a.phone == "13912377001" && a.template == MARKETING).count();
    assert_eq!(to_them, 1, "no text after 退订");
}

fn registration(platform: &str, push: &str, token: &str, language: &str) -> serde_json::Value {
    json!({ "platform": platform, "push": push, "token": token, "language": language, "app_version": "1.4.0" })
}

#[tokio::test]
async fn a_push_reaches_each_phone_through_its_service_and_a_dead_token_is_dropped() {
    let (fcm, apns, huawei) = (FcmStandIn::start().await, ApnsStandIn::start().await, HuaweiStandIn::start().await);
    let (fcm_endpoint, apns_endpoint) = (fcm.endpoint(), apns.endpoint());
    let (hw_token, hw_endpoint) = (huawei.token_endpoint(), huawei.endpoint());
    let server = TestServer::start(&[
        ("PORTAL_PUSH_FCM_SERVICE_ACCOUNT", &fcm.service_account),
        ("PORTAL_PUSH_FCM_ENDPOINT", &fcm_endpoint),
        ("PORTAL_PUSH_APNS_KEY", &apns.key_pem),
        ("PORTAL_PUSH_APNS_KEY_ID", &apns.key_id),
        ("PORTAL_PUSH_APNS_TEAM_ID", &apns.team_id),
        ("PORTAL_PUSH_APNS_TOPIC", &apns.topic),
        ("PORTAL_PUSH_APNS_ENDPOINT", &apns_endpoint),
        ("PORTAL_PUSH_HUAWEI_APP_ID", &huawei.app_id),
        ("PORTAL_PUSH_HUAWEI_CLIENT_SECRET", &huawei.client_secret),
        ("PORTAL_PUSH_HUAWEI_TOKEN_ENDPOINT", &hw_token),
        ("PORTAL_PUSH_HUAWEI_ENDPOINT", &hw_endpoint),
        ("PORTAL_CAMPAIGN_INTERVAL_SECS", "1"),
    ]);
    let consumer = awake_consumer(&server, "+8613912377101").await;
    let iphone = "a1".repeat(32);
    let dead_iphone = "d0".repeat(32);
    apns.record.kill(&dead_iphone);
    let devices = [
        (Uuid::now_v7(), registration("android", "fcm", "fcm-token-pixel", "zh-CN")),
        (Uuid::now_v7(), registration("ios", "apns", &iphone, "en")),
        (Uuid::now_v7(), registration("ios", "apns", &dead_iphone, "zh-CN")),
        (Uuid::now_v7(), registration("android", "huawei", "IQAAAACy0kYd-mate60", "zh-CN")),
        (Uuid::now_v7(), registration("linux", "none", "", "zh-CN")),
    ];
    for (installation, body) in &devices {
        let path = format!("/v1/me/devices/{installation}");
        let (status, answer) = server.send(Method::PUT, &path, Some(&consumer), Some(body)).await;
        assert_eq!(status, 204, "{answer}");
    }
    // Bad registrations are refused, naming the field; nobody registers without signing in.
    let path = format!("/v1/me/devices/{}", Uuid::now_v7());
    let wrong = registration("android", "apns", &iphone, "zh-CN");
    let (status, body) = server.send(Method::PUT, &path, Some(&consumer), Some(&wrong)).await;
    assert_eq!((status, error_of(&body).field.as_deref()), (400, Some("push")), "{body}");
    assert_eq!(server.send(Method::PUT, &path, None, Some(&devices[0].1)).await.0, 401);

    let id = run_campaign(&server, json!(["push", "inbox"]), words()).await;
    eventually("every phone got its push", || async {
        fcm.record.delivered().len() + apns.record.delivered().len() + huawei.record.delivered().len() >= 3
    })
    .await;
    let (pixel, iphones, mate) = (fcm.record.delivered(), apns.record.delivered(), huawei.record.delivered());
    assert_eq!(
        (pixel.len(), iphones.len(), mate.len()),
        (1, 1, 1),
        "{:?}",
        [fcm.record.refusals(), apns.record.refusals(), huawei.record.refusals()]
    );
    assert_eq!((pixel[0].title.as_str(), pixel[0].link.as_deref()), ("会员日", Some("wallet")));
    assert_eq!((iphones[0].token.as_str(), iphones[0].title.as_str()), (iphone.as_str(), "Members' day"), "in English");
    assert_eq!(mate[0].body, "全场九折");
    assert_eq!(apns.record.tries_of_dead(&dead_iphone), 1);
    eventually("the push is settled as handed over", || async { funnel(&server, id).await.gateway.sent == 1 }).await;
    // The same message is in the inbox: one message for push and inbox.
    let inbox: Inbox = parse(&server.get("/v1/me/inbox", &consumer).await.1);
    assert_eq!(inbox.messages.iter().filter(|m| m.kind == TriggerKind::Campaign).count(), 1);

    // Signed out on the Pixel: forgotten. The dead iPhone token was dropped. The next campaign
    // reaches the other two only, over the same APNs connection and provider token.
    let (status, _) =
        server.send(Method::DELETE, &format!("/v1/me/devices/{}", devices[0].0), Some(&consumer), None).await;
    assert_eq!(status, 204);
    run_campaign(&server, json!(["push"]), words()).await;
    eventually("the second push reached the iPhone and the Mate", || async {
        apns.record.delivered().len() == 2 && huawei.record.delivered().len() == 2
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(fcm.record.delivered().len(), 1, "not pushed after signing out there");
    assert_eq!(apns.record.tries_of_dead(&dead_iphone), 1, "a dead token is never tried again");
    assert!(
        apns.record.connections() <= instances_wanted(),
        "one HTTP/2 connection an instance: {}",
        apns.record.connections()
    );
    assert!(apns.record.provider_tokens() <= instances_wanted(), "the provider token is reused");
    assert!(
        fcm.record.refusals().is_empty() && apns.record.refusals().is_empty() && huawei.record.refusals().is_empty()
    );
}

#[tokio::test]
async fn codes_and_campaign_mail_go_over_smtp_with_starttls_and_one_click_unsubscribe() {
    use portal_tests::smtp_standin::{SmtpStandIn, PASSWORD, USER};
    let smtp = SmtpStandIn::start(vec!["ghost@example.com".into()]).await;
    let port = smtp.addr.port().to_string();
    let server = TestServer::start(&[
        ("PORTAL_SMTP_HOST", "localhost"),
        ("PORTAL_SMTP_PORT", &port),
        ("PORTAL_SMTP_USERNAME", USER),
        ("PORTAL_SMTP_PASSWORD", PASSWORD),
        ("PORTAL_SMTP_FROM", "品牌门户 <no-reply@brand.example>"),
        ("PORTAL_SMTP_CA", &smtp.ca_pem),
        ("PORTAL_PUBLIC_URL", "https://portal.brand.example"),
        ("PORTAL_CAMPAIGN_INTERVAL_SECS", "1"),
    ]);
    let consumer = awake_consumer(&server, "+8613912377201").await;

    // A code to link an e-mail address goes by mail, over TLS, authenticated.
    let (status, body) = server
        .send(
            Method::POST,
            "/v1/auth/codes",
            None,
            Some(&json!({"channel": "email", "target": "mei@example.com", "purpose": "link"})),
        )
        .await;
    assert_eq!(status, 200, "{body} {:?}", smtp.refusals());
    let mails = smtp.received();
    assert_eq!(mails.len(), 1, "{:?}", smtp.refusals());
    assert_eq!(mails[0].to, vec!["mei@example.com".to_string()]);
    assert_eq!(mails[0].from, "no-reply@brand.example");
    assert!(mails[0].headers["subject"].contains("验证码"), "{:?}", mails[0].headers);
    let code = mails[0].text.split("验证码 ").nth(1).unwrap().chars().take(6).collect::<String>();
    let link = json!({"kind": "email", "value": "mei@example.com", "code": code});
    let (status, body) = server.send(Method::POST, "/v1/me/identities", Some(&consumer), Some(&link)).await;
    assert_eq!(status, 200, "{body}");

    // A campaign by e-mail reaches the verified address, with the one-click unsubscribe.
    run_campaign(&server, json!(["email"]), words()).await;
    let mut mail = None;
    eventually("the campaign's mail reached the SMTP server", || {
        let found = smtp.received().into_iter().find(|m| {
            m.headers.get("subject").is_some_and(|s| s == "会员日") && m.to == vec!["mei@example.com".to_string()]
        });
        mail = found.clone();
        async move { found.is_some() }
    })
    .await;
    let mail = mail.unwrap();
    assert!(mail.text.starts_with("全场九折"), "{}", mail.text);
    assert!(mail.headers["message-id"].ends_with("@brand.example>"));
    assert_eq!(mail.headers["list-unsubscribe-post"], "List-Unsubscribe=One-Click");
    let unsubscribe = mail.headers["list-unsubscribe"].trim_matches(|c| c == '<' || c == '>').to_owned();
    let path = unsubscribe.strip_prefix("https://portal.brand.example").expect("the public address");
    assert!(mail.text.contains(&unsubscribe), "the link is in the text too");
    assert!(smtp.refusals().is_empty(), "{:?}", smtp.refusals());

    // Opening the link changes nothing; the one-click POST turns marketing e-mail off; a forged
    // token is refused.
    let page = reqwest::get(server.url(path)).await.unwrap();
    assert_eq!(page.status(), 200);
    let prefs: MessagePreferences = parse(&server.get("/v1/me/message-preferences", &consumer).await.1);
    assert!(prefs.channels_off.is_empty());
    let client = reqwest::Client::new();
    let done = client.post(server.url(path)).body("List-Unsubscribe=One-Click").send().await.unwrap();
    assert_eq!(done.status(), 200);
    let prefs: MessagePreferences = parse(&server.get("/v1/me/message-preferences", &consumer).await.1);
    assert_eq!(prefs.channels_off, vec![MessageChannel::Email]);
    let forged = path.replace("/u1.", "/u1.0");
    assert_eq!(client.post(server.url(&forged)).send().await.unwrap().status(), 404);
}
