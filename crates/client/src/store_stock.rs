//! A store's stock as this device sees it: the server's ledger sums (fetched when online, kept for
//! offline) plus this device's operations the server has not acknowledged yet. The server stays the
//! ledger of record; this view is rebuilt from it every time.
use std::collections::BTreeMap;

use portal_api::{OpenTransfer, StockReport, StoreAction, TransferList};
use portal_store_ops::ledger::LOW_STOCK_LEVEL;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    cache::Cache,
    catalog::view,
    error::{ClientError, ClientResult},
    outbox, store_ops,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct StockLine {
    pub sku: String,
    /// The product's name and the variant, from the local catalog ("" when it is not there).
    pub name_zh: String,
    pub name_en: String,
    pub barcode: String,
    /// The server's on-hand plus `unsent`.
    pub on_hand: i64,
    /// The change this device's unacknowledged operations make.
    pub unsent: i64,
    /// Below zero, or at or below the low-stock level.
    pub low: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct StockView {
    pub store_id: Uuid,
    pub lines: Vec<StockLine>,
    /// When the server's figures were fetched (unix seconds); none yet on this device.
    #[ts(optional)]
    pub fetched_at: Option<i64>,
    /// Whether the server's running balances agreed with its ledger at that time.
    pub balances_agree: bool,
    /// This device's operations for the store still waiting for the server.
    pub unsent_ops: u32,
}

/// Something read from the server, kept on the device for when it cannot be reached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Snapshot<T> {
    pub data: T,
    /// When it was read from the server (unix seconds).
    pub fetched_at: i64,
}

/// Keeps what the server answered under `key`, or, when it cannot be reached, what was kept last.
pub fn snapshot<T: Serialize + serde::de::DeserializeOwned>(
    cache: &Cache,
    key: &str,
    fetched: ClientResult<T>,
    now: i64,
) -> ClientResult<Snapshot<T>> {
    match fetched {
        Ok(data) => {
            let snap = Snapshot { data, fetched_at: now };
            keep(cache, key, &snap)?;
            Ok(snap)
        }
        Err(e @ ClientError::Unreachable { .. }) => kept(cache, key)?.ok_or(e),
        Err(e) => Err(e),
    }
}

fn keep<T: Serialize>(cache: &Cache, key: &str, snap: &Snapshot<T>) -> ClientResult<()> {
    let json = serde_json::to_string(snap).map_err(|e| ClientError::Protocol(e.to_string()))?;
    cache.set_setting(key, &json)
}

fn kept<T: serde::de::DeserializeOwned>(cache: &Cache, key: &str) -> ClientResult<Option<Snapshot<T>>> {
    match cache.setting(key)? {
        Some(json) => serde_json::from_str(&json).map(Some).map_err(|e| ClientError::Protocol(e.to_string())),
        None => Ok(None),
    }
}

fn transfers_key(store_id: Uuid) -> String {
    format!("pos.transfers.{store_id}")
}

/// Keeps the server's transfers of a store for offline use, and answers with what this device
/// has not received yet: a transfer received here but not yet acknowledged is not offered again.
pub fn transfers(
    cache: &Cache,
    user_id: Uuid,
    store_id: Uuid,
    fetched: ClientResult<TransferList>,
    now: i64,
) -> ClientResult<Snapshot<TransferList>> {
    let mut snap = snapshot(cache, &transfers_key(store_id), fetched, now)?;
    let pending = outbox::due(cache, user_id, i64::MAX, u32::MAX)?;
    let receiving: Vec<Uuid> = store_ops::all_ops(&pending)
        .into_iter()
        .filter_map(|o| match o.action {
            StoreAction::TransferIn { transfer_id } if o.store_id == store_id => Some(transfer_id),
            _ => None,
        })
        .collect();
    snap.data.incoming.retain(|t| !receiving.contains(&t.transfer_id));
    Ok(snap)
}

/// An incoming transfer of the store as last read from the server, when it was read no earlier
/// than the stock report (`report_at`): the server had not received it then, so the report
/// cannot count it. Read earlier, the report may already hold it, and it is not added twice.
fn kept_incoming(
    cache: &Cache,
    store_id: Uuid,
    transfer_id: Uuid,
    report_at: Option<i64>,
) -> ClientResult<Option<OpenTransfer>> {
    let kept: Option<Snapshot<TransferList>> = kept(cache, &transfers_key(store_id)).unwrap_or(None);
    Ok(kept
        .filter(|s| report_at.is_none_or(|at| s.fetched_at >= at))
        .and_then(|s| s.data.incoming.into_iter().find(|t| t.transfer_id == transfer_id)))
}

fn key(store_id: Uuid) -> String {
    format!("pos.stock.{store_id}")
}

/// Keeps the server's report for offline use (as a snapshot, like every other server read).
pub fn save_report(cache: &Cache, report: &StockReport, now: i64) -> ClientResult<()> {
    keep(cache, &key(report.store_id), &Snapshot { data: report, fetched_at: now })
}

fn add(delta: &mut BTreeMap<String, i64>, sku: &str, quantity: i64) {
    *delta.entry(sku.to_owned()).or_insert(0) += quantity;
}

/// The change each unacknowledged operation of this account makes to a store's stock.
fn unsent(
    cache: &Cache,
    user_id: Uuid,
    store_id: Uuid,
    base: &BTreeMap<String, i64>,
    report_at: Option<i64>,
) -> ClientResult<(BTreeMap<String, i64>, u32)> {
    let pending = outbox::due(cache, user_id, i64::MAX, u32::MAX)?;
    let mut delta: BTreeMap<String, i64> = BTreeMap::new();
    let mut ops = 0;
    for op in store_ops::all_ops(&pending).into_iter().filter(|o| o.store_id == store_id) {
        ops += 1;
        let delta = &mut delta;
        match &op.action {
            StoreAction::Sale { lines, gifts, .. } => {
                lines.iter().for_each(|l| add(delta, &l.sku, -l.quantity));
                gifts.iter().for_each(|g| add(delta, &g.sku, -g.quantity));
            }
            StoreAction::Return { sale_id, lines, gifts, .. } => {
                if let Some(StoreAction::Sale { lines: sold, .. }) = store_ops::sale_action(cache, *sale_id)? {
                    for r in lines {
                        if let Some(l) = sold.get(r.line) {
                            add(delta, &l.sku, r.quantity);
                        }
                    }
                }
                gifts.iter().for_each(|g| add(delta, &g.sku, g.quantity));
            }
            StoreAction::Receipt { lines, .. } => lines.iter().for_each(|l| add(delta, &l.sku, l.quantity)),
            // What was counted in good, in stock at once (the server books the same).
            StoreAction::ShipmentIn { lines, .. } => lines.iter().for_each(|l| add(delta, &l.sku, l.received)),
            StoreAction::TransferOut { lines, .. } => lines.iter().for_each(|l| add(delta, &l.sku, -l.quantity)),
            StoreAction::Adjustment { sku, quantity, .. } => add(delta, sku, *quantity),
            StoreAction::StockCount { counted } => {
                for c in counted {
                    let now = base.get(&c.sku).copied().unwrap_or(0) + delta.get(&c.sku).copied().unwrap_or(0);
                    add(delta, &c.sku, c.quantity - now);
                }
            }
            // A transfer's lines are the sender's: those of the transfer as last read from the
            // server (the one the person received), in stock here at once — when that read is not
            // older than the stock report, which then cannot hold them yet.
            StoreAction::TransferIn { transfer_id } => {
                if let Some(t) = kept_incoming(cache, store_id, *transfer_id, report_at)? {
                    t.lines.iter().for_each(|l| add(delta, &l.sku, l.quantity));
                }
            }
            _ => {}
        }
    }
    Ok((delta, ops))
}

pub fn view(cache: &Cache, user_id: Uuid, store_id: Uuid) -> ClientResult<StockView> {
    // A report kept by an older build in another shape is simply not there.
    let saved: Option<Snapshot<StockReport>> = kept(cache, &key(store_id)).unwrap_or(None);
    let (base, fetched_at, balances_agree) = match &saved {
        Some(Snapshot { data: report, fetched_at }) => (
            report.levels.iter().map(|l| (l.sku.clone(), l.on_hand)).collect(),
            Some(*fetched_at),
            report.balances_agree,
        ),
        None => (BTreeMap::new(), None, true),
    };
    let (delta, unsent_ops) = unsent(cache, user_id, store_id, &base, fetched_at)?;
    let mut skus: Vec<&String> = base.keys().chain(delta.keys()).collect();
    skus.sort();
    skus.dedup();
    let mut lines = Vec::with_capacity(skus.len());
    for sku in skus {
        let unsent = delta.get(sku).copied().unwrap_or(0);
        let on_hand = base.get(sku).copied().unwrap_or(0) + unsent;
        let hit = view::sku(cache, sku, 0)?;
        let (name_zh, name_en, barcode) = match hit {
            Some(h) => (
                format!("{} {}", h.product.name_zh, h.sku.variant_zh),
                format!("{} {}", h.product.name_en, h.sku.variant_en),
                h.sku.barcode,
            ),
            None => Default::default(),
        };
        lines.push(StockLine {
            sku: sku.clone(),
            name_zh,
            name_en,
            barcode,
            on_hand,
            unsent,
            low: on_hand <= LOW_STOCK_LEVEL,
        });
    }
    Ok(StockView { store_id, lines, fetched_at, balances_agree, unsent_ops })
}

#[cfg(test)]
mod tests {
    use portal_api::{SkuQuantity, StockLevel};

    use super::*;

    #[test]
    fn a_transfer_received_offline_counts_once_whether_or_not_the_report_already_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = Cache::open(&dir.path().join("c.sqlite")).unwrap();
        let (user, store, from, transfer_id) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let report = |on_hand: i64| StockReport {
            store_id: store,
            levels: vec![StockLevel { sku: "A".into(), on_hand, low: false }],
            movements: 1,
            balances_agree: true,
        };
        let incoming = OpenTransfer {
            transfer_id,
            from_store: from,
            to_store: store,
            lines: vec![SkuQuantity { sku: "A".into(), quantity: 3 }],
            sent_at: 1,
        };
        let list = TransferList { store_id: store, incoming: vec![incoming], outgoing: vec![], stores: vec![] };
        save_report(&cache, &report(0), 90).unwrap();
        let offered = transfers(&cache, user, store, Ok(list), 100).unwrap();
        assert_eq!(offered.data.incoming.len(), 1);
        store_ops::record(&mut cache, user, store, StoreAction::TransferIn { transfer_id }, 10, 110).unwrap();
        let on_hand =
            |cache: &Cache| view(cache, user, store).unwrap().lines.iter().find(|l| l.sku == "A").unwrap().on_hand;
        assert_eq!(on_hand(&cache), 3, "received offline: in stock at once");
        let offline = ClientError::Unreachable { url: "http://127.0.0.1:9".into(), reason: "offline".into() };
        let offered = transfers(&cache, user, store, Err(offline), 111).unwrap();
        assert!(offered.data.incoming.is_empty(), "not offered for receiving again");
        // The server applied it but its answer was lost; a newer report already holds the goods.
        save_report(&cache, &report(3), 120).unwrap();
        assert_eq!(on_hand(&cache), 3, "not counted twice");
    }
}
