-- When the server was told of an operation set aside here, so that the store's manager hears of
-- it too; unset until then (reported with the next flush).
ALTER TABLE outbox_dead ADD COLUMN reported_at INTEGER;
