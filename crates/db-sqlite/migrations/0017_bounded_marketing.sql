-- Each person's interest in each product, one row per kind of event: how many they sent and the
-- latest. Kept up to date as events arrive (and as an installation's anonymous events join its
-- account), so that training reads one row per (person, product, kind) instead of every event,
-- and a flood of one kind from one person weighs as one event of that kind.
CREATE TABLE behaviour_interest (
    user_id TEXT NOT NULL,
    model   TEXT NOT NULL,
    kind    TEXT NOT NULL,
    events  INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, model, kind)
);
CREATE INDEX behaviour_interest_by_time ON behaviour_interest (last_at);
INSERT INTO behaviour_interest (user_id, model, kind, events, last_at)
    SELECT user_id, model, kind, COUNT(*), MAX(at) FROM behaviour_events
    WHERE user_id IS NOT NULL AND model IS NOT NULL GROUP BY user_id, model, kind;

-- A counter offer's list names the store it was chosen for: an offer at another store's sale
-- does not count as that list's.
ALTER TABLE recommendation_lists ADD COLUMN store_id TEXT;
-- Retention reads these by age.
CREATE INDEX inbox_messages_by_time ON inbox_messages (created_at);
CREATE INDEX behaviour_events_by_time ON behaviour_events (at);
CREATE INDEX counter_grants_by_expiry ON counter_grants (expires_at);
CREATE INDEX recommendation_lists_by_user ON recommendation_lists (user_id) WHERE user_id IS NOT NULL;
