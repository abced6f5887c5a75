//! The app core's own chores against the real server: they wait for the start, run by
//! themselves, and tell the screens what they found and where the app stands.
use std::{sync::Mutex, time::Duration};

use portal_client::background::Happening;
use portal_tests::server::*;

use super::{open, sign_in, Secrets};

/// Runs the core's chores for `secs` seconds and returns what they told.
async fn chores_for(app: &portal_client::PortalApp, secs: u64) -> Vec<Happening> {
    let told = Mutex::new(Vec::new());
    let _ = tokio::time::timeout(Duration::from_secs(secs), app.run_background(|h| told.lock().unwrap().push(h))).await;
    told.into_inner().unwrap()
}

fn kinds(told: &[Happening]) -> Vec<&'static str> {
    told.iter()
        .map(|h| match h {
            Happening::Reach { .. } => "reach",
            Happening::Notices { .. } => "notices",
            Happening::Inbox { .. } => "inbox",
            Happening::CatalogSynced { .. } => "catalog_synced",
            Happening::OutboxSent { .. } => "outbox_sent",
        })
        .collect()
}

#[tokio::test]
async fn nothing_runs_before_the_start_and_afterwards_the_catalog_outbox_and_inbox_run_by_themselves() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(&[]);
    let secrets = Secrets::default();
    let app = open(dir.path(), &secrets, &server.base);
    sign_in(&app, "consumer").await;

    assert!(chores_for(&app, 2).await.is_empty(), "the chores wait for the app's start");
    assert_eq!(app.catalog_status().unwrap().products, 0);

    app.start().await.unwrap();
    let told = chores_for(&app, 3).await;
    let kinds = kinds(&told);
    for kind in ["reach", "catalog_synced", "outbox_sent", "inbox"] {
        assert!(kinds.contains(&kind), "{kind} told: {kinds:?}");
    }
    assert!(told.contains(&Happening::Reach { online: true, settled: true }), "{told:?}");
    assert!(app.catalog_status().unwrap().products > 0, "the catalog synced by itself");
    assert_eq!(kinds.iter().filter(|k| **k == "catalog_synced").count(), 1, "once per ten minutes: {kinds:?}");
}

#[tokio::test]
async fn a_server_gone_is_told_once_and_asked_again_until_it_answers() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = TestServer::start(&[]);
    let secrets = Secrets::default();
    let app = open(dir.path(), &secrets, &server.base);
    app.start().await.unwrap();
    server.stop();
    let told = chores_for(&app, 3).await;
    let reaches: Vec<_> = told.iter().filter(|h| matches!(h, Happening::Reach { .. })).collect();
    // Before any call settles the app is still checking; then it says offline, once.
    assert_eq!(reaches.last(), Some(&&Happening::Reach { online: false, settled: true }), "{told:?}");
    assert!(!reaches.contains(&&Happening::Reach { online: true, settled: true }), "{told:?}");
    assert!(reaches.windows(2).all(|w| w[0] != w[1]), "each change told once: {told:?}");
    assert!(!app.state().unwrap().online);
    assert!(
        !kinds(&told).contains(&"catalog_synced") && !kinds(&told).contains(&"inbox"),
        "a signed-out app has no inbox, and an unreachable server no catalog: {told:?}"
    );
}

#[tokio::test]
async fn a_catalog_synced_before_a_sign_in_finished_is_still_told() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(&[]);
    let secrets = Secrets::default();
    let app = open(dir.path(), &secrets, &server.base);
    app.start().await.unwrap();
    // The person signs in while the first (anonymous) sync runs: the screens drawn after the
    // sign-in still hear that the catalog arrived.
    let told = Mutex::new(Vec::new());
    let chores = tokio::time::timeout(Duration::from_secs(4), app.run_background(|h| told.lock().unwrap().push(h)));
    let signing_in = async {
        tokio::time::sleep(Duration::from_millis(1050)).await;
        sign_in(&app, "consumer").await;
    };
    let _ = tokio::join!(chores, signing_in);
    let told = told.into_inner().unwrap();
    assert!(kinds(&told).contains(&"catalog_synced"), "{:?}", kinds(&told));
    assert!(!app.nearest_stores(31.23, 121.47, None).unwrap().is_empty());
}
