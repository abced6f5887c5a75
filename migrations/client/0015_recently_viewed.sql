-- The products a user opened on this device, newest (highest seq) first on their home; forgotten
-- at sign-out. `seq` orders the views as they happened here, whatever the clock did.
CREATE TABLE IF NOT EXISTS recently_viewed (
    user_id TEXT NOT NULL,
    model   TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (user_id, model)
);
CREATE INDEX IF NOT EXISTS recently_viewed_by_seq ON recently_viewed (user_id, seq DESC);
