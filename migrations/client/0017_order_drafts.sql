-- A dealer's orders being written on this device (a cart, pasted lines, a reorder), kept offline
-- until sent. A draft sent is in the outbox (kind 'dealer_order', the order's id its op id) and
-- leaves here when the server acknowledges it; one the server refused for good stays, with why.
CREATE TABLE IF NOT EXISTS order_drafts (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS order_drafts_by_user ON order_drafts (user_id, updated_at);
