-- The unified user center: one user id, many identities, device sessions.
-- No password, code or token is stored in the clear: passwords as argon2id PHC strings,
-- codes as keyed HMACs, and refresh tokens not at all (they are derived from the session's
-- generation counter and the server key).

CREATE TABLE stores (
    id   TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    city TEXT NOT NULL
);

CREATE TABLE dealers (
    id     TEXT PRIMARY KEY,
    code   TEXT NOT NULL UNIQUE,
    name   TEXT NOT NULL,
    region TEXT NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('consumer', 'promoter', 'distributor', 'operator', 'admin')),
    store_id      TEXT REFERENCES stores (id),
    dealer_id     TEXT REFERENCES dealers (id),
    password_hash TEXT,
    created_at    INTEGER NOT NULL,
    CHECK (role <> 'promoter' OR store_id IS NOT NULL),
    CHECK (role <> 'distributor' OR dealer_id IS NOT NULL)
);

CREATE TABLE identities (
    kind      TEXT NOT NULL CHECK (kind IN ('phone', 'email', 'username', 'legacy')),
    value     TEXT NOT NULL,
    user_id   TEXT NOT NULL REFERENCES users (id),
    verified  INTEGER NOT NULL,
    linked_at INTEGER NOT NULL,
    PRIMARY KEY (kind, value)
);
CREATE INDEX identities_by_user ON identities (user_id);

CREATE TABLE verification_codes (
    id          INTEGER PRIMARY KEY,
    channel     TEXT NOT NULL,
    target      TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    code_hash   TEXT NOT NULL,
    client_ip   TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    consumed_at INTEGER
);
CREATE INDEX codes_by_target ON verification_codes (target, purpose, created_at);
CREATE INDEX codes_by_ip ON verification_codes (client_ip, created_at);

CREATE TABLE login_failures (
    login           TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL,
    locked_until    INTEGER
);

CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id),
    device_name   TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    generation    INTEGER NOT NULL,
    rotated_at    INTEGER NOT NULL,
    revoked_at    INTEGER,
    revoke_reason TEXT
);
CREATE INDEX sessions_by_user ON sessions (user_id);
