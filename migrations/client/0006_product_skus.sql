-- SKUs by barcode and by code, for the point of sale: a scanned EAN-13 finds its SKU offline.
-- Filled by catalog sync; the catalog is synced again from scratch to fill it.
CREATE TABLE product_skus (
    code       TEXT PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    barcode    TEXT NOT NULL
);
CREATE INDEX product_skus_by_barcode ON product_skus (barcode);
CREATE INDEX product_skus_by_product ON product_skus (product_id);

UPDATE catalog_state SET cursor = NULL, role = NULL, synced_at = NULL;
