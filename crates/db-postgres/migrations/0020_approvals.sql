-- Changes beyond a business manager's authority, waiting for the order center (审批): a credit
-- line above their authority or prices below the brand's floor. Kept once per id; decided once.
-- Bounded: each business manager has at most 100 waiting, and decided ones are the record.
CREATE TABLE approvals (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('credit_limit', 'prices')),
    dealer_id       TEXT NOT NULL REFERENCES dealers (id),
    body            TEXT NOT NULL,
    reason          TEXT NOT NULL,
    requested_by    TEXT NOT NULL REFERENCES users (id),
    body_hash       TEXT NOT NULL,
    requested_at    BIGINT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('waiting', 'approved', 'rejected')),
    decided_by      TEXT,
    decided_at      BIGINT,
    decision_reason TEXT
);
CREATE INDEX approvals_by_status ON approvals (status, requested_at);
CREATE INDEX approvals_by_asker ON approvals (requested_by, status, requested_at);
