-- Files sent in a conversation. Each row is written in the same transaction as the message that
-- carries it, so there is no "uploaded but not posted" state. The bytes live on disk under
-- <database folder>/files/<stored_name>; `name` is only ever a display name.
CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    session_id   INTEGER NOT NULL REFERENCES chat_sessions (id),
    name         TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL CHECK (size > 0),
    sha256       TEXT    NOT NULL,
    stored_name  TEXT    NOT NULL UNIQUE,
    created_at   TEXT    NOT NULL
);

CREATE INDEX attachments_session ON attachments (session_id);

-- The message's copy of the attachment's public view ({"id", "name", "content_type", "size"}
-- as JSON), NULL for a text message. It never changes once written, so keeping it on the
-- message lets every `SELECT * FROM messages` show it without a join.
ALTER TABLE messages ADD COLUMN attachment TEXT;
