-- The administrator's console.
--
-- Accounts an administrator locked: no sign-in until unlocked (their sessions were ended when
-- locked). One row per locked account.
CREATE TABLE account_locks (
    user_id   TEXT PRIMARY KEY REFERENCES users (id),
    reason    TEXT NOT NULL,
    locked_by TEXT NOT NULL,
    at        BIGINT NOT NULL
);

-- Every change an administrator or business manager made (non-GET requests): who, when, what and
-- how it ended. Kept 400 days (pruned by the maintenance pass); a few thousand rows a day.
CREATE TABLE audit_log (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       BIGINT NOT NULL,
    actor_id TEXT NOT NULL,
    role     TEXT NOT NULL,
    method   TEXT NOT NULL,
    path     TEXT NOT NULL,
    status   INTEGER NOT NULL
);
CREATE INDEX audit_log_by_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_by_time ON audit_log (at);

-- Each server instance's heartbeat (one row per instance; rows not heard from in a day deleted).
CREATE TABLE instances (
    id         TEXT PRIMARY KEY,
    started_at BIGINT NOT NULL,
    last_seen  BIGINT NOT NULL,
    version    TEXT NOT NULL
);

-- People found by the start of their name, compared byte by byte (as SQLite does) whatever the
-- database's collation, so that a prefix is a range.
CREATE INDEX users_by_name ON users ((display_name COLLATE "C"), id);
-- Operations devices set aside, counted for the system's health.
CREATE INDEX store_op_log_set_aside ON store_op_log (applied_at) WHERE body_hash = 'set_aside_on_device';
