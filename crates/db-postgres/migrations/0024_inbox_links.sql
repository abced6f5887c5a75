-- An inbox message's deep link (a campaign's), and its deletion by its person: the row stays,
-- words blanked, so that what sent it does not send it again; reads pass it over.
ALTER TABLE inbox_messages ADD COLUMN link TEXT;
ALTER TABLE inbox_messages ADD COLUMN deleted_at BIGINT;
