-- Triggered offers: operators' triggers, and the customers' inboxes they write to. A trigger sends
-- once per fact (trigger, customer, fact key) and at most once per cooldown to a customer.
CREATE TABLE triggers (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL,
    title_zh      TEXT NOT NULL,
    title_en      TEXT NOT NULL,
    body_zh       TEXT NOT NULL,
    body_en       TEXT NOT NULL,
    cooldown_days INTEGER NOT NULL,
    active        INTEGER NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    -- Facts before this (its creation, or when it was last resumed) set it off no more.
    active_since  INTEGER NOT NULL
);
CREATE TABLE inbox_messages (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL,
    trigger_id     TEXT NOT NULL,
    fact_key       TEXT NOT NULL,
    kind           TEXT NOT NULL,
    title_zh       TEXT NOT NULL,
    title_en       TEXT NOT NULL,
    body_zh        TEXT NOT NULL,
    body_en        TEXT NOT NULL,
    recommendation TEXT NOT NULL,
    models         TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    -- When what set it off happened: the cooldown is counted between facts.
    fact_at        INTEGER NOT NULL,
    read_at        INTEGER,
    UNIQUE (trigger_id, user_id, fact_key)
);
CREATE INDEX inbox_messages_by_user ON inbox_messages (user_id, created_at);
CREATE INDEX inbox_messages_by_trigger_user ON inbox_messages (trigger_id, user_id, fact_at);
-- What the passes read: new sessions, customers' sales, stock in, birthdays.
CREATE INDEX sessions_by_created ON sessions (created_at);
CREATE INDEX sales_of_customers_by_time ON sales (device_at) WHERE customer_id IS NOT NULL;
CREATE INDEX stock_in_by_time ON stock_movements (device_at) WHERE quantity > 0;
