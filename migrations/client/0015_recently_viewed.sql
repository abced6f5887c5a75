-- The products a user opened on this device, newest first on their home; forgotten at sign-out.
CREATE TABLE IF NOT EXISTS recently_viewed (
    user_id   TEXT NOT NULL,
    model     TEXT NOT NULL,
    viewed_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, model)
);
CREATE INDEX IF NOT EXISTS recently_viewed_by_time ON recently_viewed (user_id, viewed_at DESC);
