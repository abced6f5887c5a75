-- A refund is paid from one till: the shift open on the device that took the return. Before this,
-- a shift's expected cash took away every refund made at the store while it was open, so two
-- tablets with shifts open at once each counted the other's refunds. Existing returns are given the
-- shift their promoter had open at the store at that moment.
ALTER TABLE sale_returns ADD COLUMN shift_id TEXT;
UPDATE sale_returns SET shift_id = (
    SELECT s.id FROM shifts s
    WHERE s.store_id = sale_returns.store_id AND s.promoter_id = sale_returns.promoter_id
      AND s.opened_at <= sale_returns.device_at
      AND (s.closed_at IS NULL OR s.closed_at >= sale_returns.device_at)
    ORDER BY s.opened_at DESC LIMIT 1
);
CREATE INDEX sale_returns_by_shift ON sale_returns (shift_id);
CREATE INDEX sale_returns_by_sale ON sale_returns (sale_id);
-- Receipts are looked up by their number at any device of the store.
CREATE INDEX sales_by_receipt ON sales (store_id, receipt_no);
