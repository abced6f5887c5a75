-- Shifts and returns made on this device, written in the same transaction as their outbox rows, so
-- the counter can check what the server will: a sale needs an open shift, a shift closes once, a
-- return takes back no more than was bought. The server remains the ledger of record.

CREATE TABLE pos_shifts (
    shift_id     TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL,
    store_id     TEXT NOT NULL,
    opening_cash INTEGER NOT NULL,
    opened_at    INTEGER NOT NULL,
    closed_at    INTEGER
);
-- At most one open shift per account and store on a device.
CREATE UNIQUE INDEX pos_shifts_open ON pos_shifts (user_id, store_id) WHERE closed_at IS NULL;

CREATE TABLE pos_returns (
    return_id     TEXT PRIMARY KEY,
    op_id         TEXT NOT NULL UNIQUE,
    sale_id       TEXT NOT NULL,
    -- The StoreAction::Return as JSON, and the refund worked out at the counter.
    body          TEXT NOT NULL,
    refund        INTEGER NOT NULL,
    refund_method TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX pos_returns_by_sale ON pos_returns (sale_id);
