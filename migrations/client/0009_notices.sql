-- Refusals and flags the server sent back are shown once as OS notifications: which were.
ALTER TABLE pos_outcomes ADD COLUMN notified INTEGER NOT NULL DEFAULT 0;
