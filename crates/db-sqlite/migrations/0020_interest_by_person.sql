-- Training reads people's interest a page of people at a time, in the order of their ids: kept
-- in the order of its key (WITHOUT ROWID), a page is one range of the table instead of an index
-- lookup and a row fetch for each row.
CREATE TABLE behaviour_interest_by_person (
    user_id TEXT NOT NULL,
    model   TEXT NOT NULL,
    kind    TEXT NOT NULL,
    events  INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, model, kind)
) WITHOUT ROWID;
INSERT INTO behaviour_interest_by_person (user_id, model, kind, events, last_at)
    SELECT user_id, model, kind, events, last_at FROM behaviour_interest;
DROP TABLE behaviour_interest;
ALTER TABLE behaviour_interest_by_person RENAME TO behaviour_interest;
CREATE INDEX behaviour_interest_by_time ON behaviour_interest (last_at);
