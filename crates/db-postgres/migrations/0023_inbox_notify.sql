-- The live channel's fan-out: a transaction that writes inbox messages tells every listening
-- instance when it commits (one notification a transaction: PostgreSQL folds identical ones).
-- What to tell is then read from the table by `(created_at, id)`; the notification only says
-- "look".
CREATE FUNCTION portal_inbox_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('portal_inbox', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER inbox_messages_written AFTER INSERT ON inbox_messages
    FOR EACH STATEMENT EXECUTE FUNCTION portal_inbox_written();
