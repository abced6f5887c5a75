-- The app's local cache. No token, password or code is ever written here:
-- the refresh token lives in the OS keyring and the access token only in memory.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- The signed-in user's profile, so the app opens on it offline.
CREATE TABLE profile_cache (
    user_id      TEXT PRIMARY KEY,
    profile_json TEXT NOT NULL,
    cached_at    INTEGER NOT NULL
);

-- The last role home fetched, shown offline.
CREATE TABLE home_cache (
    user_id   TEXT PRIMARY KEY,
    home_json TEXT NOT NULL,
    cached_at INTEGER NOT NULL
);
