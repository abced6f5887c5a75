-- Distribution: dealers' orders to the brand, their credit, their shipments to the stores they
-- supply. Orders, their lines, steps and shipments are the record of trade between the brand and
-- its dealers and are kept (bounded by what dealers order, a few orders a week each, not by
-- traffic: 24,000 dealers make ~2M lines in years); credit_lines is the balance the append-only
-- credit_movements add up to, updated in the same transaction as each movement.
--
-- The users table is rebuilt to allow the business manager role (SQLite cannot alter a CHECK);
-- the migration runs with foreign keys off and is checked before it commits.
CREATE TABLE users_new (
    id                     TEXT PRIMARY KEY,
    display_name           TEXT NOT NULL,
    role                   TEXT NOT NULL CHECK (role IN (
        'consumer', 'promoter', 'store_manager', 'distributor', 'business_manager', 'operator', 'admin')),
    store_id               TEXT REFERENCES stores (id),
    dealer_id              TEXT REFERENCES dealers (id),
    password_hash          TEXT,
    created_at             INTEGER NOT NULL,
    discount_limit_percent INTEGER CHECK (discount_limit_percent BETWEEN 0 AND 100),
    birthday               TEXT,
    CHECK (role NOT IN ('promoter', 'store_manager') OR store_id IS NOT NULL),
    CHECK (role <> 'distributor' OR dealer_id IS NOT NULL)
);
INSERT INTO users_new (id, display_name, role, store_id, dealer_id, password_hash, created_at,
                       discount_limit_percent, birthday)
    SELECT id, display_name, role, store_id, dealer_id, password_hash, created_at,
           discount_limit_percent, birthday FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_by_birthday ON users (birthday) WHERE birthday IS NOT NULL;

-- The business manager who looks after each dealer (one each), and the stores a dealer supplies.
CREATE TABLE dealer_managers (
    dealer_id  TEXT PRIMARY KEY REFERENCES dealers (id),
    manager_id TEXT NOT NULL REFERENCES users (id),
    since      INTEGER NOT NULL
);
CREATE INDEX dealer_managers_by_manager ON dealer_managers (manager_id);
CREATE TABLE dealer_stores (
    dealer_id TEXT NOT NULL REFERENCES dealers (id),
    store_id  TEXT NOT NULL REFERENCES stores (id),
    PRIMARY KEY (dealer_id, store_id)
);
CREATE INDEX dealer_stores_by_store ON dealer_stores (store_id);

-- Minimum order quantities and case packs by SKU (absent: one unit, any quantity).
CREATE TABLE order_rules (
    sku       TEXT PRIMARY KEY,
    min_order INTEGER NOT NULL CHECK (min_order >= 1),
    case_pack INTEGER NOT NULL CHECK (case_pack >= 1)
);

CREATE TABLE credit_lines (
    dealer_id    TEXT PRIMARY KEY REFERENCES dealers (id),
    credit_limit INTEGER NOT NULL CHECK (credit_limit >= 0),
    reserved     INTEGER NOT NULL CHECK (reserved >= 0),
    receivables  INTEGER NOT NULL CHECK (receivables >= 0),
    updated_at   INTEGER NOT NULL
);
CREATE TABLE credit_movements (
    id        INTEGER PRIMARY KEY,
    dealer_id TEXT NOT NULL REFERENCES dealers (id),
    kind      TEXT NOT NULL CHECK (kind IN ('limit', 'reserve', 'release', 'invoice', 'payment')),
    amount    INTEGER NOT NULL,
    order_id  TEXT,
    by_user   TEXT NOT NULL,
    reason    TEXT,
    at        INTEGER NOT NULL
);
CREATE INDEX credit_movements_by_dealer ON credit_movements (dealer_id, at);
-- A payment is booked once per dealer and the payer's reference (kept as its reason).
CREATE UNIQUE INDEX credit_payments_once ON credit_movements (dealer_id, reason) WHERE kind = 'payment';

CREATE TABLE orders (
    id          TEXT PRIMARY KEY,
    dealer_id   TEXT NOT NULL REFERENCES dealers (id),
    ship_to     TEXT NOT NULL REFERENCES stores (id),
    status      TEXT NOT NULL,
    shortfall   TEXT NOT NULL CHECK (shortfall IN ('back_order', 'cancel_the_rest')),
    total       INTEGER NOT NULL CHECK (total >= 0),
    credit_held INTEGER NOT NULL CHECK (credit_held >= 0),
    placed_by   TEXT NOT NULL REFERENCES users (id),
    body_hash   TEXT NOT NULL,
    note        TEXT,
    placed_at   INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX orders_by_dealer ON orders (dealer_id, placed_at DESC, id DESC);
CREATE INDEX orders_by_time ON orders (placed_at DESC, id DESC);
-- A dealer's distributors, told of each step of its orders.
CREATE INDEX users_by_dealer ON users (dealer_id, role) WHERE dealer_id IS NOT NULL;
CREATE INDEX orders_open ON orders (status, placed_at)
    WHERE status IN ('price_review', 'credit_review', 'confirmed', 'allocated', 'partly_shipped');
CREATE TABLE order_lines (
    order_id    TEXT NOT NULL REFERENCES orders (id),
    line        INTEGER NOT NULL,
    sku         TEXT NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    unit_price  INTEGER NOT NULL CHECK (unit_price > 0),
    list_price  INTEGER NOT NULL CHECK (list_price > 0),
    floor       INTEGER,
    below_floor INTEGER NOT NULL,
    -- A price asked below the dealer's price: the order went to price review.
    special_price INTEGER NOT NULL,
    shipped     INTEGER NOT NULL DEFAULT 0,
    received    INTEGER NOT NULL DEFAULT 0,
    cancelled   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (order_id, line),
    CHECK (shipped + cancelled <= quantity),
    CHECK (received <= shipped)
);
CREATE TABLE order_steps (
    order_id TEXT NOT NULL REFERENCES orders (id),
    seq      INTEGER NOT NULL,
    status   TEXT NOT NULL,
    action   TEXT NOT NULL,
    by_user  TEXT NOT NULL,
    reason   TEXT,
    at       INTEGER NOT NULL,
    PRIMARY KEY (order_id, seq)
);
CREATE TABLE shipments (
    id          TEXT PRIMARY KEY,
    order_id    TEXT NOT NULL REFERENCES orders (id),
    store_id    TEXT NOT NULL REFERENCES stores (id),
    shipped_by  TEXT NOT NULL,
    shipped_at  INTEGER NOT NULL,
    received_at INTEGER,
    received_by TEXT,
    -- The shipment's lines as sent: a retry of its id with other lines is refused.
    lines_hash  TEXT NOT NULL
);
CREATE INDEX shipments_by_order ON shipments (order_id);
CREATE INDEX shipments_expected ON shipments (store_id, shipped_at) WHERE received_at IS NULL;
CREATE TABLE shipment_lines (
    shipment_id TEXT NOT NULL REFERENCES shipments (id),
    sku         TEXT NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    received    INTEGER NOT NULL DEFAULT 0,
    damaged     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (shipment_id, sku),
    CHECK (received + damaged <= quantity)
);
