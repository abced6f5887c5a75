//! The legacy import command, run as the real binary against a real database.
use std::process::Command;

use portal_tests::server::*;

#[tokio::test]
async fn import_command_merges_and_writes_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("export.csv");
    std::fs::write(
        &csv,
        "system,legacy_id,phone,email,name,created\n\
         mall,1,13500135000,wang@example.com,王强,2019-01-01\n\
         crm,9,+8613500135000,,王强,2018-06-01\n\
         service,4,,wang@example.com,Wang,2020-02-02\n\
         club,2,13500135001,,王强,2020-02-02\n\
         bad,3,not-a-phone,,X,2020-02-02\n",
    )
    .unwrap();
    let report_path = dir.path().join("report.json");
    let output = Command::new(server_binary())
        .args(["import-legacy", csv.to_str().unwrap(), "--report", report_path.to_str().unwrap()])
        .env("PORTAL_DATABASE", database_for(dir.path()))
        .env("PORTAL_KEY_FILE", dir.path().join("portal.key"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
    assert_eq!(report["records"], 5);
    assert_eq!(report["created"].as_array().unwrap().len(), 2, "{report}");
    assert_eq!(report["merged"].as_array().unwrap().len(), 2, "{report}");
    assert_eq!(report["rejected"].as_array().unwrap().len(), 1, "{report}");
    let mall = report["created"][0]["user_id"].clone();
    assert!(report["merged"].as_array().unwrap().iter().all(|l| l["user_id"] == mall));

    // The merged person signs in with an SMS code to the phone from the export: one account, all identities.
    let server = TestServer::start_in(dir, &[], false);
    server
        .post("/v1/auth/codes", serde_json::json!({"channel": "sms", "target": "13500135000", "purpose": "sign_in"}))
        .await;
    let code = server.last_code("+8613500135000").await;
    let (status, auth) = server
        .post("/v1/auth/sign-in/code", serde_json::json!({"phone": "13500135000", "code": code, "device_name": "x"}))
        .await;
    assert_eq!(status, 200, "{auth}");
    assert_eq!(auth["profile"]["user_id"], mall);
    let values: Vec<&str> =
        auth["profile"]["identities"].as_array().unwrap().iter().map(|i| i["value"].as_str().unwrap()).collect();
    for expected in ["mall:1", "crm:9", "service:4", "+8613500135000", "wang@example.com"] {
        assert!(values.contains(&expected), "{expected} not in {values:?}");
    }
}
