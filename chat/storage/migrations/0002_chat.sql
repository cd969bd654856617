-- Conversations, their messages (gap-free seq per session) and the append-only event log.
CREATE TABLE chat_sessions (
    id                INTEGER PRIMARY KEY,
    key_hash          BLOB    NOT NULL UNIQUE,
    status            TEXT    NOT NULL CHECK (status IN ('bot', 'queued', 'active', 'closed')),
    customer_name     TEXT,
    customer_email    TEXT,
    page_url          TEXT,
    assigned_agent_id INTEGER REFERENCES agents (id),
    message_count     INTEGER NOT NULL DEFAULT 0,
    last_seq          INTEGER NOT NULL DEFAULT 0,
    human_replied     INTEGER NOT NULL DEFAULT 0,
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL
);

CREATE INDEX chat_sessions_activity ON chat_sessions (updated_at DESC, id DESC);
CREATE INDEX chat_sessions_status ON chat_sessions (status, updated_at DESC);

CREATE TABLE messages (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES chat_sessions (id),
    seq         INTEGER NOT NULL,
    sender_type TEXT    NOT NULL CHECK (sender_type IN ('customer', 'agent', 'ai', 'system')),
    sender_name TEXT,
    agent_id    INTEGER REFERENCES agents (id),
    content     TEXT    NOT NULL,
    client_id   TEXT,
    created_at  TEXT    NOT NULL,
    UNIQUE (session_id, seq),
    UNIQUE (session_id, client_id)
);

-- AUTOINCREMENT: an event_id is never reused, even after the newest events are deleted.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    type        TEXT    NOT NULL,
    session_id  INTEGER REFERENCES chat_sessions (id),
    data        TEXT    NOT NULL,
    public_data TEXT,
    created_at  TEXT    NOT NULL
);

CREATE INDEX events_session ON events (session_id, id);
