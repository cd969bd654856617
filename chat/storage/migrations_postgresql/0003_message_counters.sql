-- Keep a session's counters in step with its messages inside the INSERT itself, so storing a
-- message is one statement: the new row takes seq = last_seq + 1 and this trigger moves on.
-- PostgreSQL dialect of migrations/0003_message_counters.sql.
CREATE FUNCTION messages_advance_session() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE chat_sessions
    SET last_seq = NEW.seq, message_count = message_count + 1, updated_at = NEW.created_at
    WHERE id = NEW.session_id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER messages_advance_session AFTER INSERT ON messages
FOR EACH ROW EXECUTE FUNCTION messages_advance_session();
