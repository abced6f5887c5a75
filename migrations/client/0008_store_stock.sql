-- What each store that keeps its stock in the portal has in stock (SKU codes), as of the last
-- completed catalog sync: a snapshot replaced whole, not part of the versioned catalog log. A store
-- listed in store_ledgers with no rows here has nothing in stock; a store not listed has no ledger
-- (the "at a store" filter then falls back to what it has on display).
CREATE TABLE store_ledgers (
    store TEXT PRIMARY KEY
);
CREATE TABLE store_stock (
    store TEXT NOT NULL,
    sku   TEXT NOT NULL,
    PRIMARY KEY (store, sku)
);
