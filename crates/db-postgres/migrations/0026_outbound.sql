-- Messages for the outside gateways (SMS, e-mail, mobile push): one per (campaign, person,
-- channel), written in the delivery batch's transaction, claimed by a dispatcher under a lease
-- (`due_at` moves to the lease's end), settled by the gateway's answer and then by the provider's
-- receipt; a stopped campaign's pending messages are cancelled. Bounded: kept 180 days, as the
-- campaign's deliveries.
CREATE TABLE outbound_messages (
    id          TEXT PRIMARY KEY,
    campaign_id TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    channel     TEXT NOT NULL CHECK (channel IN ('push', 'sms', 'email')),
    state       TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'delivered', 'failed', 'cancelled')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    due_at      BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    sent_at     BIGINT,
    settled_at  BIGINT,
    provider_id TEXT,
    error       TEXT,
    UNIQUE (campaign_id, user_id, channel)
);
CREATE INDEX outbound_messages_due ON outbound_messages (due_at) WHERE state = 'pending';
CREATE INDEX outbound_messages_by_created ON outbound_messages (created_at);
-- The installations people's apps registered, with their push provider's token and the session
-- they registered in: only a device whose session is live is pushed to (signed out there, revoked
-- or expired: no more). Bounded: ten a person, each dropped after 270 days unseen.
CREATE TABLE devices (
    installation_id TEXT NOT NULL,
    user_id         TEXT NOT NULL REFERENCES users (id),
    session_id      TEXT NOT NULL,
    platform        TEXT NOT NULL,
    provider        TEXT NOT NULL CHECK (provider IN ('fcm', 'apns', 'huawei', 'none')),
    token           TEXT NOT NULL,
    language        TEXT NOT NULL,
    app_version     TEXT NOT NULL,
    registered_at   BIGINT NOT NULL,
    last_seen       BIGINT NOT NULL,
    -- Keyed by person too: an installation id someone else learnt never moves another's device.
    PRIMARY KEY (user_id, installation_id)
);
CREATE UNIQUE INDEX devices_by_token ON devices (provider, token) WHERE token <> '';
CREATE INDEX devices_by_seen ON devices (last_seen);
