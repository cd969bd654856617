-- Keep a session's counters in step with its messages inside the INSERT itself, so storing a
-- message is one statement: the new row takes seq = last_seq + 1 and this trigger moves on.
CREATE TRIGGER messages_advance_session AFTER INSERT ON messages
BEGIN
    UPDATE chat_sessions
    SET last_seq = NEW.seq, message_count = message_count + 1, updated_at = NEW.created_at
    WHERE id = NEW.session_id;
END;
