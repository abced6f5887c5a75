-- E-coupons (电子券): a campaign's terms, one coupon per person it reaches (issued with their
-- message), redeemed once by the first sale that takes it; a later sale taking the same coupon
-- (two offline tablets) stands, flagged, and is kept here for the campaign's report.
-- Bounded: coupons that expired 180 days ago go with their redemptions and second uses.
ALTER TABLE campaigns ADD COLUMN coupon TEXT;
-- A stopped campaign withdraws its coupons: wallets show them withdrawn, tills no longer take them.
ALTER TABLE campaigns ADD COLUMN coupons_withdrawn_at BIGINT;
CREATE TABLE coupons (
    id          TEXT PRIMARY KEY,
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    user_id     TEXT NOT NULL,
    issued_at   BIGINT NOT NULL,
    valid_until BIGINT NOT NULL,
    UNIQUE (campaign_id, user_id)
);
CREATE INDEX coupons_by_user ON coupons (user_id, issued_at);
CREATE INDEX coupons_by_expiry ON coupons (valid_until);
CREATE TABLE coupon_redemptions (
    coupon_id   TEXT PRIMARY KEY,
    campaign_id TEXT NOT NULL,
    sale_id     TEXT NOT NULL,
    store_id    TEXT NOT NULL,
    off         BIGINT NOT NULL,
    redeemed_at BIGINT NOT NULL
);
CREATE INDEX coupon_redemptions_by_campaign ON coupon_redemptions (campaign_id);
CREATE TABLE coupon_second_uses (
    sale_id     TEXT PRIMARY KEY,
    coupon_id   TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    store_id    TEXT NOT NULL,
    used_at     BIGINT NOT NULL
);
CREATE INDEX coupon_second_uses_by_campaign ON coupon_second_uses (campaign_id);
CREATE INDEX coupon_second_uses_by_coupon ON coupon_second_uses (coupon_id);
