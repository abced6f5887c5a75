-- The server's schema on PostgreSQL: the same tables as SQLite's migrations 0001–0009 end with,
-- ids kept as text (the same strings as SQLite's, so `portal-server migrate` copies rows as they
-- are), times as unix seconds, JSON as text. Unlike SQLite, identity columns number the rows.

CREATE TABLE stores (
    id   TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    city TEXT NOT NULL
);

CREATE TABLE dealers (
    id     TEXT PRIMARY KEY,
    code   TEXT NOT NULL UNIQUE,
    name   TEXT NOT NULL,
    region TEXT NOT NULL
);

CREATE TABLE users (
    id                     TEXT PRIMARY KEY,
    display_name           TEXT NOT NULL,
    role                   TEXT NOT NULL
        CHECK (role IN ('consumer', 'promoter', 'store_manager', 'distributor', 'operator', 'admin')),
    store_id               TEXT REFERENCES stores (id),
    dealer_id              TEXT REFERENCES dealers (id),
    password_hash          TEXT,
    created_at             BIGINT NOT NULL,
    discount_limit_percent BIGINT CHECK (discount_limit_percent BETWEEN 0 AND 100),
    CHECK (role NOT IN ('promoter', 'store_manager') OR store_id IS NOT NULL),
    CHECK (role <> 'distributor' OR dealer_id IS NOT NULL)
);

CREATE TABLE identities (
    kind      TEXT NOT NULL CHECK (kind IN ('phone', 'email', 'username', 'legacy')),
    value     TEXT NOT NULL,
    user_id   TEXT NOT NULL REFERENCES users (id),
    verified  BOOLEAN NOT NULL,
    linked_at BIGINT NOT NULL,
    PRIMARY KEY (kind, value)
);
CREATE INDEX identities_by_user ON identities (user_id);

CREATE TABLE verification_codes (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel     TEXT NOT NULL,
    target      TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    code_hash   TEXT NOT NULL,
    client_ip   TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    attempts    BIGINT NOT NULL DEFAULT 0,
    consumed_at BIGINT
);
CREATE INDEX codes_by_target ON verification_codes (target, purpose, created_at);
CREATE INDEX codes_by_ip ON verification_codes (client_ip, created_at);
CREATE INDEX verification_codes_by_time ON verification_codes (created_at);

CREATE TABLE login_failures (
    login           TEXT PRIMARY KEY,
    failures        BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL,
    locked_until    BIGINT
);
CREATE INDEX login_failures_by_time ON login_failures (last_failure_at);

CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id),
    device_name     TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    last_seen_at    BIGINT NOT NULL,
    generation      BIGINT NOT NULL,
    rotated_at      BIGINT NOT NULL,
    revoked_at      BIGINT,
    revoke_reason   TEXT,
    current_used_at BIGINT
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE catalog_meta (
    id           BIGINT PRIMARY KEY CHECK (id = 1),
    epoch        TEXT NOT NULL,
    last_version BIGINT NOT NULL
);
INSERT INTO catalog_meta (id, epoch, last_version) VALUES (1, substr(md5(random()::text), 1, 16), 0);

CREATE TABLE catalog_items (
    kind    TEXT NOT NULL CHECK (kind IN ('category', 'product', 'store', 'image')),
    code    TEXT NOT NULL,
    version BIGINT NOT NULL UNIQUE,
    body    TEXT,
    PRIMARY KEY (kind, code)
);

CREATE TABLE favourites (
    user_id    TEXT NOT NULL REFERENCES users (id),
    model      TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('favourite', 'follow')),
    active     BOOLEAN NOT NULL,
    changed_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, model, kind)
);

CREATE TABLE applied_ops (
    op_id      TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    applied_at BIGINT NOT NULL,
    body_hash  TEXT
);

-- `seq` orders the log for the managers' flags feed; a store's writers take its lock, so its
-- rows commit in `seq` order and a cursor never skips one.
CREATE TABLE store_op_log (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    op_id      TEXT PRIMARY KEY,
    store_id   TEXT NOT NULL REFERENCES stores (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    day        TEXT NOT NULL,
    device_at  BIGINT NOT NULL,
    applied_at BIGINT NOT NULL,
    body_hash  TEXT
);
CREATE INDEX store_op_log_by_day ON store_op_log (store_id, day);
CREATE INDEX store_op_log_by_store ON store_op_log (store_id, seq);

CREATE TABLE shifts (
    id           TEXT PRIMARY KEY,
    store_id     TEXT NOT NULL REFERENCES stores (id),
    promoter_id  TEXT NOT NULL REFERENCES users (id),
    opened_at    BIGINT NOT NULL,
    opening_cash BIGINT NOT NULL,
    closed_at    BIGINT,
    close_day    TEXT,
    counted      TEXT,
    expected     TEXT,
    reason       TEXT
);
CREATE INDEX shifts_by_store ON shifts (store_id, promoter_id);

CREATE TABLE sales (
    id           TEXT PRIMARY KEY,
    store_id     TEXT NOT NULL REFERENCES stores (id),
    promoter_id  TEXT NOT NULL REFERENCES users (id),
    shift_id     TEXT NOT NULL,
    receipt_no   TEXT NOT NULL,
    customer_id  TEXT REFERENCES users (id),
    gross        BIGINT NOT NULL,
    discounts    BIGINT NOT NULL,
    total        BIGINT NOT NULL,
    paid         BIGINT NOT NULL,
    change_given BIGINT NOT NULL,
    day          TEXT NOT NULL,
    device_at    BIGINT NOT NULL
);
CREATE INDEX sales_by_day ON sales (store_id, day);
CREATE INDEX sales_by_customer ON sales (customer_id, device_at);
CREATE INDEX sales_by_shift ON sales (shift_id);
CREATE INDEX sales_by_receipt ON sales (store_id, receipt_no);

CREATE TABLE sale_lines (
    sale_id    TEXT NOT NULL REFERENCES sales (id),
    line       BIGINT NOT NULL,
    sku        TEXT NOT NULL,
    quantity   BIGINT NOT NULL,
    unit_price BIGINT NOT NULL,
    discount   BIGINT NOT NULL,
    net        BIGINT NOT NULL,
    serial     TEXT,
    returned   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (sale_id, line)
);
CREATE INDEX sale_lines_by_serial ON sale_lines (serial) WHERE serial IS NOT NULL;

CREATE TABLE sale_payments (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sale_id TEXT NOT NULL REFERENCES sales (id),
    method  TEXT NOT NULL,
    amount  BIGINT NOT NULL
);
CREATE INDEX sale_payments_by_sale ON sale_payments (sale_id);

CREATE TABLE sale_gifts (
    sale_id  TEXT NOT NULL REFERENCES sales (id),
    sku      TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    returned BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (sale_id, sku)
);

CREATE TABLE sale_returns (
    id            TEXT PRIMARY KEY,
    sale_id       TEXT NOT NULL REFERENCES sales (id),
    store_id      TEXT NOT NULL REFERENCES stores (id),
    promoter_id   TEXT NOT NULL REFERENCES users (id),
    refund        BIGINT NOT NULL,
    refund_method TEXT NOT NULL,
    day           TEXT NOT NULL,
    device_at     BIGINT NOT NULL,
    shift_id      TEXT
);
CREATE INDEX sale_returns_by_day ON sale_returns (store_id, day);
CREATE INDEX sale_returns_by_shift ON sale_returns (shift_id);
CREATE INDEX sale_returns_by_sale ON sale_returns (sale_id);

CREATE TABLE stock_movements (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    store_id  TEXT NOT NULL REFERENCES stores (id),
    sku       TEXT NOT NULL,
    kind      TEXT NOT NULL,
    quantity  BIGINT NOT NULL CHECK (quantity <> 0),
    op_id     TEXT NOT NULL REFERENCES store_op_log (op_id) DEFERRABLE INITIALLY DEFERRED,
    reason    TEXT,
    device_at BIGINT NOT NULL
);
CREATE INDEX stock_movements_by_sku ON stock_movements (store_id, sku);
CREATE INDEX stock_movements_by_op ON stock_movements (op_id);

CREATE TABLE stock_balances (
    store_id TEXT NOT NULL REFERENCES stores (id),
    sku      TEXT NOT NULL,
    on_hand  BIGINT NOT NULL,
    PRIMARY KEY (store_id, sku)
);

CREATE TABLE transfers (
    id          TEXT PRIMARY KEY,
    from_store  TEXT NOT NULL REFERENCES stores (id),
    to_store    TEXT NOT NULL REFERENCES stores (id),
    lines       TEXT NOT NULL,
    sent_at     BIGINT NOT NULL,
    received_at BIGINT
);

CREATE TABLE transfer_waits (
    transfer_id TEXT PRIMARY KEY,
    to_store    TEXT NOT NULL REFERENCES stores (id),
    op_id       TEXT NOT NULL,
    device_at   BIGINT NOT NULL
);

CREATE TABLE samples (
    serial     TEXT PRIMARY KEY,
    store_id   TEXT NOT NULL REFERENCES stores (id),
    sku        TEXT NOT NULL,
    state      TEXT NOT NULL,
    location   TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX samples_by_store ON samples (store_id, state);

CREATE TABLE sample_history (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    serial   TEXT NOT NULL REFERENCES samples (serial),
    state    TEXT NOT NULL,
    location TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    op_id    TEXT NOT NULL,
    at       BIGINT NOT NULL
);
CREATE INDEX sample_history_by_serial ON sample_history (serial, at);

CREATE TABLE store_managers (
    user_id  TEXT NOT NULL REFERENCES users (id),
    store_id TEXT NOT NULL REFERENCES stores (id),
    PRIMARY KEY (user_id, store_id)
);
CREATE INDEX store_managers_by_store ON store_managers (store_id);

CREATE TABLE store_assignments (
    user_id    TEXT NOT NULL REFERENCES users (id),
    store_id   TEXT NOT NULL REFERENCES stores (id),
    started_at BIGINT NOT NULL,
    ended_at   BIGINT
);
CREATE INDEX store_assignments_by_user ON store_assignments (user_id, store_id);

-- Messages the embedded sender delivered in dev mode (see crates/db-sqlite/migrations/0010_dev_messages.sql).
CREATE TABLE dev_messages (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient TEXT NOT NULL,
    channel   TEXT NOT NULL,
    sealed    TEXT NOT NULL,
    sent_at   BIGINT NOT NULL
);
CREATE INDEX dev_messages_by_recipient ON dev_messages (recipient, id);
