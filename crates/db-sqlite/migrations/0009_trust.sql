-- Trust: what the server needs to keep its promises when networks fail and clients misbehave.

-- A refresh whose answer was lost is forgiven until its successor is used: the session remembers
-- when the current generation was first used (refreshed with, or its access token presented).
ALTER TABLE sessions ADD COLUMN current_used_at INTEGER;
UPDATE sessions SET current_used_at = rotated_at;
-- Ended sessions are pruned; the sweep finds them by when they ended or were last seen.
CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (user_id);

-- An operation id is bound to the account that sent it and to a hash of its body: the same id
-- with another body, or from another account, is a conflict, never someone else's outcome.
-- Rows written before this carry no hash and match any body of their own account.
ALTER TABLE store_op_log ADD COLUMN body_hash TEXT;
ALTER TABLE applied_ops ADD COLUMN body_hash TEXT;

-- Where each promoter worked and when, so operations made offline before a move still land at
-- the store where they were made. The current assignment has no end.
CREATE TABLE store_assignments (
    user_id    TEXT NOT NULL REFERENCES users (id),
    store_id   TEXT NOT NULL REFERENCES stores (id),
    started_at INTEGER NOT NULL,
    ended_at   INTEGER
);
CREATE INDEX store_assignments_by_user ON store_assignments (user_id, store_id);
INSERT INTO store_assignments (user_id, store_id, started_at)
    SELECT id, store_id, created_at FROM users WHERE role = 'promoter' AND store_id IS NOT NULL;
INSERT INTO store_assignments (user_id, store_id, started_at)
    SELECT m.user_id, m.store_id, u.created_at FROM store_managers m JOIN users u ON u.id = m.user_id;

-- Pruning of expired codes and old failures reads them by time.
CREATE INDEX verification_codes_by_time ON verification_codes (created_at);
CREATE INDEX login_failures_by_time ON login_failures (last_failure_at);
