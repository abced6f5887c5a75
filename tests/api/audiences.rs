//! Audiences kept for campaigns against the real server: a list imported from CSV is matched by
//! verified phone with a report of every row, created once whatever sends it at once, and
//! narrows a campaign to its members; saved segments keep an audience; only operators and
//! administrators keep them.
use portal_api::*;
use portal_server::demo::DEMO_PASSWORD;
use portal_tests::server::*;
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

#[tokio::test]
async fn a_list_imported_from_csv_is_matched_by_verified_phone_and_narrows_a_campaign() {
    let server = TestServer::start(&[("PORTAL_CAMPAIGN_INTERVAL_SECS", "1")]);
    let operator = access(&server.sign_in_password("operator", DEMO_PASSWORD).await);
    let admin = access(&server.sign_in_password("admin", DEMO_PASSWORD).await);
    let promoter = access(&server.sign_in_password("promoter", DEMO_PASSWORD).await);
    let mut members = Vec::new();
    for n in 0..3 {
        let token = access(&server.sign_up(&format!("+86139124100{n:02}"), None).await);
        let prefs = json!({ "marketing": true, "time_zone": "Asia/Shanghai" });
        assert_eq!(server.send(Method::PUT, "/v1/me/message-preferences", Some(&token), Some(&prefs)).await.0, 200);
        members.push(token);
    }
    let outsider = access(&server.sign_up("+8613912410099", None).await);
    let prefs = json!({ "marketing": true, "time_zone": "Asia/Shanghai" });
    assert_eq!(server.send(Method::PUT, "/v1/me/message-preferences", Some(&outsider), Some(&prefs)).await.0, 200);

    let csv = "姓名,手机号\n李雷,139 1241 0000\n韩梅梅,+86 139-1241-0001\n王芳,13912410002\n\
               重复,8613912410000\n乱码,12345\n陌生人,13912419999\n";
    let id = Uuid::now_v7();
    let import = json!({ "id": id, "name": "双十二到店名单", "csv": csv });
    assert_eq!(server.send(Method::POST, "/v1/audiences/lists", Some(&promoter), Some(&import)).await.0, 403);
    // Sent many times at once (a retried upload): one list.
    let tasks: Vec<_> = (0..24)
        .map(|_| {
            let (url, body, token) = (server.url("/v1/audiences/lists"), import.clone(), operator.clone());
            tokio::spawn(async move {
                let answer = reqwest::Client::new().post(url).bearer_auth(token).json(&body).send().await.unwrap();
                (answer.status().as_u16(), answer.json::<serde_json::Value>().await.unwrap())
            })
        })
        .collect();
    let mut full = None;
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, 200, "{body}");
        let report: ListReport = parse(&body);
        assert_eq!((report.list.id, report.list.rows, report.list.matched), (id, 6, 3));
        if report.invalid > 0 {
            full = Some(report);
        }
    }
    let report = full.expect("the import that created the list reports every row");
    assert_eq!((report.invalid, report.duplicates, report.no_account, report.unverified), (1, 1, 1, 0));
    assert_eq!(
        report.problems,
        vec![
            ListProblem { line: 5, problem: ListProblemKind::Duplicate },
            ListProblem { line: 6, problem: ListProblemKind::Invalid },
            ListProblem { line: 7, problem: ListProblemKind::NoAccount },
        ]
    );
    let kept: Audiences = parse(&server.get("/v1/audiences", &operator).await.1);
    assert_eq!(kept.lists.len(), 1);
    let bad = json!({ "id": Uuid::now_v7(), "name": "x", "csv": "name,city\nA,B\n" });
    let (status, body) = server.send(Method::POST, "/v1/audiences/lists", Some(&operator), Some(&bad)).await;
    assert_eq!((status, error_of(&body).field.as_deref()), (400, Some("csv")), "{body}");

    // A segment keeps the audience; a campaign to the list reaches its members only.
    let audience = json!({ "roles": ["consumer"], "lists": [id] });
    let segment = json!({ "id": Uuid::now_v7(), "name": "到店名单里的消费者", "audience": audience });
    let (status, body) = server.send(Method::POST, "/v1/audiences/segments", Some(&operator), Some(&segment)).await;
    assert_eq!(status, 200, "{body}");
    let kept: Audiences = parse(&server.get("/v1/audiences", &operator).await.1);
    assert_eq!(kept.segments[0].audience.lists, vec![id]);
    let (status, body) =
        server.send(Method::POST, "/v1/campaigns/audience-size", Some(&operator), Some(&audience)).await;
    assert_eq!((status, body["size"].as_u64()), (200, Some(3)), "the live size: {body}");
    let campaign = Uuid::now_v7();
    let draft = json!({
        "id": campaign, "name": "名单活动", "category": "promotions", "audience": audience,
        "content": { "title_zh": "到店有礼", "title_en": "A gift in store", "body_zh": "凭短信领取", "body_en": "Show this" },
        "channels": ["inbox"], "holdout_percent": 0
    });
    assert_eq!(server.send(Method::POST, "/v1/campaigns", Some(&operator), Some(&draft)).await.0, 200);
    for (token, action) in [(&operator, "submit"), (&admin, "approve"), (&operator, "start")] {
        let body = json!({ "action": action, "revision": 1 });
        let (status, body) =
            server.send(Method::POST, &format!("/v1/campaigns/{campaign}/actions"), Some(token), Some(&body)).await;
        assert_eq!(status, 200, "{action}: {body}");
    }
    // While the campaign may still send, its list cannot be deleted (nor its id used again).
    let (status, body) = server.send(Method::DELETE, &format!("/v1/audiences/lists/{id}"), Some(&operator), None).await;
    assert_eq!((status, error_of(&body).code), (422, ErrorCode::TransitionNotAllowed), "{body}");
    let has_it = |token: String| {
        let server = &server;
        async move {
            let inbox: Inbox = parse(&server.get("/v1/me/inbox", &token).await.1);
            inbox.messages.iter().any(|m| m.title_en == "A gift in store")
        }
    };
    for _ in 0..100 {
        if has_it(members[2].clone()).await {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    for token in &members {
        assert!(has_it(token.clone()).await, "every member");
    }
    assert!(!has_it(outsider.clone()).await, "nobody outside the list");

    // Once the campaign finished, the list is deleted; a campaign naming it is refused, and an
    // import under its id too.
    for _ in 0..100 {
        let detail: CampaignDetail = parse(&server.get(&format!("/v1/campaigns/{campaign}"), &operator).await.1);
        if detail.campaign.status == CampaignStatus::Finished {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let (status, body) = server.send(Method::DELETE, &format!("/v1/audiences/lists/{id}"), Some(&operator), None).await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = server.send(Method::POST, "/v1/audiences/lists", Some(&operator), Some(&import)).await;
    assert_eq!((status, error_of(&body).field.as_deref()), (400, Some("id")), "{body}");
    let mut again = draft.clone();
    again["id"] = json!(Uuid::now_v7());
    let (status, body) = server.send(Method::POST, "/v1/campaigns", Some(&operator), Some(&again)).await;
    assert_eq!((status, error_of(&body).field.as_deref()), (400, Some("audience.lists")), "{body}");
}
