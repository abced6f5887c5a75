-- Audiences kept for campaigns: lists imported from files (members matched by verified phone),
-- and saved segments (a named audience). Bounded: at most 500 of each, a list at most 100,000
-- rows; deleted by the operators who keep them.
CREATE TABLE audience_lists (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    row_count  INTEGER NOT NULL,
    matched    INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- A deleted list keeps its row (not its members), so that its id is never used again: an
    -- approved campaign naming it can never be pointed at other people.
    deleted_at BIGINT
);
CREATE TABLE audience_list_members (
    list_id TEXT NOT NULL REFERENCES audience_lists (id),
    user_id TEXT NOT NULL,
    PRIMARY KEY (list_id, user_id)
);
-- The campaign's audience asks "is this person in one of these lists".
CREATE INDEX audience_list_members_by_user ON audience_list_members (user_id, list_id);
CREATE TABLE saved_segments (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    audience   TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
