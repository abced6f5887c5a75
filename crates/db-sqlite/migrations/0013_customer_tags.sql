-- Customer tags that operators define by rules (portal_marketing::tags), their members, and how
-- far the incremental recomputation has read.
CREATE TABLE customer_tags (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    rule        TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    size        INTEGER NOT NULL DEFAULT 0,
    -- When the members were last worked out over every customer; none until then.
    computed_at INTEGER
);
CREATE TABLE customer_tag_members (
    tag_id  TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (tag_id, user_id)
);
CREATE INDEX customer_tag_members_by_user ON customer_tag_members (user_id);
-- Behaviour received since this time has not been applied to the tags yet.
CREATE TABLE customer_tag_progress (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    events_through INTEGER NOT NULL,
    full_at        INTEGER NOT NULL
);
CREATE INDEX behaviour_events_received ON behaviour_events (received_at) WHERE user_id IS NOT NULL;

-- A promoter may see a customer's view while serving them, after the customer gave the code sent
-- to their phone.
CREATE TABLE counter_grants (
    promoter_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    store_id    TEXT,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (promoter_id, customer_id)
);
