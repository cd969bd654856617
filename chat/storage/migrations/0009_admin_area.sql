-- Issue #16, the admin area. An agent's capacity (NULL: the routing default), one-time setup
-- links (only their hash is kept), the audit log of admin writes, and the knowledge base's
-- articles (seeded once from data/knowledge/, then edited in the browser).
ALTER TABLE agents ADD COLUMN capacity INTEGER;

CREATE TABLE setup_tokens (
    id          INTEGER PRIMARY KEY,
    agent_id    INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    token_hash  BLOB    NOT NULL UNIQUE,
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL,
    used_at     TEXT
);

CREATE INDEX setup_tokens_agent ON setup_tokens (agent_id);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    agent_id    INTEGER REFERENCES agents (id),
    agent_name  TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    detail      TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);

CREATE TABLE knowledge_articles (
    slug        TEXT    PRIMARY KEY,
    title       TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    updated_at  TEXT    NOT NULL
);
