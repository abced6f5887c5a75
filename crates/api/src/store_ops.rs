//! Store operations: what a promoter's device sends (each operation with a client-generated id,
//! applied by the server exactly once) and the reports it reads. Money in fen, quantities in units.
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SampleState {
    Requested,
    InTransit,
    OnDisplay,
    UnderRepair,
    Returned,
    SoldExDisplay,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MovementKind {
    /// Goods in from the distributor or the brand.
    Receipt,
    /// Sent to another store (out of this one at once).
    TransferOut,
    /// Received from another store's transfer.
    TransferIn,
    Sale,
    /// A customer's return, back into stock.
    Return,
    /// A correction with a reason (damage, loss, found).
    Adjustment,
    /// The difference a stock count found.
    Count,
    /// A gift handed over with a sale (gift stock is counted like any other).
    GiftIssued,
    /// A gift brought back with its sale's return.
    GiftReturned,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Cash,
    Card,
    QrWallet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Payment {
    pub method: PaymentMethod,
    /// What was handed over, in fen (for cash, possibly more than owed).
    pub amount: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct SaleLine {
    pub sku: String,
    pub quantity: i64,
    /// The price per unit at the time of sale (a running promotion's price, if any), in fen.
    pub unit_price: i64,
    /// Taken off this line, in fen.
    pub discount: i64,
    /// The serial number of a serialised product (TVs, ACs, fridges); such a line is one unit.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct SkuQuantity {
    pub sku: String,
    pub quantity: i64,
}

/// One SKU of a shipment as the store counted it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct CountedLine {
    pub sku: String,
    pub received: i64,
    #[serde(default)]
    pub damaged: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ReturnLine {
    /// The line's position in the original sale.
    pub line: usize,
    pub quantity: i64,
}

/// One operation made at a store, possibly offline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct StoreOp {
    /// Client-generated (UUID v7); the server applies each id once.
    pub id: Uuid,
    pub store_id: Uuid,
    /// Unix seconds on the device when it was made.
    pub device_at: i64,
    pub action: StoreAction,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StoreAction {
    OpenShift {
        shift_id: Uuid,
        opening_cash: i64,
    },
    /// Counted cash per payment method against the expected amounts; a difference needs a reason.
    CloseShift {
        shift_id: Uuid,
        counted: Vec<Payment>,
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    Sale {
        sale_id: Uuid,
        shift_id: Uuid,
        /// Printed on the receipt; unique per device (the device's prefix and a counter).
        receipt_no: String,
        /// The customer's phone, to link the sale to their unified account.
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        customer_phone: Option<String>,
        /// The customer agreed to an account being created for them if they have none.
        #[serde(default)]
        customer_consent: bool,
        lines: Vec<SaleLine>,
        #[serde(default)]
        order_discount: i64,
        payments: Vec<Payment>,
        /// Gifts handed over with the sale, from the store's gift stock.
        #[serde(default)]
        gifts: Vec<SkuQuantity>,
        /// The bundle offer shown at the counter with this sale, and what the customer took.
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        offer: Option<crate::CounterOffer>,
        /// An e-coupon the customer showed, checked on the device, and what it took off (part of
        /// `order_discount`).
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        coupon: Option<crate::SaleCoupon>,
    },
    /// Takes back lines of a sale (partly or wholly), into stock, with the refund worked out by the server.
    Return {
        return_id: Uuid,
        sale_id: Uuid,
        lines: Vec<ReturnLine>,
        /// The sale's gifts come back with it.
        #[serde(default)]
        gifts: Vec<SkuQuantity>,
        refund_method: PaymentMethod,
        /// The shift whose till pays the refund. The app sends the shift open on the device; when
        /// absent the server takes the promoter's shift open at the store at that moment.
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        shift_id: Option<Uuid>,
    },
    /// Goods in from the distributor or the brand.
    Receipt {
        lines: Vec<SkuQuantity>,
        source: String,
    },
    TransferOut {
        transfer_id: Uuid,
        to_store: Uuid,
        lines: Vec<SkuQuantity>,
    },
    /// Receives a transfer another store sent (its lines come from the sending side).
    TransferIn {
        transfer_id: Uuid,
    },
    /// Counts in a shipment of a dealer's order: per SKU, what arrived good (booked into stock)
    /// and damaged; what neither counts is short. It marks the order received once every
    /// shipment of it has been counted.
    ShipmentIn {
        shipment_id: Uuid,
        lines: Vec<CountedLine>,
    },
    Adjustment {
        sku: String,
        /// Signed: positive found, negative lost or damaged.
        quantity: i64,
        reason: String,
    },
    /// What was counted on the shelves; the differences are posted.
    StockCount {
        counted: Vec<SkuQuantity>,
    },
    SampleRegister {
        serial: String,
        sku: String,
        location: String,
    },
    /// Moves a display unit from the state the device saw to another.
    SampleChange {
        serial: String,
        from: SampleState,
        to: SampleState,
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        location: Option<String>,
    },
    /// Every serial scanned on the floor; units on display but not scanned are flagged missing.
    SampleAudit {
        scanned: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct StoreOps {
    pub ops: Vec<StoreOp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OpStatus {
    /// Applied now.
    Applied,
    /// Applied before (a retry); the outcome is the one recorded then.
    Duplicate,
    /// Refused by a rule; nothing of it was applied. The device should show why and drop it.
    Rejected,
}

/// Something a store manager should look at, recorded with an accepted operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OpFlag {
    /// The sale took the SKU's stock below zero.
    NegativeStock { sku: String, on_hand: i64 },
    /// This serial was already sold in another sale.
    SerialSoldTwice { serial: String },
    /// A counted shift differs from what was expected.
    CashDifference { method: PaymentMethod, difference: i64 },
    /// A display unit expected on the floor was not scanned.
    SampleMissing { serial: String },
    /// Sold below the catalog's price (the list price, or the promotion running then) by more
    /// than the person's discount limit: a line (`line`), or the sale as a whole (no line).
    PriceBelowLimit {
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        line: Option<usize>,
        #[ts(optional)]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sku: Option<String>,
        /// What the catalog price comes to, in fen.
        expected: i64,
        /// What was charged, in fen.
        charged: i64,
        /// The most the person could take off, in fen.
        allowed: i64,
    },
    /// A serialised product (TV, fridge, washer, AC) sold without its serial number.
    SerialMissing { line: usize, sku: String },
    /// A SKU the catalog does not know.
    UnknownSku { line: usize, sku: String },
    /// The sale or return named a shift that is not open at this store (closed, unknown, or
    /// another store's): its money is in no till of this store.
    ShiftNotOpen { shift_id: Uuid },
    /// A refund with no open till at the store to pay it from.
    NoOpenTill,
    /// The device's clock was far off (`device_at`, unix seconds): the operation was applied at
    /// the server's time.
    ClockSkew { device_at: i64 },
    /// Made at a store the person no longer works at, before they were moved: accepted by their
    /// assignment at that time, for the store's manager to look at.
    MadeBeforeMove,
    /// The sale's time (`device_at`) was not believable for its prices (more than a day back, or
    /// ahead of the server), so it was priced at the server's time: a price flag beside this one
    /// may be a promotion that ended while the tablet was offline.
    PricedAtServerTime { device_at: i64 },
    /// The device set the operation aside without the server applying it (a row its app could
    /// no longer read, or one refused for good): what it did never reached the ledger.
    SetAsideOnDevice,
    /// A shipment counted in with units neither received nor reported damaged.
    ShipmentShort { sku: String, short: i64 },
    /// A shipment counted in with damaged units (not booked into stock).
    ShipmentDamaged { sku: String, damaged: i64 },
    /// The sale's e-coupon was redeemed already, by another sale (two offline tablets took it):
    /// the sale stands, the coupon counts once, and the campaign's report shows this use.
    CouponUsedTwice { coupon: Uuid },
    /// The sale's e-coupon was not ours (its signature does not hold), names no campaign with a
    /// coupon, or its campaign withdrew it (was stopped): nothing was redeemed.
    CouponNotValid,
    /// The sale's e-coupon did not apply as the server reads it (expired, another store, below
    /// its minimum…; `reason` as `CouponRefusal` words it) or took off more than it gives
    /// (`allowed`, in fen): redeemed, for the manager to look at.
    CouponMisapplied { coupon: Uuid, reason: String, allowed: i64 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct OpOutcome {
    pub id: Uuid,
    pub status: OpStatus,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<crate::ApiError>,
    #[serde(default)]
    pub flags: Vec<OpFlag>,
    /// For a refused sample change: the state the unit is really in.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_state: Option<SampleState>,
    /// For a return: what is refunded, in fen.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct StoreOpsResult {
    /// One per operation sent, in order. Every one is acknowledged: applied, a duplicate, or rejected.
    pub outcomes: Vec<OpOutcome>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct StockLevel {
    pub sku: String,
    pub on_hand: i64,
    /// Below zero, or at or below the low-stock level.
    pub low: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct StockReport {
    pub store_id: Uuid,
    pub levels: Vec<StockLevel>,
    /// How many movements the levels sum.
    pub movements: u32,
    /// Whether the running balances (what sales check) equal the sums of the ledger.
    pub balances_agree: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct AmountByKey {
    pub key: String,
    pub quantity: i64,
    pub amount: i64,
}

/// One store's day (the device's local day of each operation, UTC+8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct DayReport {
    pub store_id: Uuid,
    /// YYYY-MM-DD.
    pub day: String,
    pub sales: u32,
    pub sales_amount: i64,
    pub returns: u32,
    pub refunds_amount: i64,
    pub by_product: Vec<AmountByKey>,
    pub by_promoter: Vec<AmountByKey>,
    /// Per closed shift and method: counted minus expected.
    pub cash_differences: Vec<AmountByKey>,
    pub samples_by_state: Vec<AmountByKey>,
    pub flags: Vec<OpFlag>,
    /// Per SKU the store held or moved that day: on hand at its start, in, out, on hand at its end.
    #[serde(default)]
    pub stock: Vec<DayStock>,
}

/// One SKU's stock over a store's day, from the ledger (movements by the device's time, UTC+8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct DayStock {
    pub sku: String,
    pub opening: i64,
    /// Units in: goods received, transfers in, returns, found, counted up.
    pub moved_in: i64,
    /// Units out: sales, gifts, transfers out, lost, counted down.
    pub moved_out: i64,
    /// `opening + moved_in - moved_out`.
    pub closing: i64,
}

/// A customer's purchases across stores, from their unified account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct Purchase {
    pub sale_id: Uuid,
    pub store_id: Uuid,
    pub receipt_no: String,
    pub total: i64,
    pub lines: Vec<SaleLine>,
    pub device_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct PurchaseList {
    pub purchases: Vec<Purchase>,
}

/// One step of a display unit's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct SampleEvent {
    pub state: SampleState,
    pub location: String,
    /// Unix seconds on the device that made the change.
    pub at: i64,
}

/// A display unit (sample) registered at a store, with its dated history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct SampleUnit {
    pub serial: String,
    pub sku: String,
    pub state: SampleState,
    pub location: String,
    pub updated_at: i64,
    /// Oldest first.
    pub history: Vec<SampleEvent>,
    /// The states it may move to from here (the state machine's rule, so screens need not know it).
    pub next_states: Vec<SampleState>,
    /// Whether an audit of the floor should find it.
    pub expected_on_floor: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct SampleList {
    pub store_id: Uuid,
    pub samples: Vec<SampleUnit>,
}

/// A transfer sent and not yet received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct OpenTransfer {
    pub transfer_id: Uuid,
    pub from_store: Uuid,
    pub to_store: Uuid,
    pub lines: Vec<SkuQuantity>,
    pub sent_at: i64,
}

/// A store's transfers in flight, and the stores it can send to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct TransferList {
    pub store_id: Uuid,
    /// Sent to this store, waiting to be received here.
    pub incoming: Vec<OpenTransfer>,
    /// Sent from this store, not yet received at the other end.
    pub outgoing: Vec<OpenTransfer>,
    /// The other stores.
    pub stores: Vec<crate::Store>,
}

/// A sale as the server recorded it, found by its receipt number so that any device of the store can
/// take it back (the customer returns to another counter).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct StoreSale {
    pub sale_id: Uuid,
    pub store_id: Uuid,
    pub receipt_no: String,
    /// The sale as it was made (a `StoreAction` of type `sale`), without the customer's phone.
    pub sale: StoreAction,
    pub total: i64,
    pub change: i64,
    /// Unix seconds on the device that made it.
    pub device_at: i64,
    /// Units of each line returned so far, at any device.
    pub returned: Vec<i64>,
    /// What those returns refunded, in fen.
    pub refunded: i64,
    /// The returns applied so far, so that a device can tell which of its own are counted here.
    pub return_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct StoreSaleList {
    /// Newest first; usually one (receipt numbers are unique per device).
    pub sales: Vec<StoreSale>,
}

/// An operation a device set aside without the server applying it, reported so that the store's
/// manager hears of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct SetAsideOp {
    pub op_id: Uuid,
    /// The store the operation was made at, when the device could still read it.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<Uuid>,
    /// The outbox kind of the operation (`store_op`, or one this version does not know).
    pub kind: String,
    /// Why the device set it aside.
    pub error: crate::ApiError,
    /// When the operation was made (unix seconds on the device), when the device could still read it.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub made_at: Option<i64>,
    /// Unix seconds on the device.
    pub set_aside_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct SetAsideReport {
    pub ops: Vec<SetAsideOp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct SetAsideAck {
    /// Every reported operation: the device need not report them again.
    pub acked: Vec<Uuid>,
}

/// An operation at a store that the server flagged (stock below zero, a serial sold twice, a cash
/// difference, a display unit missing), for the store's manager.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct StoreFlagEvent {
    /// Increasing; the list's cursor is the last one read.
    pub seq: i64,
    pub op_id: Uuid,
    pub store_id: Uuid,
    /// Who made the operation (their display name).
    pub by: String,
    pub flags: Vec<OpFlag>,
    /// Why the operation was refused, for one the server refused by a rule (the device that made
    /// it set it aside): its manager hears of it too.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<crate::ApiError>,
    /// Unix seconds on the device that made it.
    pub device_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct StoreFlagList {
    pub store_id: Uuid,
    /// Oldest first, after the cursor asked for (none when no cursor was given: the answer then
    /// only says where "from now on" starts).
    pub events: Vec<StoreFlagEvent>,
    /// Pass as `after` next time.
    pub cursor: i64,
    /// More events wait after these.
    pub has_more: bool,
}
