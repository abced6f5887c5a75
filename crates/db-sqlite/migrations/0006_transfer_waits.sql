-- A transfer received before the sending store's device has reported sending it (the two devices
-- sync independently): the receipt is accepted and waits here; the send completes it.
CREATE TABLE transfer_waits (
    transfer_id TEXT PRIMARY KEY,
    to_store    TEXT NOT NULL REFERENCES stores (id),
    op_id       TEXT NOT NULL,
    device_at   INTEGER NOT NULL
);
