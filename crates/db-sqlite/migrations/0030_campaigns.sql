-- Campaigns (营销活动): written by operators, approved by another holding the approve right, then
-- scheduled, run, paused, stopped. Bounded: operators write them (a few a day), and every step is
-- the record (each is an operator's action).
CREATE TABLE campaigns (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    category        TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'rejected', 'scheduled',
                                                    'running', 'paused', 'finished')),
    audience        TEXT NOT NULL,
    content         TEXT NOT NULL,
    channels        TEXT NOT NULL,
    starts_at       BIGINT,
    ends_at         BIGINT,
    holdout_percent INTEGER NOT NULL CHECK (holdout_percent BETWEEN 0 AND 50),
    revision        INTEGER NOT NULL,
    author          TEXT NOT NULL REFERENCES users (id),
    last_editor     TEXT NOT NULL REFERENCES users (id),
    submitted_by    TEXT,
    decided_by      TEXT,
    decision_reason TEXT,
    body_hash       TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX campaigns_by_created ON campaigns (created_at, id);
CREATE INDEX campaigns_by_status ON campaigns (status, created_at, id);
CREATE TABLE campaign_steps (
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    seq         INTEGER NOT NULL,
    at          BIGINT NOT NULL,
    by_user     TEXT NOT NULL,
    action      TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    reason      TEXT,
    revision    INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, seq)
);
-- Operators holding the right to approve campaigns (administrators always do).
CREATE TABLE campaign_approvers (
    user_id    TEXT PRIMARY KEY REFERENCES users (id),
    granted_by TEXT NOT NULL,
    granted_at BIGINT NOT NULL
);
