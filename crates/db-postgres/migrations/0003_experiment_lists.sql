-- Which experiment served a list: arms of different experiments may share names, and the people
-- an experiment assigned (the holdout included: it is served an empty list) are read from here.
ALTER TABLE recommendation_lists ADD COLUMN experiment_id TEXT;
CREATE INDEX recommendation_lists_by_experiment ON recommendation_lists (experiment_id, arm, user_id)
    WHERE experiment_id IS NOT NULL;
