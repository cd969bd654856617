-- Issue #22, API keys: long-lived bearer credentials an admin makes for scripts. Only the
-- token's hash is kept (as for login tokens); `prefix` is its first characters, not secret, so
-- that a person can tell keys apart. A key acts as the admin who made it (created_by), with the
-- rights of an agent; `scope` is read (GET and HEAD only) or write. last_used_at is written at
-- most once a minute; a revoked key keeps its row, with revoked_at.
CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    scope        TEXT    NOT NULL CHECK (scope IN ('read', 'write')),
    token_hash   BLOB    NOT NULL UNIQUE,
    prefix       TEXT    NOT NULL,
    created_by   INTEGER NOT NULL REFERENCES agents (id),
    created_at   TEXT    NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
