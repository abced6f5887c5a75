//! How the reports are assembled from the rows a backend read, the same for every database: a
//! backend runs its queries and hands the rows here.
use portal_api::*;
use portal_store_ops::{ledger::LOW_STOCK_LEVEL, sample};
use uuid::Uuid;

/// The stock report from per-SKU rows: (SKU, the ledger's sum, movements, the running balance).
pub fn stock(store: Uuid, rows: Vec<(String, i64, i64, i64)>) -> StockReport {
    let movements = rows.iter().map(|r| u32::try_from(r.2).unwrap_or(u32::MAX)).fold(0u32, u32::saturating_add);
    let balances_agree = rows.iter().all(|r| r.1 == r.3);
    if !balances_agree {
        tracing::error!(%store, "stock balances disagree with the ledger");
    }
    let levels = rows
        .into_iter()
        .map(|(sku, on_hand, _, _)| StockLevel { low: on_hand <= LOW_STOCK_LEVEL, sku, on_hand })
        .collect();
    StockReport { store_id: store, levels, movements, balances_agree }
}

/// A day's stock per SKU from (SKU, on hand when it starts, units in, units out), SKUs with no
/// stock and no movement left out.
pub fn day_stock(rows: Vec<(String, i64, i64, i64)>) -> Vec<DayStock> {
    rows.into_iter()
        .filter(|(_, opening, moved_in, moved_out)| *opening != 0 || *moved_in != 0 || *moved_out != 0)
        .map(|(sku, opening, moved_in, moved_out)| DayStock {
            sku,
            opening,
            moved_in,
            moved_out,
            closing: opening + moved_in - moved_out,
        })
        .collect()
}

/// The flags of a day's logged outcomes (JSON), and the cash differences among them.
pub fn day_flags(outcomes: impl IntoIterator<Item = String>) -> (Vec<AmountByKey>, Vec<OpFlag>) {
    let mut cash_differences = Vec::new();
    let mut flags = Vec::new();
    for json in outcomes {
        let Ok(outcome) = serde_json::from_str::<OpOutcome>(&json) else { continue };
        for flag in outcome.flags {
            if let OpFlag::CashDifference { method, difference } = &flag {
                cash_differences.push(AmountByKey { key: wire_name(method), quantity: 1, amount: *difference });
            }
            flags.push(flag);
        }
    }
    (cash_differences, flags)
}

/// A logged operation the flags feed shows.
pub struct FlaggedRow {
    pub seq: i64,
    pub op_id: String,
    pub by: String,
    pub outcome: String,
    pub device_at: i64,
}

/// A page of the flags feed from up to `limit + 1` rows after `after`; `latest` is the last
/// position logged so far.
pub fn flag_page(store: Uuid, after: i64, latest: i64, limit: u32, rows: Vec<FlaggedRow>) -> StoreFlagList {
    let has_more = rows.len() > limit as usize;
    let mut events = Vec::with_capacity(rows.len().min(limit as usize));
    for row in rows.into_iter().take(limit as usize) {
        let Ok(outcome) = serde_json::from_str::<OpOutcome>(&row.outcome) else { continue };
        events.push(StoreFlagEvent {
            seq: row.seq,
            op_id: row.op_id.parse().unwrap_or_default(),
            store_id: store,
            by: row.by,
            flags: outcome.flags,
            error: outcome.error,
            device_at: row.device_at,
        });
    }
    // Past the last event read; when all are read, past everything logged so far.
    let cursor = if has_more { events.last().map_or(after, |e| e.seq) } else { latest.max(after) };
    StoreFlagList { store_id: store, events, cursor, has_more }
}

/// A sale as read back for a return at any till.
pub struct SoldSale {
    pub id: String,
    pub shift_id: String,
    pub discounts: i64,
    pub total: i64,
    pub change: i64,
    pub device_at: i64,
    /// Each line with the units returned of it.
    pub lines: Vec<(SaleLine, i64)>,
    pub payments: Vec<Payment>,
    pub gifts: Vec<SkuQuantity>,
    /// Each return of it: (id, refund).
    pub returns: Vec<(String, i64)>,
}

pub fn store_sale(store: Uuid, receipt_no: &str, sold: SoldSale) -> StoreSale {
    // The order discount is what the sale's discounts hold beyond its lines' own.
    let order_discount = sold.discounts - sold.lines.iter().map(|(l, _)| l.discount).sum::<i64>();
    let (lines, returned): (Vec<SaleLine>, Vec<i64>) = sold.lines.into_iter().unzip();
    StoreSale {
        sale_id: sold.id.parse().unwrap_or_default(),
        store_id: store,
        receipt_no: receipt_no.to_owned(),
        sale: StoreAction::Sale {
            sale_id: sold.id.parse().unwrap_or_default(),
            shift_id: sold.shift_id.parse().unwrap_or_default(),
            receipt_no: receipt_no.to_owned(),
            customer_phone: None,
            customer_consent: false,
            lines,
            order_discount,
            payments: sold.payments,
            gifts: sold.gifts,
            offer: None,
            coupon: None,
        },
        total: sold.total,
        change: sold.change,
        device_at: sold.device_at,
        returned,
        refunded: sold.returns.iter().map(|(_, refund)| refund).sum(),
        return_ids: sold.returns.iter().filter_map(|(id, _)| id.parse().ok()).collect(),
    }
}

/// A display unit from its row and its history rows (state, location, at); none for a state
/// this version does not know.
pub fn sample_unit(
    (serial, sku, state, location, updated_at): (String, String, String, String, i64),
    history: Vec<(String, String, i64)>,
) -> Option<SampleUnit> {
    let state = from_wire_name::<SampleState>(&state)?;
    let history = history
        .into_iter()
        .filter_map(|(state, location, at)| Some(SampleEvent { state: from_wire_name(&state)?, location, at }))
        .collect();
    Some(SampleUnit {
        serial,
        sku,
        state,
        location,
        updated_at,
        history,
        next_states: sample::next(state).to_vec(),
        expected_on_floor: sample::expected_on_floor(state),
    })
}

/// The transfers in flight from rows (id, from, to, lines JSON, sent at), split into incoming and
/// outgoing for `store`; rows that cannot be read are left out.
pub fn transfers(
    store: Uuid,
    rows: Vec<(String, String, String, String, i64)>,
    stores: Vec<(String, String, String, String)>,
) -> TransferList {
    let (mut incoming, mut outgoing) = (Vec::new(), Vec::new());
    for (id, from, to, lines, sent_at) in rows {
        let (Ok(transfer_id), Ok(from_store), Ok(to_store), Ok(lines)) =
            (id.parse(), from.parse::<Uuid>(), to.parse(), serde_json::from_str(&lines))
        else {
            continue;
        };
        let t = OpenTransfer { transfer_id, from_store, to_store, lines, sent_at };
        if from_store == store {
            outgoing.push(t)
        } else {
            incoming.push(t)
        }
    }
    let stores = stores
        .into_iter()
        .filter_map(|(id, code, name, city)| Some(Store { id: id.parse().ok()?, code, name, city }))
        .collect();
    TransferList { store_id: store, incoming, outgoing, stores }
}

/// Per store (by code, in the order read) the SKUs on hand, from rows (store code, SKU, on hand > 0).
pub fn skus_in_stock(rows: Vec<(String, String, bool)>) -> Vec<StoreStock> {
    let mut out: Vec<StoreStock> = Vec::new();
    for (store, sku, positive) in rows {
        if out.last().map(|s| &s.store) != Some(&store) {
            out.push(StoreStock { store, skus: Vec::new() });
        }
        if positive {
            out.last_mut().expect("just pushed").skus.push(sku);
        }
    }
    out
}
