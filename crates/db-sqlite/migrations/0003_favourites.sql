-- Favourites and pre-sale follows, per user, written by the app's offline outbox. Each operation
-- carries a client-generated id; applied_ops records it in the same transaction as its effect, so
-- a retried operation is applied exactly once.

CREATE TABLE favourites (
    user_id    TEXT NOT NULL REFERENCES users (id),
    model      TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('favourite', 'follow')),
    active     INTEGER NOT NULL,
    -- When the person made the change on their device (unix seconds); an older change never
    -- overwrites a newer one.
    changed_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, model, kind)
);

CREATE TABLE applied_ops (
    op_id      TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    applied_at INTEGER NOT NULL
);
