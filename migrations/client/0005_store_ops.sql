-- Point of sale on the device. Each store operation is written to the outbox (kind 'store_op') in
-- the same transaction as its local record here, so a checkout is either whole (receipt and
-- outbox row) or absent. The server is the ledger of record; these tables are the device's view.

-- Receipts made on this device, for the screen, printing and reprints (offline too).
CREATE TABLE pos_receipts (
    sale_id    TEXT PRIMARY KEY,
    op_id      TEXT NOT NULL UNIQUE,
    user_id    TEXT NOT NULL,
    store_id   TEXT NOT NULL,
    receipt_no TEXT NOT NULL UNIQUE,
    -- The StoreAction::Sale as JSON, and the totals worked out at checkout.
    body       TEXT NOT NULL,
    total      INTEGER NOT NULL,
    change     INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

-- What the server answered for this device's operations, kept when it was a rejection or had flags.
CREATE TABLE pos_outcomes (
    op_id      TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    received_at INTEGER NOT NULL
);
