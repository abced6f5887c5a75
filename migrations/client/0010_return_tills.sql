-- A refund is paid from the till of the shift open on this device when the return was taken, and
-- counts against that shift only. Earlier returns get the shift that was open at the time.
ALTER TABLE pos_returns ADD COLUMN shift_id TEXT;
UPDATE pos_returns SET shift_id = (
    SELECT s.shift_id FROM pos_shifts s
    WHERE s.opened_at <= pos_returns.created_at
      AND (s.closed_at IS NULL OR s.closed_at >= pos_returns.created_at)
    ORDER BY s.opened_at DESC LIMIT 1
);
CREATE INDEX pos_returns_by_shift ON pos_returns (shift_id);

-- Sales of the store made on other devices, found on the server by their receipt number (a
-- customer back at another counter), kept so that a return against one is checked here too.
CREATE TABLE pos_found_sales (
    sale_id    TEXT PRIMARY KEY,
    store_id   TEXT NOT NULL,
    receipt_no TEXT NOT NULL,
    -- The server's StoreSale as JSON, as of fetched_at.
    body       TEXT NOT NULL,
    fetched_at INTEGER NOT NULL
);
CREATE INDEX pos_found_sales_by_receipt ON pos_found_sales (store_id, receipt_no);
