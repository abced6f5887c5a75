-- One open-ended price per scope and SKU, kept by the price-list engine and guarded here too, for
-- any writer that would skip it (a later entry ends the open one first, in the same transaction).
CREATE UNIQUE INDEX price_entries_open_once ON price_entries (scope_kind, scope_key, sku) WHERE valid_until IS NULL;
