-- Allocation of scarce goods (货源分配) and demand plans (需求计划).
--
-- A line rationed by an allocation ships no more than its allocated units; how it was allocated
-- (basis, reason, when) is kept beside it as JSON for the order's page.
ALTER TABLE order_lines ADD COLUMN allocated INTEGER CHECK (allocated >= 0);
ALTER TABLE order_lines ADD COLUMN allocation TEXT;
CREATE INDEX order_lines_by_sku ON order_lines (sku, order_id);

-- Each run as made (its id the order center's, bound to its account and body) and what each
-- order was given: the record of who got what and why. Bounded by runs (a few per scarce SKU and
-- week) times the orders waiting (at most 10,000 per run).
CREATE TABLE allocation_runs (
    id             TEXT PRIMARY KEY,
    sku            TEXT NOT NULL,
    available      INTEGER NOT NULL CHECK (available >= 0),
    basis          TEXT NOT NULL CHECK (basis IN ('plan', 'history', 'ordered')),
    by_user        TEXT NOT NULL,
    body_hash      TEXT NOT NULL,
    orders         INTEGER NOT NULL,
    wanted         BIGINT NOT NULL,
    granted        BIGINT NOT NULL,
    at             BIGINT NOT NULL
);
CREATE INDEX allocation_runs_by_sku ON allocation_runs (sku, at);
CREATE TABLE allocation_grants (
    run_id          TEXT NOT NULL REFERENCES allocation_runs (id),
    order_id        TEXT NOT NULL REFERENCES orders (id),
    dealer_id       TEXT NOT NULL,
    wanted          INTEGER NOT NULL,
    granted         INTEGER NOT NULL,
    short           INTEGER NOT NULL,
    short_cancelled BOOLEAN NOT NULL,
    priority        INTEGER NOT NULL,
    weight          BIGINT NOT NULL,
    reason          TEXT NOT NULL,
    PRIMARY KEY (run_id, order_id)
);
CREATE INDEX allocation_grants_by_order ON allocation_grants (order_id);

-- Planned units per dealer, SKU and month (year * 12 + month - 1), set by the dealer's business
-- manager; bounded by dealers x SKUs planned x months (plans are made three months ahead).
CREATE TABLE demand_plans (
    dealer_id  TEXT NOT NULL REFERENCES dealers (id),
    sku        TEXT NOT NULL,
    month      INTEGER NOT NULL,
    quantity   INTEGER NOT NULL CHECK (quantity >= 0),
    by_user    TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (dealer_id, sku, month)
);
CREATE INDEX demand_plans_by_sku ON demand_plans (sku, month);
