-- Indexes for the reads that keep marketing data bounded (beside 0017 on SQLite, 0008 on PostgreSQL).
-- The trigger pass asks for the followers of the products restocked, never for every follower.
CREATE INDEX favourites_by_model ON favourites (model, user_id) WHERE active;
-- A click's check for its impression by the same sender reads only impressions, by list and
-- sender (an anonymous list is shared by everyone: its impressions are many).
CREATE INDEX behaviour_events_shown_by_install ON behaviour_events (recommendation, install_id)
    WHERE kind = 'recommendation_shown';
CREATE INDEX behaviour_events_shown_by_user ON behaviour_events (recommendation, user_id)
    WHERE kind = 'recommendation_shown' AND user_id IS NOT NULL;
-- Retention of anonymous events reads them by arrival.
CREATE INDEX behaviour_events_anonymous_received ON behaviour_events (received_at) WHERE user_id IS NULL;
