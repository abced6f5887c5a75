-- Behaviour events (precision marketing). Each id is kept once, bound to the installation that
-- sent it and the body's hash. Anonymous until the installation's account is known. Reads
-- (impressions, views, searches) and positive feedback (clicks, favourites, purchases) are kept
-- apart by `class`, each with its own index, as recommenders read them apart.
CREATE TABLE behaviour_events (
    id             TEXT PRIMARY KEY,
    install_id     TEXT NOT NULL,
    user_id        TEXT,
    kind           TEXT NOT NULL,
    class          TEXT NOT NULL CHECK (class IN ('read', 'positive')),
    at             INTEGER NOT NULL,
    received_at    INTEGER NOT NULL,
    model          TEXT,
    body           TEXT NOT NULL,
    body_hash      TEXT NOT NULL,
    clock_adjusted INTEGER NOT NULL,
    -- The recommendation list an impression, click or purchase belongs to.
    recommendation TEXT
);
CREATE INDEX behaviour_events_by_user ON behaviour_events (user_id, at DESC, id) WHERE user_id IS NOT NULL;
CREATE INDEX behaviour_events_anonymous ON behaviour_events (install_id) WHERE user_id IS NULL;
CREATE INDEX behaviour_events_read ON behaviour_events (at) WHERE class = 'read';
CREATE INDEX behaviour_events_positive ON behaviour_events (at) WHERE class = 'positive';
CREATE INDEX behaviour_events_by_list ON behaviour_events (recommendation) WHERE recommendation IS NOT NULL;

-- Events per installation and minute, for the flood limit every instance shares.
CREATE TABLE event_rates (
    install_id   TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    events       INTEGER NOT NULL,
    PRIMARY KEY (install_id, window_start)
);

-- A person's choice about tracking; no row: not chosen (tracking on).
CREATE TABLE tracking_consent (
    user_id    TEXT PRIMARY KEY REFERENCES users (id),
    tracking   INTEGER NOT NULL,
    changed_at INTEGER NOT NULL
);

-- Every recommendation list served: impressions, clicks and purchases join it by its id.
CREATE TABLE recommendation_lists (
    id        TEXT PRIMARY KEY,
    user_id   TEXT,
    placement TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    arm       TEXT,
    models    TEXT NOT NULL,
    served_at INTEGER NOT NULL
);
CREATE INDEX recommendation_lists_by_time ON recommendation_lists (served_at);

-- A/B experiments; at most one runs per placement (the index makes starting a second fail).
CREATE TABLE experiments (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    placement       TEXT NOT NULL,
    arms            TEXT NOT NULL,
    holdout_percent INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('running', 'stopped')),
    started_at      INTEGER NOT NULL,
    stopped_at      INTEGER,
    winner          TEXT
);
CREATE UNIQUE INDEX experiments_one_running ON experiments (placement) WHERE status = 'running';

-- The recommender each placement serves when no experiment runs (a stopped experiment's winner).
CREATE TABLE placement_defaults (
    placement  TEXT PRIMARY KEY,
    algorithm  TEXT NOT NULL,
    changed_at INTEGER NOT NULL
);
