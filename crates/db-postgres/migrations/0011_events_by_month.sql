-- Behaviour events partitioned by the month of `at`, so that retention drops a month whole instead
-- of deleting its rows one batch at a time (PostgreSQL only; SQLite keeps one table). The rows
-- kept so far move to their months (older than 800 days: the default partition, which the batched
-- retention empties); the pruning pass makes each month's partition ahead of the month
-- (`partitions::ensure`) and drops those wholly past the retention. A partitioned table's keys hold the partition key: an
-- event is unique by (id, at), and the ingest reads ids before it writes (a resent event's id is
-- found in whichever month it was kept).
-- Stop every instance before this upgrade: the copy below holds the table for its length (and
-- an instance of the release before writes with a key the new table no longer has).
LOCK TABLE behaviour_events IN EXCLUSIVE MODE;
CREATE TABLE behaviour_events_by_month (
    id             TEXT NOT NULL,
    install_id     TEXT NOT NULL,
    user_id        TEXT,
    kind           TEXT NOT NULL,
    class          TEXT NOT NULL CHECK (class IN ('read', 'positive')),
    at             BIGINT NOT NULL,
    received_at    BIGINT NOT NULL,
    model          TEXT,
    body           TEXT NOT NULL,
    body_hash      TEXT NOT NULL,
    clock_adjusted BOOLEAN NOT NULL,
    recommendation TEXT,
    CONSTRAINT behaviour_events_by_month_pkey PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
CREATE TABLE behaviour_events_default PARTITION OF behaviour_events_by_month DEFAULT;
-- A partition for each month the rows kept so far fall in (at most the last 800 days), through two
-- months ahead: the default partition stays nearly empty, so attaching a later month checks
-- almost nothing, and the old months go whole at retention too.
DO $$
DECLARE
    m TIMESTAMP;
    last TIMESTAMP := date_trunc('month', now() AT TIME ZONE 'UTC') + INTERVAL '2 months';
BEGIN
    SELECT date_trunc('month', to_timestamp(GREATEST(COALESCE(MIN(at), EXTRACT(EPOCH FROM now())::BIGINT),
                                                     EXTRACT(EPOCH FROM now())::BIGINT - 800 * 86400)) AT TIME ZONE 'UTC')
      INTO m FROM behaviour_events;
    WHILE m <= last LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF behaviour_events_by_month FOR VALUES FROM (%s) TO (%s)',
                       'behaviour_events_' || to_char(m, 'YYYY_MM'),
                       EXTRACT(EPOCH FROM m)::BIGINT, EXTRACT(EPOCH FROM m + INTERVAL '1 month')::BIGINT);
        m := m + INTERVAL '1 month';
    END LOOP;
END $$;
INSERT INTO behaviour_events_by_month SELECT id, install_id, user_id, kind, class, at, received_at, model, body,
    body_hash, clock_adjusted, recommendation FROM behaviour_events;
DROP TABLE behaviour_events;
ALTER TABLE behaviour_events_by_month RENAME TO behaviour_events;
ALTER TABLE behaviour_events RENAME CONSTRAINT behaviour_events_by_month_pkey TO behaviour_events_pkey;
ALTER TABLE behaviour_events RENAME CONSTRAINT behaviour_events_by_month_class_check TO behaviour_events_class_check;

CREATE INDEX behaviour_events_by_user ON behaviour_events (user_id, at DESC, id) WHERE user_id IS NOT NULL;
CREATE INDEX behaviour_events_anonymous ON behaviour_events (install_id) WHERE user_id IS NULL;
CREATE INDEX behaviour_events_read ON behaviour_events (at) WHERE class = 'read';
CREATE INDEX behaviour_events_positive ON behaviour_events (at) WHERE class = 'positive';
CREATE INDEX behaviour_events_by_list ON behaviour_events (recommendation) WHERE recommendation IS NOT NULL;
CREATE INDEX behaviour_events_received ON behaviour_events (received_at) WHERE user_id IS NOT NULL;
CREATE INDEX behaviour_events_by_time ON behaviour_events (at);
CREATE INDEX behaviour_events_shown_by_install ON behaviour_events (recommendation, install_id)
    WHERE kind = 'recommendation_shown';
CREATE INDEX behaviour_events_shown_by_user ON behaviour_events (recommendation, user_id)
    WHERE kind = 'recommendation_shown' AND user_id IS NOT NULL;
CREATE INDEX behaviour_events_anonymous_received ON behaviour_events (received_at) WHERE user_id IS NULL;
CREATE INDEX behaviour_events_lists_by_time ON behaviour_events (at, recommendation)
    WHERE recommendation IS NOT NULL;
