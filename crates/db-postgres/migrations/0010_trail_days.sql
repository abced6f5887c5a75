-- The operators' report rolled up by day (beside 0019 on SQLite): each day, once it can no
-- longer change, becomes one row per placement, algorithm, experiment and arm; the report adds
-- the sealed days to the few still open, read raw. '' stands for no experiment or arm.
CREATE TABLE trail_days (
    day           BIGINT NOT NULL,
    placement     TEXT NOT NULL,
    algorithm     TEXT NOT NULL,
    experiment_id TEXT NOT NULL,
    arm           TEXT NOT NULL,
    lists         BIGINT NOT NULL,
    impressions   BIGINT NOT NULL,
    clicks        BIGINT NOT NULL,
    clicked_lists BIGINT NOT NULL,
    conversions   BIGINT NOT NULL,
    revenue       BIGINT NOT NULL,
    PRIMARY KEY (day, placement, algorithm, experiment_id, arm)
);
-- Where the sealed days end (the start of the first day not sealed).
CREATE TABLE trail_sealed (
    id    BIGINT PRIMARY KEY CHECK (id = 1),
    sealed_until BIGINT NOT NULL
);
-- A window's impressions and clicks by time (sales and counter offers have theirs).
CREATE INDEX behaviour_events_lists_by_time ON behaviour_events (at, recommendation)
    WHERE recommendation IS NOT NULL;
