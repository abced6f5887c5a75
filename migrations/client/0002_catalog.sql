-- The app's copy of the product center, kept by delta sync, searched offline.

CREATE TABLE catalog_state (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    cursor    TEXT,
    -- The role the prices were synced for; a different role resyncs from scratch.
    role      TEXT,
    synced_at INTEGER
);
INSERT INTO catalog_state (id) VALUES (1);

CREATE TABLE categories (
    code    TEXT PRIMARY KEY,
    parent  TEXT,
    sort    INTEGER NOT NULL,
    body    TEXT NOT NULL
);

-- A withdrawn product keeps its last body (so comparisons and favourites can say "withdrawn")
-- but leaves the search index.
CREATE TABLE products (
    id           INTEGER PRIMARY KEY,
    model        TEXT NOT NULL UNIQUE,
    category     TEXT NOT NULL,
    lifecycle    TEXT NOT NULL,
    -- The lowest price of its SKUs (a running promotion counts), in fen.
    price        INTEGER NOT NULL,
    released_at  INTEGER NOT NULL,
    -- '|new|hot|' style, for LIKE filters.
    tags         TEXT NOT NULL,
    withdrawn    INTEGER NOT NULL DEFAULT 0,
    body         TEXT NOT NULL
);
CREATE INDEX products_by_category ON products (category);
CREATE INDEX products_by_price ON products (price);

CREATE TABLE product_specs (
    product_id INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    num        REAL,
    text       TEXT,
    PRIMARY KEY (product_id, key)
);
CREATE INDEX product_specs_by_value ON product_specs (key, num);

-- Text prepared by catalog/tokens.rs: Latin words as they are, runs of Han characters as
-- overlapping bigrams, model numbers with and without separators.
CREATE VIRTUAL TABLE product_search USING fts5 (terms, tokenize = 'unicode61 remove_diacritics 2');

CREATE TABLE retail_stores (
    code      TEXT PRIMARY KEY,
    latitude  REAL NOT NULL,
    longitude REAL NOT NULL,
    body      TEXT NOT NULL
);

CREATE TABLE store_display (
    store TEXT NOT NULL,
    model TEXT NOT NULL,
    PRIMARY KEY (store, model)
);
CREATE INDEX store_display_by_model ON store_display (model);

CREATE TABLE catalog_images (
    id   TEXT PRIMARY KEY,
    mime TEXT NOT NULL,
    data TEXT NOT NULL
);
