-- Dealer price lists: entries by scope (dealer, tier, region, list) and SKU, valid from a day to a
-- day (days since 1970-01-01, inclusive; NULL: open-ended). Entries of one scope and SKU never
-- overlap (checked by portal-db's price-list engine before a write). Bounded by SKUs × scopes ×
-- price changes, not by traffic.
CREATE TABLE price_entries (
    id          INTEGER PRIMARY KEY,
    scope_kind  TEXT NOT NULL CHECK (scope_kind IN ('dealer', 'tier', 'region', 'list')),
    scope_key   TEXT NOT NULL,
    sku         TEXT NOT NULL,
    price       INTEGER NOT NULL CHECK (price > 0),
    floor       INTEGER CHECK (floor IS NULL OR (floor > 0 AND floor <= price)),
    valid_from  INTEGER NOT NULL,
    valid_until INTEGER CHECK (valid_until IS NULL OR valid_until >= valid_from),
    set_by      TEXT NOT NULL,
    set_at      INTEGER NOT NULL
);
CREATE INDEX price_entries_by_key ON price_entries (scope_kind, scope_key, sku, valid_from);
CREATE INDEX price_entries_by_sku ON price_entries (sku, valid_from);
