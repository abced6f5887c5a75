//! Sign-in codes through a real SMS protocol: the server signs Alibaba Cloud SMS requests that a
//! stand-in checks as the service does (signature, nonce, time, template, number, rates), and the
//! code it carries signs the person in. The service's error answers reach the person as errors
//! they can act on, and a service that hangs costs one timeout, never a stuck request.
use std::collections::HashMap;

use portal_api::ErrorCode;
use portal_tests::server::*;
use portal_tests::sms_standin::{SmsStandIn, StandInConfig};
use serde_json::json;

fn standin_config(max_per_sec: u32) -> StandInConfig {
    StandInConfig {
        access_key_id: "LTAI5tTestKey".into(),
        access_key_secret: "s3cret+/=".into(),
        sign_name: "统一品牌".into(),
        templates: HashMap::from([("SMS_480100001".into(), vec!["code".into()])]),
        max_per_sec,
        dead_numbers: vec!["13900009999".into()],
        marketing_templates: vec![],
    }
}

fn server_for(standin: &SmsStandIn, secret: &str) -> TestServer {
    let endpoint = standin.endpoint();
    TestServer::start(&[
        ("PORTAL_SMS_GATEWAY", "aliyun"),
        ("PORTAL_SMS_ENDPOINT", &endpoint),
        ("PORTAL_SMS_ACCESS_KEY_ID", "LTAI5tTestKey"),
        ("PORTAL_SMS_ACCESS_KEY_SECRET", secret),
        ("PORTAL_SMS_SIGN_NAME", "统一品牌"),
        ("PORTAL_SMS_CODE_TEMPLATE", "SMS_480100001"),
        ("PORTAL_SMS_MAX_PER_SEC", "20"),
    ])
}

async fn ask_code(server: &TestServer, phone: &str) -> (u16, serde_json::Value) {
    server.post("/v1/auth/codes", json!({"channel": "sms", "target": phone, "purpose": "sign_up"})).await
}

#[tokio::test]
async fn a_code_goes_out_signed_through_the_sms_service_and_signs_the_person_up() {
    let standin = SmsStandIn::start(standin_config(50)).await;
    let server = server_for(&standin, "s3cret+/=");
    let (status, body) = ask_code(&server, "+8613912345678").await;
    assert_eq!(status, 200, "{body} {:?}", standin.refusals());
    let sent = standin.accepted();
    assert_eq!(sent.len(), 1, "{:?}", standin.refusals());
    assert_eq!((sent[0].phone.as_str(), sent[0].template.as_str()), ("13912345678", "SMS_480100001"));
    let code = sent[0].params["code"].as_str().unwrap().to_owned();
    assert_eq!(code, server.last_code("+8613912345678").await, "the code the dev outbox holds");
    let (status, body) =
        server.post("/v1/auth/sign-up", json!({"phone": "+8613912345678", "code": code, "device_name": "phone"})).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn the_services_refusals_reach_the_person_as_errors_they_can_act_on() {
    let standin = SmsStandIn::start(standin_config(50)).await;
    let server = server_for(&standin, "s3cret+/=");
    // A number the carrier rejects.
    let (status, body) = ask_code(&server, "+8613900009999").await;
    assert_eq!((status, error_of(&body).code), (422, ErrorCode::InvalidPhone), "{body}");
    assert_eq!(standin.refusals(), vec!["isv.MOBILE_NUMBER_ILLEGAL"]);

    // A wrong secret: the service refuses the signature, the person is told to try later.
    let wrong = server_for(&standin, "not-the-secret");
    let (status, body) = ask_code(&wrong, "+8613912340000").await;
    assert_eq!(error_of(&body).code, ErrorCode::Unavailable, "{status} {body}");
    assert_eq!(standin.refusals().last().map(String::as_str), Some("SignatureDoesNotMatch"));

    // A service that hangs: the request ends with its timeout, not with the service.
    standin.hang(Some(std::time::Duration::from_secs(30)));
    let started = std::time::Instant::now();
    let (status, body) = ask_code(&server, "+8613912341111").await;
    assert_eq!(error_of(&body).code, ErrorCode::Unavailable, "{status} {body}");
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
    standin.hang(None);
}
