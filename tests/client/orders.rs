//! A dealer's order in the client core against the real server: drafted and sent offline, it
//! waits in the outbox and lands once when the network returns; the desk reads back offline.
use portal_api::{OrderLineDraft, OrderStatus, Shortfall};
use portal_client::dealer_orders::{DraftState, OrderDraft};
use portal_server::demo::{DEALER_EAST, STORE_SHANGHAI};
use portal_tests::server::*;

use super::{open, sign_in, Secrets};

#[tokio::test]
async fn an_order_drafted_and_sent_offline_lands_once() {
    let dir = tempfile::tempdir().unwrap();
    let server_dir = tempfile::tempdir().unwrap();
    let mut server = TestServer::start_in(server_dir, &[], true);
    let secrets = Secrets::default();
    let base = server.base.clone();
    let app = open(dir.path(), &secrets, &base);
    sign_in(&app, "distributor").await;
    let desk = app.dealer_desk(None).await.unwrap();
    assert_eq!(desk.desk.dealer.id, DEALER_EAST);
    assert!(desk.desk.stores.iter().any(|s| s.id == STORE_SHANGHAI));
    let sku = {
        let token = access(&server.sign_in_password("distributor", portal_server::demo::DEMO_PASSWORD).await);
        let (_, page) = server.get("/v1/catalog/sync?limit=50", &token).await;
        let page: portal_api::SyncPage = parse(&page);
        page.items
            .into_iter()
            .find_map(|i| match i {
                portal_api::SyncItem::Product { data: Some(p), .. } => Some(p.skus[0].code.clone()),
                _ => None,
            })
            .unwrap()
    };

    // Offline: drafted, kept, sent into the outbox; the desk reads back as it was.
    server.stop();
    let draft = OrderDraft {
        id: uuid::Uuid::now_v7(),
        dealer_id: DEALER_EAST,
        ship_to: Some(STORE_SHANGHAI),
        lines: vec![OrderLineDraft { sku: sku.clone(), quantity: 2, asked_price: None }],
        shortfall: Shortfall::BackOrder,
        note: "offline".into(),
        state: DraftState::Draft,
        order_id: None,
        error: None,
        updated_at: 0,
    };
    app.save_order_draft(draft.clone()).unwrap();
    let drafts = app.send_order_draft(draft.clone()).await.unwrap();
    assert_eq!(drafts[0].state, DraftState::Sending, "kept until the server answers");
    let order_id = drafts[0].order_id.unwrap();
    assert_eq!(app.dealer_desk(None).await.unwrap().desk.dealer.id, DEALER_EAST, "the desk as last read");
    assert!(app.flush_outbox().await.is_err());
    assert_eq!(app.order_drafts().unwrap().len(), 1, "never dropped before the ack");

    // Back: the order lands once, under the id it was given offline, and its draft goes.
    let port = base.rsplit(':').next().unwrap().to_owned();
    let server_dir = std::mem::replace(&mut server.dir, tempfile::tempdir().unwrap());
    drop(server);
    let server = TestServer::start_in(server_dir, &[("PORTAL_LISTEN", &format!("127.0.0.1:{port}"))], false);
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    app.flush_outbox().await.unwrap();
    assert!(app.order_drafts().unwrap().is_empty());
    let desk = app.dealer_desk(None).await.unwrap();
    let placed: Vec<_> = desk.orders.iter().filter(|o| o.id == order_id).collect();
    assert_eq!(placed.len(), 1);
    assert_eq!(placed[0].status, OrderStatus::Confirmed);
    // Sending again changes nothing.
    app.flush_outbox().await.unwrap();
    let token = access(&server.sign_in_password("distributor", portal_server::demo::DEMO_PASSWORD).await);
    let (_, list) = server.get(&format!("/v1/dealers/{DEALER_EAST}/orders"), &token).await;
    assert_eq!(parse::<portal_api::OrderList>(&list).orders.len(), 1, "landed once");
}

#[tokio::test]
async fn a_statement_is_saved_as_csv_in_the_downloads_folder_never_over_another() {
    let dir = tempfile::tempdir().unwrap();
    let downloads = tempfile::tempdir().unwrap();
    let server = TestServer::start(&[]);
    let secrets = Secrets::default();
    let app = open(dir.path(), &secrets, &server.base);
    app.set_downloads_dir(downloads.path().to_path_buf());
    sign_in(&app, "distributor").await;
    let today = portal_server::distribution::local_time(portal_server::common::now())[..10].to_owned();
    let first = app.save_statement_csv(DEALER_EAST, today.clone(), today.clone()).await.unwrap();
    let second = app.save_statement_csv(DEALER_EAST, today.clone(), today.clone()).await.unwrap();
    assert_ne!(first, second, "a second save does not overwrite the first");
    let csv = std::fs::read_to_string(&first).unwrap();
    assert!(csv.starts_with("\u{feff}time,kind,amount,order,reason,receivables,reserved,credit_line\n"), "{csv}");
    assert!(std::fs::read_dir(downloads.path()).unwrap().all(|e| !e
        .unwrap()
        .path()
        .to_string_lossy()
        .ends_with(".part")));
    // Another dealer's statement is refused, and nothing is written.
    let other = app.save_statement_csv(portal_server::demo::DEALER_SOUTH, today.clone(), today).await.unwrap_err();
    assert_eq!(other.code(), portal_api::ErrorCode::Forbidden);
    assert_eq!(std::fs::read_dir(downloads.path()).unwrap().count(), 2);
}
