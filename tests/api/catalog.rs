//! The product center's API: delta sync (cursor, pages, tombstones, role prices, reset, resume)
//! and administration (edits, withdrawals, all-or-nothing imports, exports).
use portal_api::{ErrorCode, ImportReport, Product, ProductRevision, SyncItem, SyncPage};
use portal_server::demo::DEMO_PASSWORD;
use portal_tests::server::*;
use reqwest::Method;
use serde_json::json;

async fn page(server: &TestServer, token: Option<&str>, cursor: Option<&str>, limit: u32) -> SyncPage {
    let mut path = format!("/v1/catalog/sync?limit={limit}");
    if let Some(c) = cursor {
        path += &format!("&cursor={c}");
    }
    let (status, body) = server.send(Method::GET, &path, token, None).await;
    assert_eq!(status, 200, "{body}");
    parse(&body)
}

/// Follows the cursor to the end; returns every item and the final cursor.
async fn sync_all(server: &TestServer, token: Option<&str>, from: Option<&str>) -> (Vec<SyncItem>, String, usize) {
    let mut items = Vec::new();
    let mut cursor = from.map(str::to_owned);
    let mut pages = 0;
    loop {
        let p = page(server, token, cursor.as_deref(), 1000).await;
        pages += 1;
        items.extend(p.items);
        cursor = Some(p.cursor);
        if !p.has_more {
            return (items, cursor.unwrap(), pages);
        }
    }
}

fn products(items: &[SyncItem]) -> Vec<&Product> {
    items.iter().filter_map(|i| if let SyncItem::Product { data: Some(p), .. } = i { Some(p) } else { None }).collect()
}

#[tokio::test]
async fn full_sync_in_pages_with_prices_by_role() {
    let server = TestServer::start(&[]);
    let (items, _, pages) = sync_all(&server, None, None).await;
    assert!(pages > 2, "a full sync comes in several pages");
    let anonymous = products(&items);
    assert!(anonymous.len() > 1500);
    let skus: usize = anonymous.iter().map(|p| p.skus.len()).sum();
    assert_eq!(skus, 6000);
    assert!(items.iter().any(|i| matches!(i, SyncItem::Category { data: Some(c), .. } if c.code == "tv")));
    assert!(items.iter().any(|i| matches!(i, SyncItem::Store { data: Some(s), .. } if s.code == "SH-001")));
    assert!(items.iter().any(|i| matches!(i, SyncItem::Image { .. })));
    assert!(anonymous.iter().all(|p| p.skus.iter().all(|s| s.distributor_price.is_none())));

    let consumer = access(&server.sign_in_password("consumer", DEMO_PASSWORD).await);
    let (items, _, _) = sync_all(&server, Some(&consumer), None).await;
    assert!(products(&items).iter().all(|p| p.skus.iter().all(|s| s.distributor_price.is_none())));

    let distributor = access(&server.sign_in_password("distributor", DEMO_PASSWORD).await);
    let (items, _, _) = sync_all(&server, Some(&distributor), None).await;
    assert!(products(&items).iter().all(|p| p.skus.iter().all(|s| s.distributor_price.is_some())));
    let (status, one) = server.get(&format!("/v1/catalog/products/{}", anonymous[0].model), &distributor).await;
    assert_eq!(status, 200);
    assert!(one["skus"][0]["distributor_price"].is_i64());

    // A token that is sent but bad is an error, never a silent downgrade to anonymous.
    let (status, _) = server.send(Method::GET, "/v1/catalog/sync", Some("a1.bad.token"), None).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn deltas_tombstones_unknown_cursors_and_resume() {
    let server = TestServer::start(&[]);
    let admin = access(&server.sign_in_password("admin", DEMO_PASSWORD).await);
    let (items, cursor, _) = sync_all(&server, None, None).await;
    let all = products(&items);
    let (first, second) = (all[0].clone(), all[1].clone());

    // Nothing changed: an empty delta, same cursor.
    let p = page(&server, None, Some(&cursor), 100).await;
    assert!(p.items.is_empty() && !p.has_more && !p.reset);
    assert_eq!(p.cursor, cursor);

    // An edit and a withdrawal: the delta holds exactly those two, the withdrawal as a tombstone.
    let mut edited = first.clone();
    edited.name_en = format!("{} (2027 edition)", edited.name_en);
    edited.skus[0].list_price += 100_00;
    let (status, body) = server
        .send(Method::PUT, &format!("/v1/admin/catalog/products/{}", edited.model), Some(&admin), Some(&json(&edited)))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) =
        server.send(Method::DELETE, &format!("/v1/admin/catalog/products/{}", second.model), Some(&admin), None).await;
    assert_eq!(status, 204);
    let delta = page(&server, None, Some(&cursor), 100).await;
    assert_eq!(delta.items.len(), 2, "{:?}", delta.items);
    match &delta.items[0] {
        SyncItem::Product { code, data: Some(p), .. } => {
            assert_eq!(code, &edited.model);
            assert_eq!(p.name_en, edited.name_en);
        }
        other => panic!("expected the edited product, got {other:?}"),
    }
    assert!(matches!(&delta.items[1], SyncItem::Product { code, data: None, .. } if code == &second.model));
    let (status, _) = server.get(&format!("/v1/catalog/products/{}", second.model), &admin).await;
    assert_eq!(status, 404);

    // Putting the same product again changes nothing and takes no version.
    server
        .send(Method::PUT, &format!("/v1/admin/catalog/products/{}", edited.model), Some(&admin), Some(&json(&edited)))
        .await;
    assert!(page(&server, None, Some(&delta.cursor), 100).await.items.is_empty());

    // Unknown cursors (garbage, another catalog, the future) start over with reset.
    for bad in ["garbage", "c1.0000000000000000.5", &format!("{}999999", delta.cursor)] {
        let p = page(&server, None, Some(bad), 50).await;
        assert!(p.reset, "{bad}");
        assert!(matches!(p.items[0], SyncItem::Image { .. } | SyncItem::Category { .. }), "from the beginning");
    }

    // Interrupted mid-way: resuming from the last applied page's cursor yields the rest exactly once.
    let p1 = page(&server, None, None, 700).await;
    let p2 = page(&server, None, Some(&p1.cursor), 700).await;
    let (rest, _, _) = sync_all(&server, None, Some(&p2.cursor)).await;
    let (whole, _, _) = sync_all(&server, None, None).await;
    assert_eq!(p1.items.len() + p2.items.len() + rest.len(), whole.len());
}

#[tokio::test]
async fn imports_are_validated_whole_and_applied_all_or_nothing() {
    let server = TestServer::start(&[]);
    let admin = access(&server.sign_in_password("admin", DEMO_PASSWORD).await);
    let (_, cursor, _) = sync_all(&server, None, None).await;
    let (status, exported) = server.get("/v1/admin/catalog/export", &admin).await;
    assert_eq!(status, 200);
    let mut good: Product = parse(&exported["products"][0]);
    good.model = "NEW-TV-2027".into();
    for (i, sku) in good.skus.iter_mut().enumerate() {
        sku.code = format!("NEW-TV-2027-{i}");
        sku.barcode = portal_server::catalog::validate::ean13_with_checksum(&format!("69199999999{i}"));
    }
    let mut bad = good.clone();
    bad.model = "BAD-ONE".into();
    bad.category = "no-such-category".into();
    let mut bad_barcode = good.clone();
    bad_barcode.model = "BAD-TWO".into();
    bad_barcode.skus[0].code = "BAD-TWO-0".into();
    bad_barcode.skus[0].barcode = "6901234567890".into();
    bad_barcode.skus.truncate(1);

    let doc = json!({"products": [good, bad, bad_barcode]});
    let (status, body) = server.send(Method::POST, "/v1/admin/catalog/import", Some(&admin), Some(&doc)).await;
    assert_eq!(status, 422, "{body}");
    let report: ImportReport = parse(&body);
    assert!(!report.applied);
    assert!(report.problems.iter().any(|p| p.row == 2 && p.field == "category"), "{:?}", report.problems);
    assert!(report.problems.iter().any(|p| p.row == 3 && p.field == "skus[0].barcode"), "{:?}", report.problems);
    // Nothing applied, not even the good row.
    assert!(page(&server, None, Some(&cursor), 10).await.items.is_empty());
    assert_eq!(server.get("/v1/catalog/products/NEW-TV-2027", &admin).await.0, 404);

    // The good row alone is applied.
    let doc = json!({"products": [good]});
    let (status, body) = server.send(Method::POST, "/v1/admin/catalog/import", Some(&admin), Some(&doc)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(server.get("/v1/catalog/products/NEW-TV-2027", &admin).await.0, 200);
    assert_eq!(page(&server, None, Some(&cursor), 10).await.items.len(), 1);

    // Only administrators import and export.
    let promoter = access(&server.sign_in_password("promoter", DEMO_PASSWORD).await);
    let (status, body) = server.send(Method::POST, "/v1/admin/catalog/import", Some(&promoter), Some(&doc)).await;
    assert_eq!(status, 403);
    assert_eq!(error_of(&body).code, ErrorCode::Forbidden);
    assert_eq!(server.get("/v1/admin/catalog/export", &promoter).await.0, 403);
}

#[tokio::test]
async fn csv_export_and_import_round_trip_and_bad_rows_are_reported_by_line() {
    let server = TestServer::start(&[]);
    let admin = access(&server.sign_in_password("admin", DEMO_PASSWORD).await);
    let csv = server
        .http
        .get(server.url("/v1/admin/catalog/export?format=csv"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().count(), 6001, "a header and one row per SKU");
    let (_, cursor, _) = sync_all(&server, None, None).await;

    let post_csv = |body: String| {
        server
            .http
            .post(server.url("/v1/admin/catalog/import"))
            .bearer_auth(&admin)
            .header("content-type", "text/csv")
            .body(body)
            .send()
    };
    // Re-importing the export changes nothing.
    let res = post_csv(csv.clone()).await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let changed = page(&server, None, Some(&cursor), 10).await.items;
    assert!(changed.is_empty(), "an identical import takes no version: {:?}", changed.first());

    // A bad price on line 3 and an unknown category on line 5: reported, nothing applied.
    let mut lines: Vec<String> = csv.lines().map(str::to_owned).collect();
    // (The demo's fields hold no ASCII commas, so splitting on ',' finds the columns.)
    let set = |line: &mut String, column: usize, value: &str| {
        let mut fields: Vec<String> = line.split(',').map(str::to_owned).collect();
        fields[column] = value.to_owned();
        *line = fields.join(",");
    };
    set(&mut lines[2], 17, "12.345");
    set(&mut lines[4], 1, "no-such");
    let res = post_csv(lines.join("\n")).await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let report: ImportReport = res.json().await.unwrap();
    assert!(!report.applied);
    assert!(report.problems.iter().any(|p| p.row == 3 && p.field == "list_price"), "{:?}", report.problems);
    assert!(page(&server, None, Some(&cursor), 10).await.items.is_empty());
}

#[tokio::test]
async fn answers_are_compressed_for_clients_that_accept_it() {
    let server = TestServer::start(&[]);
    let raw = reqwest::Client::builder().no_gzip().no_brotli().no_zstd().build().unwrap();
    let url = server.url("/v1/catalog/sync?limit=500");
    let plain = raw.get(&url).header("accept-encoding", "identity").send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    let plain = plain.bytes().await.unwrap().len();
    for encoding in ["gzip", "br", "zstd"] {
        let res = raw.get(&url).header("accept-encoding", encoding).send().await.unwrap();
        assert_eq!(res.headers().get("content-encoding").and_then(|v| v.to_str().ok()), Some(encoding));
        let compressed = res.bytes().await.unwrap().len();
        assert!(compressed * 5 < plain, "{encoding}: {compressed} bytes of {plain}");
    }
    // A small answer is sent as it is: compressing it would cost more than it saves.
    let res = raw.get(server.url("/healthz")).header("accept-encoding", "zstd").send().await.unwrap();
    assert!(res.headers().get("content-encoding").is_none());
    assert!(res.bytes().await.unwrap().len() < usize::from(portal_server::http::COMPRESS_FROM));
    // The app's client asks for it and reads it transparently.
    let (status, page) = server.send(reqwest::Method::GET, "/v1/catalog/sync?limit=500", None, None).await;
    assert_eq!(status, 200);
    assert_eq!(page["items"].as_array().map(Vec::len), Some(500));
}

#[tokio::test]
async fn an_edit_lands_only_over_the_revision_it_read_whatever_saves_at_once() {
    let server = TestServer::start(&[]);
    let admin = access(&server.sign_in_password("admin", DEMO_PASSWORD).await);
    let (items, cursor, _) = sync_all(&server, None, None).await;
    let model = products(&items)[0].model.clone();
    let path = format!("/v1/admin/catalog/products/{model}");

    // Only administrators read a product's revision or change it.
    let promoter = access(&server.sign_in_password("promoter", DEMO_PASSWORD).await);
    assert_eq!(server.get(&path, &promoter).await.0, 403);
    let (status, body) = server.get(&path, &admin).await;
    assert_eq!(status, 200, "{body}");
    let read: ProductRevision = parse(&body);
    assert_eq!(read.product.model, model);
    let (status, _) = server
        .send(Method::PUT, &format!("{path}?revision={}", read.revision), Some(&promoter), Some(&json(&read.product)))
        .await;
    assert_eq!(status, 403);

    // Twenty-four administrators save over the same revision at once: one lands, the rest are
    // told someone changed it, and clients sync one new version.
    let tasks: Vec<_> = (0..24)
        .map(|i| {
            let (server_url, admin) = (server.url(&format!("{path}?revision={}", read.revision)), admin.clone());
            let mut edited = read.product.clone();
            edited.name_en = format!("{} edit {i}", read.product.name_en);
            tokio::spawn(async move {
                let answer =
                    reqwest::Client::new().put(server_url).bearer_auth(admin).json(&edited).send().await.unwrap();
                (answer.status().as_u16(), answer.text().await.unwrap(), edited.name_en)
            })
        })
        .collect();
    let mut landed = Vec::new();
    for task in tasks {
        let (status, body, name) = task.await.unwrap();
        match status {
            200 => landed.push(name),
            409 => assert_eq!(error_of(&serde_json::from_str(&body).unwrap()).code, ErrorCode::StaleState),
            other => panic!("{other}: {body}"),
        }
    }
    assert_eq!(landed.len(), 1, "one save over the revision all of them read");
    let now: ProductRevision = parse(&server.get(&path, &admin).await.1);
    assert_eq!(now.product.name_en, landed[0]);
    assert_ne!(now.revision, read.revision);
    let delta = page(&server, None, Some(&cursor), 100).await.items;
    assert_eq!(delta.len(), 1, "one new version");
    // The winner's save again (its answer lost): it landed already, and nothing new is written.
    let mut again = read.product.clone();
    again.name_en = landed[0].clone();
    let (status, body) = server
        .send(Method::PUT, &format!("{path}?revision={}", read.revision), Some(&admin), Some(&json(&again)))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(page(&server, None, Some(&cursor), 100).await.items.len(), 1);

    // A withdrawal over a stale revision is refused; over the current one it lands.
    let stale = format!("{path}?revision={}", read.revision);
    let (status, _) = server.send(Method::DELETE, &stale, Some(&admin), None).await;
    assert_eq!(status, 409);
    let (status, _) =
        server.send(Method::DELETE, &format!("{path}?revision={}", now.revision), Some(&admin), None).await;
    assert_eq!(status, 204);
    assert_eq!(server.get(&path, &admin).await.0, 404);
    let (status, _) =
        server.send(Method::DELETE, &format!("{path}?revision={}", now.revision), Some(&admin), None).await;
    assert_eq!(status, 404, "gone already");
    // A save over a product withdrawn since it was opened is stale, and brings nothing back.
    let (status, body) = server
        .send(Method::PUT, &format!("{path}?revision={}", now.revision), Some(&admin), Some(&json(&now.product)))
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(error_of(&body).code, ErrorCode::StaleState);
    assert_eq!(server.get(&path, &admin).await.0, 404);
}
