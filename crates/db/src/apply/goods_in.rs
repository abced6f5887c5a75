//! Goods-in from a dealer's shipment (`StoreAction::ShipmentIn`): the count is checked against
//! what was shipped (`portal_distribution::goods_in`), good units are booked into the store's
//! stock, damaged and short ones flagged, the shipment and its order's lines keep the count, and
//! the order is marked received once every shipment of it has been counted and it has all
//! shipped (`portal_distribution::lifecycle`). A shipment is counted once: a second count, from
//! another tablet perhaps, is refused and books nothing. The shipment is locked first and its
//! order next, before any of the order's lines is written (shipping locks the order before its
//! lines too, so the two never wait in a circle). The order's side is dated by the server's
//! clock; the stock movements keep the device's, like every store operation.
use portal_api::*;
use portal_distribution::{
    goods_in::{self, CountProblem},
    lifecycle::{self, Actor, Step},
};
use uuid::Uuid;

use super::{movement, reject, ActResult, Applied};
use crate::ledger::Ledger;

pub(super) fn shipment_in(
    db: &mut impl Ledger,
    op: &StoreOp,
    actor: Uuid,
    now: i64,
    shipment_id: Uuid,
    lines: &[CountedLine],
    applied: &mut Applied,
) -> ActResult<()> {
    let store = op.store_id;
    let Some(shipment) = db.shipment(shipment_id)? else {
        return Err(reject(ErrorCode::InvalidStoreOp, format!("no shipment {shipment_id} is on its way")).into());
    };
    if shipment.store_id != store {
        return Err(reject(ErrorCode::InvalidStoreOp, "this shipment goes to another store").into());
    }
    if shipment.received {
        return Err(reject(ErrorCode::ShipmentAlreadyReceived, "this shipment was counted in already").into());
    }
    let counted = goods_in::count(&shipment.lines, lines).map_err(|problem| {
        let code = match problem {
            CountProblem::MoreThanShipped { .. } => ErrorCode::ReceiptExceedsShipment,
            _ => ErrorCode::InvalidStoreOp,
        };
        reject(code, problem.to_string())
    })?;
    // The order, locked now: before its lines are written below.
    if db.order_receipt_state(shipment.order_id)?.is_none() {
        return Err(reject(ErrorCode::InvalidStoreOp, "this shipment's order is gone").into());
    }
    let reason = format!("shipment {shipment_id}");
    for line in &counted {
        if line.received > 0 {
            movement(db, op, store, &line.sku, MovementKind::Receipt, i64::from(line.received), Some(&reason))?;
        }
        if line.damaged > 0 {
            applied.flags.push(OpFlag::ShipmentDamaged { sku: line.sku.clone(), damaged: i64::from(line.damaged) });
        }
        if line.short > 0 {
            applied.flags.push(OpFlag::ShipmentShort { sku: line.sku.clone(), short: i64::from(line.short) });
        }
    }
    db.receive_shipment(shipment_id, shipment.order_id, &counted, actor, now)?;
    if let Some(state) = db.order_receipt_state(shipment.order_id)? {
        if state.uncounted == 0 {
            if let Ok(to) = lifecycle::next(state.status, Step::Receive, Actor::Store, true) {
                db.mark_order(shipment.order_id, to, "receive", actor, now)?;
            }
        }
    }
    Ok(())
}
