-- Behaviour events waiting to be sent, oldest first; each leaves only when the server has
-- acknowledged or refused it. `install_id` is the installation's id when it was recorded (a new
-- one after each sign-out); `user_id` who was signed in, if anyone.
CREATE TABLE IF NOT EXISTS event_queue (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    install_id TEXT NOT NULL,
    user_id    TEXT,
    body       TEXT NOT NULL,
    next_try   INTEGER NOT NULL DEFAULT 0,
    -- Times the server refused the batch this event was in as a whole.
    attempts   INTEGER NOT NULL DEFAULT 0
);
