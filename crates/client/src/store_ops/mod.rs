//! Store operations made on this device (a promoter's tablet), through the durable outbox: checked
//! with the same rules the server applies, recorded locally and queued in one transaction, sent in
//! order with their client ids, and acknowledged by the server's outcome for each.
use portal_api::{
    ApiError, ErrorCode, OpOutcome, OpStatus, Payment, PaymentMethod, SaleLine, StoreAction, StoreOp, StoreSale,
    StoreSaleList,
};
use portal_store_ops::{
    checkout,
    refusal::Refusal,
    shape,
    shift::{self, ShiftFacts},
};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    cache::{read_setting, write_setting, Cache},
    error::{ClientError, ClientResult},
    outbox,
};

pub const OUTBOX_KIND: &str = outbox::kind::STORE_OP;
pub use portal_store_ops::checkout::{Totals, PROMOTER_DISCOUNT_LIMIT_PERCENT};

/// What the outbox keeps for a store operation; its id is the outbox row's.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Queued {
    store_id: Uuid,
    device_at: i64,
    action: StoreAction,
}

fn refuse(code: ErrorCode, message: String) -> ClientError {
    ClientError::Api(ApiError::new(code, message))
}

impl From<Refusal> for ClientError {
    fn from(r: Refusal) -> Self {
        refuse(r.code, r.message)
    }
}

mod notices;
mod receipts;
mod record;
mod sync;
#[cfg(test)]
mod tests;

pub use notices::*;
pub use receipts::*;
pub use record::*;
pub use sync::*;
