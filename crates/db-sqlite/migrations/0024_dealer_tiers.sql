-- A dealer's tier (gold, silver…), for the tier's price lists (dealer > tier > region > list).
CREATE TABLE dealer_tiers (
    dealer_id TEXT PRIMARY KEY REFERENCES dealers (id),
    tier      TEXT NOT NULL
);
