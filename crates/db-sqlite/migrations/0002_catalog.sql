-- The product center as a log of versioned documents. Every change takes the next catalog version;
-- delta sync reads `version > cursor` in order. A row whose body is NULL is a tombstone (deleted or
-- withdrawn). The epoch changes only when the catalog is recreated, and makes old cursors unknown.

CREATE TABLE catalog_meta (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    epoch        TEXT NOT NULL,
    last_version INTEGER NOT NULL
);
INSERT INTO catalog_meta (id, epoch, last_version) VALUES (1, lower(hex(randomblob(8))), 0);

CREATE TABLE catalog_items (
    kind    TEXT NOT NULL CHECK (kind IN ('category', 'product', 'store', 'image')),
    code    TEXT NOT NULL,
    version INTEGER NOT NULL UNIQUE,
    body    TEXT,
    PRIMARY KEY (kind, code)
);
