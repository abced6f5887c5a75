-- A running on-hand per store and SKU, moved by the same statement transaction as each stock
-- movement (an increment, never an overwrite), so a sale can see its stock without summing the
-- whole ledger. The ledger stays the record: reports sum stock_movements and say whether the
-- balances agree.
CREATE TABLE stock_balances (
    store_id TEXT NOT NULL REFERENCES stores (id),
    sku      TEXT NOT NULL,
    on_hand  INTEGER NOT NULL,
    PRIMARY KEY (store_id, sku)
);
INSERT INTO stock_balances (store_id, sku, on_hand)
    SELECT store_id, sku, SUM(quantity) FROM stock_movements GROUP BY store_id, sku;

-- Movements by the operation that made them. (Also what the foreign key from stock_movements to
-- store_op_log needs: without it, recording an operation scanned every movement.)
CREATE INDEX stock_movements_by_op ON stock_movements (op_id);
