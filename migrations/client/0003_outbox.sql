-- The durable outbox: every write made on this device, with a client-generated id, kept in order
-- until the server acknowledges it. Rows belong to the account that made them and are sent only
-- with that account's session.
CREATE TABLE outbox (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    op_id           TEXT NOT NULL UNIQUE,
    user_id         TEXT NOT NULL,
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT
);
CREATE INDEX outbox_by_user ON outbox (user_id, seq);

-- The account's favourites and follows as this device knows them (its own changes applied at once).
CREATE TABLE favourites (
    user_id    TEXT NOT NULL,
    model      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    active     INTEGER NOT NULL,
    changed_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, model, kind)
);
