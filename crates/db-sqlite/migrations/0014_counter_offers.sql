-- The bundle offer shown at the counter with a sale (the 夹带式 offer), what the customer took and
-- what came of it at the moment of the sale. `recommendation` names a list at the `checkout`
-- placement, or one made on the device offline (then no list of that id exists).
CREATE TABLE counter_offers (
    sale_id         TEXT PRIMARY KEY,
    recommendation  TEXT NOT NULL,
    store_id        TEXT NOT NULL,
    customer_id     TEXT,
    shown           TEXT NOT NULL,
    accepted        TEXT NOT NULL,
    shown_count     INTEGER NOT NULL,
    accepted_count  INTEGER NOT NULL,
    converted_count INTEGER NOT NULL,
    revenue         INTEGER NOT NULL,
    device_at       INTEGER NOT NULL
);
CREATE INDEX counter_offers_at ON counter_offers (device_at);
CREATE INDEX counter_offers_customer ON counter_offers (customer_id) WHERE customer_id IS NOT NULL;
