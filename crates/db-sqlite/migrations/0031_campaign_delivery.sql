-- Delivering campaigns: each recipient once per (campaign, person, channel), queued from the
-- audience in pages (the campaign keeps how far it got, so a restart resumes there), claimed in
-- batches, decided by the person's preferences and caps, and reconciled before the campaign ends.
-- Bounded: a finished campaign's deliveries go 180 days after it ends; message counts after two
-- days; preferences are one row a person.
ALTER TABLE campaigns ADD COLUMN queued_through TEXT;
ALTER TABLE campaigns ADD COLUMN queued_at BIGINT;
CREATE TABLE campaign_deliveries (
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    user_id     TEXT NOT NULL,
    channel     TEXT NOT NULL CHECK (channel IN ('push', 'inbox', 'sms', 'email')),
    state       TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'skipped', 'failed', 'cancelled', 'held_out')),
    due_at      BIGINT NOT NULL,
    reason      TEXT,
    settled_at  BIGINT,
    PRIMARY KEY (campaign_id, user_id, channel)
);
-- A batch reads each running campaign's due rows by this, never another campaign's.
CREATE INDEX campaign_deliveries_due ON campaign_deliveries (campaign_id, due_at) WHERE state = 'queued';
CREATE INDEX campaign_deliveries_by_state ON campaign_deliveries (campaign_id, state);
-- What a person chose: marketing at all, channels and categories off, quiet hours in their zone.
CREATE TABLE message_preferences (
    user_id        TEXT PRIMARY KEY REFERENCES users (id),
    marketing      INTEGER NOT NULL,
    channels_off   TEXT NOT NULL,
    categories_off TEXT NOT NULL,
    quiet_start    INTEGER,
    quiet_end      INTEGER,
    time_zone      TEXT NOT NULL,
    updated_at     BIGINT NOT NULL
);
-- Marketing messages sent to a person on a channel on their local day (the daily cap); the day
-- as days since 1970 of their local date.
CREATE TABLE message_counts (
    user_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    day     BIGINT NOT NULL,
    sent    INTEGER NOT NULL,
    PRIMARY KEY (user_id, channel, day)
);
CREATE INDEX message_counts_by_day ON message_counts (day);
-- The live channel reads the messages written, in the order written.
CREATE INDEX inbox_messages_by_written ON inbox_messages (created_at, id);
