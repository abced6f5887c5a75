-- The operators' report rolled up by day (beside 0010 on PostgreSQL): each day, once it can no
-- longer change, becomes one row per placement, algorithm, experiment and arm; the report adds
-- the sealed days to the few still open, read raw. '' stands for no experiment or arm.
CREATE TABLE trail_days (
    day           INTEGER NOT NULL,
    placement     TEXT NOT NULL,
    algorithm     TEXT NOT NULL,
    experiment_id TEXT NOT NULL,
    arm           TEXT NOT NULL,
    lists         INTEGER NOT NULL,
    impressions   INTEGER NOT NULL,
    clicks        INTEGER NOT NULL,
    clicked_lists INTEGER NOT NULL,
    conversions   INTEGER NOT NULL,
    revenue       INTEGER NOT NULL,
    PRIMARY KEY (day, placement, algorithm, experiment_id, arm)
);
-- Where the sealed days end (the start of the first day not sealed).
CREATE TABLE trail_sealed (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    sealed_until INTEGER NOT NULL
);
-- A window's impressions and clicks by time (sales and counter offers have theirs).
CREATE INDEX behaviour_events_lists_by_time ON behaviour_events (at, recommendation)
    WHERE recommendation IS NOT NULL;
