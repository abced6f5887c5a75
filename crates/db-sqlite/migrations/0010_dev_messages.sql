-- Messages the embedded sender delivered in dev mode, for the dev outbox endpoint, shared by every
-- instance. Each is sealed with a key derived from the server key: no readable code is stored.
CREATE TABLE dev_messages (
    id        INTEGER PRIMARY KEY,
    recipient TEXT NOT NULL,
    channel   TEXT NOT NULL,
    sealed    TEXT NOT NULL,
    sent_at   INTEGER NOT NULL
);
CREATE INDEX dev_messages_by_recipient ON dev_messages (recipient, id);
