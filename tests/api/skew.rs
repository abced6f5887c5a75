//! Marketing figures one person cannot skew, and growth that stays bounded, over HTTP: a flood of
//! one account's favourites against five people's, clicks beyond impressions, sign-ins claimed
//! by an app, and anonymous lists written once however often they are asked for.
use portal_api::{EventHistory, EventReceipt, RecommendationList, RecommendationReport};
use portal_server::demo::DEMO_PASSWORD;
use portal_tests::server::*;
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

async fn models(server: &TestServer, n: usize) -> Vec<String> {
    let (status, page) = server.send(Method::GET, "/v1/catalog/sync?limit=2000", None, None).await;
    assert_eq!(status, 200);
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "product" && !i["data"].is_null() && i["data"]["lifecycle"] != "discontinued")
        .map(|i| i["code"].as_str().unwrap().to_owned())
        .take(n)
        .collect()
}

fn event(kind: &str, model: Option<&str>, list: Option<Uuid>) -> Value {
    let mut e = json!({"id": Uuid::now_v7(), "kind": kind, "at": now() - 1});
    if let Some(m) = model {
        e["model"] = json!(m);
    }
    if let Some(l) = list {
        e["recommendation"] = json!(l);
    }
    e
}

async fn send(server: &TestServer, token: Option<&str>, install: Uuid, events: &[Value]) -> EventReceipt {
    let body = json!({"install_id": install, "events": events});
    let (status, answer) = server.send(Method::POST, "/v1/events", token, Some(&body)).await;
    assert_eq!(status, 200, "{answer}");
    parse(&answer)
}

async fn anonymous_home(server: &TestServer) -> RecommendationList {
    let (status, body) = server.send(Method::GET, "/v1/recommendations?placement=home&limit=24", None, None).await;
    assert_eq!(status, 200, "{body}");
    parse(&body)
}

#[tokio::test]
async fn one_account_flooding_a_product_does_not_outweigh_five_people() {
    let server = TestServer::start(&[("PORTAL_RECOMMENDER_MAX_AGE_SECS", "0")]);
    let m = models(&server, 60).await;
    let (flooded, liked) = (m[40].clone(), m[50].clone());
    // The attacker: 25 favourites and 200 views of P, from fresh installations, some anonymous
    // (joined to the account at sign-in), the rest signed in.
    let attacker = access(&server.sign_up("+8613600000001", None).await);
    for round in 0..5 {
        let install = Uuid::now_v7();
        let mut flood: Vec<Value> = (0..5).map(|_| event("favourite", Some(&flooded), None)).collect();
        flood.extend((0..40).map(|_| event("product_view", Some(&flooded), None)));
        let token = (round % 2 == 0).then_some(attacker.as_str());
        let r = send(&server, token, install, &flood).await;
        assert_eq!(r.acknowledged.len(), flood.len());
        if token.is_none() {
            // The installation signs in: its anonymous flood joins the account.
            send(&server, Some(&attacker), install, &[event("app_open", None, None)]).await;
        }
    }
    // Five people favourite Q once each.
    for i in 0..5 {
        let token = access(&server.sign_up(&format!("+86136000001{i:02}"), None).await);
        send(&server, Some(&token), Uuid::now_v7(), &[event("favourite", Some(&liked), None)]).await;
    }
    // Everyone anonymous sees Q before P once the recommenders have learnt from both.
    let mut list = anonymous_home(&server).await;
    for _ in 0..100 {
        if list.models.contains(&liked) && list.models.contains(&flooded) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        list = anonymous_home(&server).await;
    }
    let at = |model: &String| list.models.iter().position(|x| x == model).unwrap_or(usize::MAX);
    assert!(at(&liked) < at(&flooded), "five people outweigh one account's flood: {list:?}");

    // One account has one budget, however many installations it sends from.
    let mut refused = 0;
    for _ in 0..3 {
        let batch: Vec<Value> = (0..250).map(|_| event("product_view", Some(&flooded), None)).collect();
        let body = json!({"install_id": Uuid::now_v7(), "events": batch});
        let (status, _) = server.send(Method::POST, "/v1/events", Some(&attacker), Some(&body)).await;
        refused += usize::from(status == 429);
    }
    assert!(refused >= 1, "600 events a minute per account, from any number of installations");
}

#[tokio::test]
async fn a_click_counts_once_after_its_impression_and_the_click_rate_stays_at_most_one() {
    let server = TestServer::start(&[]);
    let me = access(&server.sign_in_password("consumer", DEMO_PASSWORD).await);
    let (status, body) = server.send(Method::GET, "/v1/recommendations?placement=home&limit=24", Some(&me), None).await;
    assert_eq!(status, 200, "{body}");
    let list: RecommendationList = parse(&body);
    assert!(list.models.len() >= 12, "{list:?}");
    let install = Uuid::now_v7();
    // A click before its list was shown is refused.
    let early =
        send(&server, Some(&me), install, &[event("recommendation_clicked", Some(&list.models[0]), Some(list.id))])
            .await;
    assert!(early.refused.len() == 1 && early.refused[0].reason.contains("shown first"), "{early:?}");
    // One impression, then twelve clicks on twelve products and the first one again.
    let mut events = vec![event("recommendation_shown", None, Some(list.id))];
    events.extend(list.models[..12].iter().map(|m| event("recommendation_clicked", Some(m), Some(list.id))));
    events.push(event("recommendation_clicked", Some(&list.models[0]), Some(list.id)));
    let r = send(&server, Some(&me), install, &events).await;
    assert_eq!(r.acknowledged.len(), 14, "{r:?}");
    let operator = access(&server.sign_in_password("operator", DEMO_PASSWORD).await);
    let (status, body) = server.get("/v1/marketing/recommendations/report?days=7", &operator).await;
    assert_eq!(status, 200, "{body}");
    let report: RecommendationReport = parse(&body);
    let row = report.rows.iter().find(|r| r.placement == "home" && r.algorithm == list.algorithm).unwrap();
    assert_eq!((row.impressions, row.clicks, row.clicked_lists), (1, 12, 1), "{body}");
    assert!(row.click_rate <= 1.0 && row.click_rate <= row.click_rate_high, "{body}");
}

#[tokio::test]
async fn sign_ins_are_recorded_by_the_server_and_never_taken_from_an_app() {
    let server = TestServer::start(&[]);
    let me = access(&server.sign_up("+8613600000201", None).await);
    let forged = send(&server, Some(&me), Uuid::now_v7(), &[event("sign_in", None, None)]).await;
    assert_eq!(forged.refused.len(), 1, "{forged:?}");
    let (status, body) = server.get("/v1/me/events", &me).await;
    assert_eq!(status, 200, "{body}");
    let history: EventHistory = parse(&body);
    let sign_ins = history.events.iter().filter(|e| e.event.kind == portal_api::EventKind::SignIn).count();
    assert_eq!(sign_ins, 1, "the sign-up's own session, recorded by the server: {body}");
}

#[tokio::test]
async fn anonymous_lists_and_counter_offers_are_written_once_not_per_request() {
    let server = TestServer::start(&[]);
    let before = server.database_run("SELECT COUNT(*) FROM recommendation_lists", 0);
    let mut ids = std::collections::HashSet::new();
    for _ in 0..200 {
        ids.insert(anonymous_home(&server).await.id);
    }
    let after = server.database_run("SELECT COUNT(*) FROM recommendation_lists", 0);
    assert!(ids.len() <= 3, "the same list, the same id (a retrain may change it): {}", ids.len());
    assert!(after - before <= ids.len() as i64 * 3, "200 anonymous requests wrote {} rows", after - before);
    // One person asking for their list again and again writes it once too.
    let me = access(&server.sign_in_password("consumer", DEMO_PASSWORD).await);
    let before = server.database_run("SELECT COUNT(*) FROM recommendation_lists", 0);
    let mut mine = std::collections::HashSet::new();
    for _ in 0..100 {
        let (status, body) = server.send(Method::GET, "/v1/recommendations?placement=home", Some(&me), None).await;
        assert_eq!(status, 200, "{body}");
        mine.insert(parse::<RecommendationList>(&body).id);
    }
    let after = server.database_run("SELECT COUNT(*) FROM recommendation_lists", 0);
    assert!(
        mine.len() <= 3 && after - before <= mine.len() as i64,
        "100 requests: {} ids, {} rows",
        mine.len(),
        after - before
    );
    assert!(mine.iter().all(|id| !ids.contains(id)), "a person's list is not the anonymous one");
}
