//! The live channel against the real server: a connected app hears of a new inbox message within
//! seconds whichever instance wrote it, a reconnect naming the last event catches up at once, and
//! one account keeps a bounded number of connections.
use std::time::Duration;

use portal_api::*;
use portal_server::demo::DEMO_PASSWORD;
use portal_tests::server::*;
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

async fn signed_in(server: &TestServer, who: &str) -> String {
    access(&server.sign_in_password(who, DEMO_PASSWORD).await)
}

/// Opens the channel; the events (`event`, `id`) it sends come out of the receiver.
async fn open(
    server: &TestServer,
    token: &str,
    last: Option<&str>,
) -> (u16, tokio::sync::mpsc::UnboundedReceiver<(String, String)>) {
    let mut request = reqwest::Client::new().get(server.url("/v1/me/live")).bearer_auth(token);
    if let Some(last) = last {
        request = request.header("Last-Event-ID", last);
    }
    let mut response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut text = String::new();
        while let Ok(Some(chunk)) = response.chunk().await {
            text.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = text.find("\n\n") {
                let block: String = text.drain(..end + 2).collect();
                let field = |name: &str| {
                    block.lines().find_map(|l| l.strip_prefix(name)).map(|v| v.trim().to_owned()).unwrap_or_default()
                };
                if !field("event:").is_empty() && tx.send((field("event:"), field("id:"))).is_err() {
                    return;
                }
            }
        }
    });
    (status, rx)
}

async fn next(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<(String, String)>,
    within: Duration,
) -> Option<(String, String)> {
    tokio::time::timeout(within, rx.recv()).await.ok().flatten()
}

#[tokio::test]
async fn a_connected_app_hears_of_a_new_message_and_a_reconnect_catches_up() {
    // The whole-window sweep is an hour away: what is heard is heard because the database said
    // a message was written (on PostgreSQL, by whichever instance wrote it).
    let server = TestServer::start(&[("PORTAL_CAMPAIGN_INTERVAL_SECS", "1"), ("PORTAL_LIVE_SWEEP_SECS", "3600")]);
    let (operator, admin) = (signed_in(&server, "operator").await, signed_in(&server, "admin").await);
    let consumer = access(&server.sign_up("+8613912390001", None).await);
    let prefs = json!({ "marketing": true, "time_zone": "Asia/Shanghai" });
    assert_eq!(server.send(Method::PUT, "/v1/me/message-preferences", Some(&consumer), Some(&prefs)).await.0, 200);
    assert_eq!(reqwest::Client::new().get(server.url("/v1/me/live")).send().await.unwrap().status(), 401);

    let (status, mut events) = open(&server, &consumer, None).await;
    assert_eq!(status, 200);
    // A campaign to consumers writes a message into the new customer's inbox.
    let id = Uuid::now_v7();
    let draft = json!({
        "id": id, "name": "live", "category": "promotions", "audience": {},
        "content": { "title_zh": "直播", "title_en": "Live", "body_zh": "正文", "body_en": "Text" },
        "channels": ["inbox"], "holdout_percent": 0
    });
    assert_eq!(server.send(Method::POST, "/v1/campaigns", Some(&operator), Some(&draft)).await.0, 200);
    for (token, action) in [(&operator, "submit"), (&admin, "approve"), (&operator, "start")] {
        let body = json!({ "action": action, "revision": 1 });
        let (status, body) =
            server.send(Method::POST, &format!("/v1/campaigns/{id}/actions"), Some(token), Some(&body)).await;
        assert_eq!(status, 200, "{action}: {body}");
    }
    let (event, heard) = next(&mut events, Duration::from_secs(15)).await.expect("an inbox event within 15 s");
    assert_eq!(event, "inbox");
    let inbox: Inbox = parse(&server.get("/v1/me/inbox", &consumer).await.1);
    let newest = inbox.messages.first().expect("the campaign's message").id.to_string();
    assert_eq!(heard, newest, "the event names the newest message");

    // Reconnecting after an older event: caught up at once, naming the newest message.
    let (_, mut again) = open(&server, &consumer, Some("an-older-event")).await;
    assert_eq!(next(&mut again, Duration::from_secs(5)).await, Some(("inbox".into(), newest.clone())));

    // One account keeps at most four connections on an instance: a fifth ends the oldest (most
    // likely one a network change left dead).
    let (a, _keep_a) = open(&server, &consumer, Some(&newest)).await;
    let (b, _keep_b) = open(&server, &consumer, Some(&newest)).await;
    assert_eq!((a, b), (200, 200));
    if instances_wanted() == 1 {
        let (status, _keep_c) = open(&server, &consumer, Some(&newest)).await;
        assert_eq!(status, 200);
        assert_eq!(next(&mut events, Duration::from_secs(5)).await, None, "the oldest connection ended");
    }

    // Read and deleted from a device (sent again after a lost answer: no change); another
    // person's changes pass their messages over; a batch past the bound is refused whole.
    let message = inbox.messages[0].id;
    let change = |kind: &str| json!({ "changes": [{ "message": message, "change": kind }] });
    let other = access(&server.sign_up("+8613912390002", None).await);
    let (status, body) = server.send(Method::POST, "/v1/me/inbox/changes", Some(&other), Some(&change("delete"))).await;
    assert_eq!((status, parse::<Inbox>(&body).messages.len()), (200, 0));
    let (_, body) = server.send(Method::POST, "/v1/me/inbox/changes", Some(&consumer), Some(&change("read"))).await;
    let read: Inbox = parse(&body);
    assert_eq!((read.unread, read.messages[0].read), (0, true), "read, and still there after another's delete");
    for _ in 0..2 {
        let (status, body) =
            server.send(Method::POST, "/v1/me/inbox/changes", Some(&consumer), Some(&change("delete"))).await;
        assert_eq!((status, parse::<Inbox>(&body).messages.len()), (200, 0), "deleted: {body}");
    }
    let many: Vec<_> = (0..101).map(|_| json!({ "message": Uuid::now_v7(), "change": "read" })).collect();
    let (status, body) =
        server.send(Method::POST, "/v1/me/inbox/changes", Some(&consumer), Some(&json!({ "changes": many }))).await;
    assert_eq!((status, error_of(&body).code), (400, ErrorCode::InvalidParameter));
}
