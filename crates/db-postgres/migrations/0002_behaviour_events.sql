-- Behaviour events (see crates/db-sqlite/migrations/0011_behaviour_events.sql).
CREATE TABLE behaviour_events (
    id             TEXT PRIMARY KEY,
    install_id     TEXT NOT NULL,
    user_id        TEXT,
    kind           TEXT NOT NULL,
    class          TEXT NOT NULL CHECK (class IN ('read', 'positive')),
    at             BIGINT NOT NULL,
    received_at    BIGINT NOT NULL,
    model          TEXT,
    body           TEXT NOT NULL,
    body_hash      TEXT NOT NULL,
    clock_adjusted BOOLEAN NOT NULL,
    -- The recommendation list an impression, click or purchase belongs to.
    recommendation TEXT
);
CREATE INDEX behaviour_events_by_user ON behaviour_events (user_id, at DESC, id) WHERE user_id IS NOT NULL;
CREATE INDEX behaviour_events_anonymous ON behaviour_events (install_id) WHERE user_id IS NULL;
CREATE INDEX behaviour_events_read ON behaviour_events (at) WHERE class = 'read';
CREATE INDEX behaviour_events_positive ON behaviour_events (at) WHERE class = 'positive';
CREATE INDEX behaviour_events_by_list ON behaviour_events (recommendation) WHERE recommendation IS NOT NULL;

CREATE TABLE event_rates (
    install_id   TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    events       BIGINT NOT NULL,
    PRIMARY KEY (install_id, window_start)
);

CREATE TABLE tracking_consent (
    user_id    TEXT PRIMARY KEY REFERENCES users (id),
    tracking   BOOLEAN NOT NULL,
    changed_at BIGINT NOT NULL
);

CREATE TABLE recommendation_lists (
    id        TEXT PRIMARY KEY,
    user_id   TEXT,
    placement TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    arm       TEXT,
    models    TEXT NOT NULL,
    served_at BIGINT NOT NULL
);
CREATE INDEX recommendation_lists_by_time ON recommendation_lists (served_at);

-- A/B experiments; at most one runs per placement (the index makes starting a second fail).
CREATE TABLE experiments (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    placement       TEXT NOT NULL,
    arms            TEXT NOT NULL,
    holdout_percent BIGINT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('running', 'stopped')),
    started_at      BIGINT NOT NULL,
    stopped_at      BIGINT,
    winner          TEXT
);
CREATE UNIQUE INDEX experiments_one_running ON experiments (placement) WHERE status = 'running';

-- The recommender each placement serves when no experiment runs (a stopped experiment's winner).
CREATE TABLE placement_defaults (
    placement  TEXT PRIMARY KEY,
    algorithm  TEXT NOT NULL,
    changed_at BIGINT NOT NULL
);
