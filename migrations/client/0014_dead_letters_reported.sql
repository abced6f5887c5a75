-- Operations set aside here that the server was told of, so that the store's manager hears of
-- them too; one not listed is reported with the next flush.
CREATE TABLE IF NOT EXISTS outbox_dead_reported (
    op_id       TEXT PRIMARY KEY,
    reported_at INTEGER NOT NULL
);
