//! The product center's contracts: an editor's save lands only over the body it read, whatever
//! saves at once.
use std::sync::Arc;

use super::{join_all, RACERS};
use crate::*;

fn product(code: &str, body: Option<&str>) -> CatalogWrite {
    CatalogWrite { kind: CatalogKind::Product, code: code.into(), body: body.map(str::to_owned) }
}

pub async fn an_edit_lands_only_over_the_body_it_read_whatever_saves_at_once(db: Arc<dyn Database>) {
    // New: only while absent.
    assert!(db.catalog_replace(product("EDIT-1", Some("{\"v\":0}")), None).await.unwrap());
    assert!(!db.catalog_replace(product("EDIT-1", Some("{\"v\":9}")), None).await.unwrap(), "no longer absent");
    let before = db.catalog_changes(0, 1000).await.unwrap().last_version;

    let tasks = (0..RACERS).map(|i| {
        let db = db.clone();
        tokio::spawn(async move {
            let body = format!("{{\"v\":{}}}", i + 1);
            db.catalog_replace(product("EDIT-1", Some(&body)), Some("{\"v\":0}".into())).await.map(|ok| (ok, body))
        })
    });
    let landed: Vec<String> =
        join_all(tasks).await.into_iter().map(|r| r.unwrap().unwrap()).filter(|(ok, _)| *ok).map(|(_, b)| b).collect();
    assert_eq!(landed.len(), 1, "one save over the body all of them read");
    assert_eq!(db.catalog_get(CatalogKind::Product, "EDIT-1").await.unwrap().as_ref(), Some(&landed[0]));
    let changes = db.catalog_changes(before, 1000).await.unwrap();
    assert_eq!(changes.last_version, before + 1, "one new version, clients sync it once");
    assert_eq!(changes.rows.len(), 1);

    // A stale save writes nothing; the same body again takes no version; a withdrawal is a save.
    assert!(!db.catalog_replace(product("EDIT-1", Some("{\"v\":99}")), Some("{\"v\":0}".into())).await.unwrap());
    assert!(db.catalog_replace(product("EDIT-1", Some(&landed[0])), Some(landed[0].clone())).await.unwrap());
    assert_eq!(db.catalog_changes(0, 1000).await.unwrap().last_version, before + 1);
    assert!(db.catalog_replace(product("EDIT-1", None), Some(landed[0].clone())).await.unwrap());
    assert_eq!(db.catalog_get(CatalogKind::Product, "EDIT-1").await.unwrap(), None);
    assert!(
        db.catalog_replace(product("EDIT-1", Some("{\"v\":1}")), None).await.unwrap(),
        "a withdrawn one comes back"
    );
}
