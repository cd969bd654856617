-- Issue #19, the agents' daily tools. A note may carry the client_id its writer sent (a repeated
-- one answers the stored note) and the agents it mentions (JSON [{"id", "name"}], as resolved
-- when it was written). Canned responses and labels are shared by the whole team; their
-- shortcode and name are unique whatever their case. A conversation's labels are in
-- session_labels; deleting a label takes it off every conversation.
ALTER TABLE notes ADD COLUMN client_id TEXT;
ALTER TABLE notes ADD COLUMN mentions TEXT NOT NULL DEFAULT '[]';
CREATE UNIQUE INDEX notes_client ON notes (session_id, agent_id, client_id)
    WHERE client_id IS NOT NULL;

CREATE TABLE canned_responses (
    id          INTEGER PRIMARY KEY,
    shortcode   TEXT    NOT NULL,
    content     TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);
CREATE UNIQUE INDEX canned_responses_shortcode ON canned_responses (lower(shortcode));

CREATE TABLE labels (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    color       TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);
CREATE UNIQUE INDEX labels_name ON labels (lower(name));

CREATE TABLE session_labels (
    session_id  INTEGER NOT NULL REFERENCES chat_sessions (id),
    label_id    INTEGER NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    PRIMARY KEY (session_id, label_id)
);
CREATE INDEX session_labels_label ON session_labels (label_id, session_id);
