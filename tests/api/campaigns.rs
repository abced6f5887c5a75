//! Campaigns against the real server: written by an operator, approved by another holding the
//! approve right (nobody approves their own; an approval is of the revision its approver saw),
//! an edit after approval returns it to draft, an unapproved or edited campaign never starts, and
//! of many approvals at once (over every instance) one lands.
use portal_api::*;
use portal_server::demo::DEMO_PASSWORD;
use portal_tests::server::*;
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

async fn signed_in(server: &TestServer, who: &str) -> String {
    access(&server.sign_in_password(who, DEMO_PASSWORD).await)
}

/// A second operator, made by the administrator from a new account, with the approve right.
async fn approver(server: &TestServer, admin: &str) -> (String, Uuid) {
    let auth = server.sign_up("+8613912360001", Some("Approver#2026")).await;
    let token = access(&auth);
    let id: Uuid = server.get("/v1/me", &token).await.1["user_id"].as_str().unwrap().parse().unwrap();
    let (status, body) = server
        .send(Method::PUT, &format!("/v1/admin/users/{id}/role"), Some(admin), Some(&json!({"role": "operator"})))
        .await;
    assert_eq!(status, 200, "{body}");
    let token = access(&server.sign_in_password("+8613912360001", "Approver#2026").await);
    (token, id)
}

fn draft(id: Uuid) -> serde_json::Value {
    json!({
        "id": id, "name": "双十二 会员日", "category": "promotions",
        "audience": { "roles": ["consumer"], "active_within_days": 90 },
        "content": { "title_zh": "会员日", "title_en": "Members' day", "body_zh": "全场九折", "body_en": "10% off",
                     "deep_link": { "to": "inbox" } },
        "channels": ["push", "inbox"], "holdout_percent": 10
    })
}

async fn act(server: &TestServer, token: &str, id: Uuid, action: &str, revision: u32) -> (u16, serde_json::Value) {
    let body = json!({ "action": action, "revision": revision, "reason": "checked" });
    server.send(Method::POST, &format!("/v1/campaigns/{id}/actions"), Some(token), Some(&body)).await
}

#[tokio::test]
async fn another_operator_approves_what_was_submitted_and_an_edit_returns_it_to_draft() {
    let server = TestServer::start(&[]);
    let (operator, admin, promoter) =
        (signed_in(&server, "operator").await, signed_in(&server, "admin").await, signed_in(&server, "promoter").await);
    let (approver, approver_id) = approver(&server, &admin).await;
    let id = Uuid::now_v7();

    // Only operators and administrators write campaigns; a retry lands once.
    assert_eq!(server.send(Method::POST, "/v1/campaigns", Some(&promoter), Some(&draft(id))).await.0, 403);
    let (status, body) = server.send(Method::POST, "/v1/campaigns", Some(&operator), Some(&draft(id))).await;
    assert_eq!(status, 200, "{body}");
    let created: Campaign = parse(&body);
    assert_eq!((created.status, created.revision), (CampaignStatus::Draft, 1));
    assert_eq!(server.send(Method::POST, "/v1/campaigns", Some(&operator), Some(&draft(id))).await.0, 200);
    let mut other = draft(id);
    other["name"] = json!("another");
    let (status, body) = server.send(Method::POST, "/v1/campaigns", Some(&operator), Some(&other)).await;
    assert_eq!((status, error_of(&body).code), (409, ErrorCode::IdempotencyConflict));

    // A draft cannot start; submitted, its writer cannot approve it, nor can an operator without the right.
    let (status, body) = act(&server, &operator, id, "start", 1).await;
    assert_eq!((status, error_of(&body).code), (422, ErrorCode::TransitionNotAllowed), "{body}");
    assert_eq!(act(&server, &operator, id, "submit", 1).await.0, 200);
    let (status, body) = act(&server, &operator, id, "approve", 1).await;
    assert_eq!((status, error_of(&body).code), (403, ErrorCode::Forbidden), "{body}");
    let (status, _) = act(&server, &approver, id, "approve", 1).await;
    assert_eq!(status, 403, "no approve right yet");
    let grant = json!({ "user_id": approver_id, "approves": true });
    let path = format!("/v1/admin/users/{approver_id}/campaign-approver");
    assert_eq!(server.send(Method::PUT, &path, Some(&operator), Some(&grant)).await.0, 403, "administrators grant it");
    assert_eq!(server.send(Method::PUT, &path, Some(&admin), Some(&grant)).await.0, 200);
    let (status, body) = server.get(&format!("/v1/campaigns/{id}"), &approver).await;
    assert_eq!(status, 200);
    assert!(parse::<CampaignDetail>(&body).can_decide);

    // An edit after submission returns it to draft: the approval of the old revision is refused.
    let mut edited = draft(id);
    edited["content"]["body_zh"] = json!("全场八折");
    let (status, body) =
        server.send(Method::PUT, &format!("/v1/campaigns/{id}?revision=1"), Some(&operator), Some(&edited)).await;
    assert_eq!(status, 200, "{body}");
    let now: Campaign = parse(&body);
    assert_eq!((now.status, now.revision), (CampaignStatus::Draft, 2));
    let (status, body) = act(&server, &approver, id, "approve", 1).await;
    assert_eq!((status, error_of(&body).code), (409, ErrorCode::StaleState));

    // Submitted again and approved by the other operator; then started, paused, resumed, stopped.
    assert_eq!(act(&server, &operator, id, "submit", 2).await.0, 200);
    let (status, body) = act(&server, &approver, id, "approve", 2).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(parse::<Campaign>(&body).decided_by, Some(approver_id));
    // The approved campaign is edited: back to draft, and it no longer starts.
    let (status, _) =
        server.send(Method::PUT, &format!("/v1/campaigns/{id}?revision=2"), Some(&operator), Some(&draft(id))).await;
    assert_eq!(status, 200);
    assert_eq!(act(&server, &operator, id, "start", 3).await.0, 422, "edited after approval: not approved");
    assert_eq!(act(&server, &operator, id, "submit", 3).await.0, 200);
    assert_eq!(act(&server, &approver, id, "approve", 3).await.0, 200);
    for action in ["start", "pause", "resume"] {
        let (status, body) = act(&server, &operator, id, action, 3).await;
        assert_eq!(status, 200, "{action}: {body}");
    }
    let (status, body) = server
        .send(
            Method::POST,
            &format!("/v1/campaigns/{id}/actions"),
            Some(&operator),
            Some(&json!({"action": "stop", "revision": 3})),
        )
        .await;
    assert_eq!((status, error_of(&body).code), (422, ErrorCode::ReasonRequired));
    let (status, body) = act(&server, &operator, id, "stop", 3).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(parse::<Campaign>(&body).status, CampaignStatus::Finished);

    // Every step is kept, with who took it.
    let detail: CampaignDetail = parse(&server.get(&format!("/v1/campaigns/{id}"), &operator).await.1);
    let actions: Vec<CampaignAction> = detail.steps.iter().map(|s| s.action).collect();
    use CampaignAction::*;
    assert_eq!(actions, vec![Edit, Submit, Edit, Submit, Approve, Edit, Submit, Approve, Start, Pause, Resume, Stop]);
    assert!(detail.steps.iter().filter(|s| s.action == Approve).all(|s| s.by == approver_id));
    let list: CampaignList = parse(&server.get("/v1/campaigns?status=finished", &operator).await.1);
    assert_eq!(list.campaigns.len(), 1);
}

#[tokio::test]
async fn of_many_approvals_at_once_one_lands_and_a_bad_draft_is_refused_whole() {
    let server = TestServer::start(&[]);
    let (operator, admin) = (signed_in(&server, "operator").await, signed_in(&server, "admin").await);
    let id = Uuid::now_v7();
    assert_eq!(server.send(Method::POST, "/v1/campaigns", Some(&operator), Some(&draft(id))).await.0, 200);
    assert_eq!(act(&server, &operator, id, "submit", 1).await.0, 200);
    let tasks: Vec<_> = (0..24)
        .map(|_| {
            let (url, admin) = (server.url(&format!("/v1/campaigns/{id}/actions")), admin.clone());
            tokio::spawn(async move {
                let body = json!({ "action": "approve", "revision": 1 });
                reqwest::Client::new().post(url).bearer_auth(admin).json(&body).send().await.unwrap().status().as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 409 || *s == 422), "{statuses:?}");
    let detail: CampaignDetail = parse(&server.get(&format!("/v1/campaigns/{id}"), &operator).await.1);
    assert_eq!(detail.steps.iter().filter(|s| s.action == CampaignAction::Approve).count(), 1);

    for (field, bad) in [
        ("name", json!({"name": ""})),
        ("channels", json!({"channels": []})),
        ("holdout_percent", json!({"holdout_percent": 90})),
        ("starts_at", json!({"starts_at": 1_000})),
        ("audience.tags_all", json!({"audience": {"tags_all": [Uuid::now_v7()]}})),
    ] {
        let mut d = draft(Uuid::now_v7());
        for (k, v) in bad.as_object().unwrap() {
            d[k] = v.clone();
        }
        let (status, body) = server.send(Method::POST, "/v1/campaigns", Some(&operator), Some(&d)).await;
        assert_eq!(status, 400, "{field}: {body}");
        assert_eq!(error_of(&body).field.as_deref(), Some(field), "{body}");
    }
    assert_eq!(parse::<CampaignList>(&server.get("/v1/campaigns", &operator).await.1).campaigns.len(), 1);
}

/// Polls `check` every 200 ms for up to 20 s.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("{what}: not within 20 s");
}

/// The local minute of day now in Shanghai.
fn shanghai_minute() -> u16 {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    (((secs + 8 * 3600) % 86_400) / 60) as u16
}

#[tokio::test]
async fn an_approved_campaign_reaches_the_inbox_holds_for_quiet_hours_and_finishes_reconciled() {
    let server = TestServer::start(&[("PORTAL_CAMPAIGN_INTERVAL_SECS", "1")]);
    let (operator, admin) = (signed_in(&server, "operator").await, signed_in(&server, "admin").await);
    let consumer = signed_in(&server, "consumer").await;
    // The consumer turns quiet hours off; a new customer's quiet hours cover now.
    let prefs = json!({ "marketing": true, "time_zone": "Asia/Shanghai" });
    let (status, body) = server.send(Method::PUT, "/v1/me/message-preferences", Some(&consumer), Some(&prefs)).await;
    assert_eq!(status, 200, "{body}");
    let quiet_one = access(&server.sign_up("+8613912380001", None).await);
    let m = shanghai_minute();
    let quiet = json!({ "marketing": true, "time_zone": "Asia/Shanghai",
                        "quiet_start": (m + 1440 - 60) % 1440, "quiet_end": (m + 60) % 1440 });
    assert_eq!(server.send(Method::PUT, "/v1/me/message-preferences", Some(&quiet_one), Some(&quiet)).await.0, 200);
    let bad = json!({ "marketing": true, "time_zone": "Mars/Olympus" });
    assert_eq!(server.send(Method::PUT, "/v1/me/message-preferences", Some(&quiet_one), Some(&bad)).await.0, 400);

    let id = Uuid::now_v7();
    let mut d = draft(id);
    d["channels"] = json!(["push"]);
    // Nobody held out: who gets what must not depend on a hash of the ids.
    d["holdout_percent"] = json!(0);
    assert_eq!(server.send(Method::POST, "/v1/campaigns", Some(&operator), Some(&d)).await.0, 200);
    assert_eq!(act(&server, &operator, id, "submit", 1).await.0, 200);
    assert_eq!(act(&server, &admin, id, "approve", 1).await.0, 200);
    assert_eq!(act(&server, &operator, id, "start", 1).await.0, 200);

    eventually("the consumer's inbox has the campaign", || async {
        let inbox: Inbox = parse(&server.get("/v1/me/inbox", &consumer).await.1);
        inbox.messages.iter().any(|m| m.kind == TriggerKind::Campaign && m.title_en == "Members' day")
    })
    .await;
    // Inside quiet hours: nothing yet, and the campaign waits for them (it is not finished).
    let inbox: Inbox = parse(&server.get("/v1/me/inbox", &quiet_one).await.1);
    assert!(inbox.messages.iter().all(|m| m.kind != TriggerKind::Campaign));
    let detail: CampaignDetail = parse(&server.get(&format!("/v1/campaigns/{id}"), &operator).await.1);
    assert_eq!(detail.campaign.status, CampaignStatus::Running);

    // Stopped: what is left is cancelled, and the campaign is finished.
    let (status, body) = act(&server, &operator, id, "stop", 1).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(parse::<Campaign>(&body).status, CampaignStatus::Finished);

    // A campaign everyone can get now finishes by itself once every delivery is reconciled.
    let second = Uuid::now_v7();
    let mut d = draft(second);
    d["channels"] = json!(["inbox"]);
    d["name"] = json!("inbox only");
    d["holdout_percent"] = json!(0);
    assert_eq!(server.send(Method::POST, "/v1/campaigns", Some(&operator), Some(&d)).await.0, 200);
    assert_eq!(act(&server, &operator, second, "submit", 1).await.0, 200);
    assert_eq!(act(&server, &admin, second, "approve", 1).await.0, 200);
    assert_eq!(act(&server, &operator, second, "start", 1).await.0, 200);
    eventually("the inbox-only campaign finished", || async {
        let detail: CampaignDetail = parse(&server.get(&format!("/v1/campaigns/{second}"), &operator).await.1);
        detail.campaign.status == CampaignStatus::Finished
    })
    .await;
    let inbox: Inbox = parse(&server.get("/v1/me/inbox", &quiet_one).await.1);
    assert!(inbox.messages.iter().any(|m| m.kind == TriggerKind::Campaign), "the inbox does not interrupt");
}

#[tokio::test]
async fn a_deep_link_must_lead_to_a_product_the_catalog_has_when_saved_and_when_approved() {
    let server = TestServer::start(&[]);
    let (operator, admin) = (signed_in(&server, "operator").await, signed_in(&server, "admin").await);
    let (status, page) = server.send(Method::GET, "/v1/catalog/sync?limit=2000", None, None).await;
    assert_eq!(status, 200);
    let model = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "product" && !i["data"].is_null())
        .map(|i| i["code"].as_str().unwrap().to_owned())
        .expect("a demo product");

    // A link to a model the catalog never had is refused at once.
    let id = Uuid::now_v7();
    let mut body = draft(id);
    body["content"]["deep_link"] = json!({ "to": "product", "model": "NO-SUCH-1" });
    let (status, answer) = server.send(Method::POST, "/v1/campaigns", Some(&operator), Some(&body)).await;
    assert_eq!((status, error_of(&answer).code), (422, ErrorCode::LinkTargetGone), "{answer}");
    assert_eq!(error_of(&answer).field.as_deref(), Some("content.deep_link"));

    // Saved while the product was there; withdrawn before approval: the approval is refused.
    body["content"]["deep_link"] = json!({ "to": "product", "model": model });
    let (status, answer) = server.send(Method::POST, "/v1/campaigns", Some(&operator), Some(&body)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(act(&server, &operator, id, "submit", 1).await.0, 200);
    let (status, _) =
        server.send(Method::DELETE, &format!("/v1/admin/catalog/products/{model}"), Some(&admin), None).await;
    assert_eq!(status, 204);
    let (status, answer) = act(&server, &admin, id, "approve", 1).await;
    assert_eq!((status, error_of(&answer).code), (422, ErrorCode::LinkTargetGone), "{answer}");
    let kept: CampaignDetail = parse(&server.get(&format!("/v1/campaigns/{id}"), &operator).await.1);
    assert_eq!(kept.campaign.status, CampaignStatus::Submitted, "nothing changed");
}
