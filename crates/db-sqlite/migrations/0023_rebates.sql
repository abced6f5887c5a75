-- Rebates: the order center's rules and the rebates settled, one per dealer, rule and period
-- (bounded by dealers × rules × periods: 24,000 dealers × a few rules × 12 months a year).
CREATE TABLE rebate_rules (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    body       TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE rebate_credits (
    dealer_id    TEXT NOT NULL REFERENCES dealers (id),
    rule_id      TEXT NOT NULL REFERENCES rebate_rules (id),
    period       TEXT NOT NULL,
    sell_in      INTEGER NOT NULL,
    sell_through INTEGER NOT NULL,
    basis        INTEGER NOT NULL,
    tier         INTEGER,
    amount       INTEGER NOT NULL CHECK (amount >= 0),
    settled_at   INTEGER NOT NULL,
    PRIMARY KEY (dealer_id, rule_id, period)
);
CREATE INDEX rebate_credits_by_time ON rebate_credits (dealer_id, settled_at DESC);
-- A dealer's shipments counted in, by time (sell-in for rebates).
CREATE INDEX shipments_received ON shipments (order_id, received_at) WHERE received_at IS NOT NULL;
