-- Store operations: the ledger of record for sales, returns, stock, shifts and display units.
-- Every operation from a device carries a client-generated id; store_op_log records it, with its
-- outcome, in the same transaction as its effects, so a retried operation changes nothing and gets
-- the same answer. Stock is never a stored number: it is the sum of stock_movements.

CREATE TABLE store_op_log (
    op_id      TEXT PRIMARY KEY,
    store_id   TEXT NOT NULL REFERENCES stores (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL,
    -- The OpOutcome as JSON (applied or rejected, with flags).
    outcome    TEXT NOT NULL,
    -- The device's local day (UTC+8) of the operation, YYYY-MM-DD, for reports.
    day        TEXT NOT NULL,
    device_at  INTEGER NOT NULL,
    applied_at INTEGER NOT NULL
);
CREATE INDEX store_op_log_by_day ON store_op_log (store_id, day);

CREATE TABLE shifts (
    id           TEXT PRIMARY KEY,
    store_id     TEXT NOT NULL REFERENCES stores (id),
    promoter_id  TEXT NOT NULL REFERENCES users (id),
    opened_at    INTEGER NOT NULL,
    opening_cash INTEGER NOT NULL,
    closed_at    INTEGER,
    close_day    TEXT,
    -- JSON: [{method, amount}] counted and expected at close.
    counted      TEXT,
    expected     TEXT,
    reason       TEXT
);

CREATE TABLE sales (
    id           TEXT PRIMARY KEY,
    store_id     TEXT NOT NULL REFERENCES stores (id),
    promoter_id  TEXT NOT NULL REFERENCES users (id),
    shift_id     TEXT NOT NULL,
    receipt_no   TEXT NOT NULL,
    customer_id  TEXT REFERENCES users (id),
    gross        INTEGER NOT NULL,
    discounts    INTEGER NOT NULL,
    total        INTEGER NOT NULL,
    paid         INTEGER NOT NULL,
    change_given INTEGER NOT NULL,
    day          TEXT NOT NULL,
    device_at    INTEGER NOT NULL
);
CREATE INDEX sales_by_day ON sales (store_id, day);
CREATE INDEX sales_by_customer ON sales (customer_id, device_at);
CREATE INDEX sales_by_shift ON sales (shift_id);

CREATE TABLE sale_lines (
    sale_id    TEXT NOT NULL REFERENCES sales (id),
    line       INTEGER NOT NULL,
    sku        TEXT NOT NULL,
    quantity   INTEGER NOT NULL,
    unit_price INTEGER NOT NULL,
    discount   INTEGER NOT NULL,
    -- What the line finally cost, its share of the order discount included.
    net        INTEGER NOT NULL,
    serial     TEXT,
    returned   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (sale_id, line)
);
CREATE INDEX sale_lines_by_serial ON sale_lines (serial) WHERE serial IS NOT NULL;

CREATE TABLE sale_payments (
    sale_id TEXT NOT NULL REFERENCES sales (id),
    method  TEXT NOT NULL,
    amount  INTEGER NOT NULL
);
CREATE INDEX sale_payments_by_sale ON sale_payments (sale_id);

CREATE TABLE sale_gifts (
    sale_id  TEXT NOT NULL REFERENCES sales (id),
    sku      TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    returned INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (sale_id, sku)
);

CREATE TABLE sale_returns (
    id            TEXT PRIMARY KEY,
    sale_id       TEXT NOT NULL REFERENCES sales (id),
    store_id      TEXT NOT NULL REFERENCES stores (id),
    promoter_id   TEXT NOT NULL REFERENCES users (id),
    refund        INTEGER NOT NULL,
    refund_method TEXT NOT NULL,
    day           TEXT NOT NULL,
    device_at     INTEGER NOT NULL
);
CREATE INDEX sale_returns_by_day ON sale_returns (store_id, day);

CREATE TABLE stock_movements (
    id        INTEGER PRIMARY KEY,
    store_id  TEXT NOT NULL REFERENCES stores (id),
    sku       TEXT NOT NULL,
    kind      TEXT NOT NULL,
    -- Signed: positive into the store.
    quantity  INTEGER NOT NULL CHECK (quantity <> 0),
    op_id     TEXT NOT NULL REFERENCES store_op_log (op_id) DEFERRABLE INITIALLY DEFERRED,
    reason    TEXT,
    device_at INTEGER NOT NULL
);
CREATE INDEX stock_movements_by_sku ON stock_movements (store_id, sku);

CREATE TABLE transfers (
    id          TEXT PRIMARY KEY,
    from_store  TEXT NOT NULL REFERENCES stores (id),
    to_store    TEXT NOT NULL REFERENCES stores (id),
    -- JSON: [{sku, quantity}]
    lines       TEXT NOT NULL,
    sent_at     INTEGER NOT NULL,
    received_at INTEGER
);

CREATE TABLE samples (
    serial     TEXT PRIMARY KEY,
    store_id   TEXT NOT NULL REFERENCES stores (id),
    sku        TEXT NOT NULL,
    state      TEXT NOT NULL,
    location   TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX samples_by_store ON samples (store_id, state);

CREATE TABLE sample_history (
    serial   TEXT NOT NULL REFERENCES samples (serial),
    state    TEXT NOT NULL,
    location TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    op_id    TEXT NOT NULL,
    at       INTEGER NOT NULL
);
CREATE INDEX sample_history_by_serial ON sample_history (serial, at);
