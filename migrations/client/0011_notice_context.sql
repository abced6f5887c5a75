-- Which store a notice is about, and who made the operation when it was not this account (a store
-- manager hears of what was flagged at the stores they run, whoever made it).
ALTER TABLE pos_outcomes ADD COLUMN store_id TEXT;
ALTER TABLE pos_outcomes ADD COLUMN made_by TEXT;
