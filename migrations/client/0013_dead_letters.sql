-- Operations set aside: refused for good by the server, or no longer readable by this version.
-- They never block the queue behind them, and are kept (not dropped) so that a person can see
-- what happened. Customers' phone numbers are taken out when an operation is set aside.
CREATE TABLE IF NOT EXISTS outbox_dead (
    op_id        TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    reason       TEXT NOT NULL,
    set_aside_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_dead_by_user ON outbox_dead (user_id, set_aside_at);
