-- Email continuity (PostgreSQL; the same schema as migrations/0012_email.sql).
CREATE TABLE email_threads (
    session_id      BIGINT  PRIMARY KEY REFERENCES chat_sessions (id),
    token           TEXT    NOT NULL UNIQUE,
    emailed_seq     BIGINT  NOT NULL DEFAULT 0,
    message_ids     TEXT    NOT NULL DEFAULT '',
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at TEXT    COLLATE "C" NOT NULL,
    last_error      TEXT,
    failed_at       TEXT,
    created_at      TEXT    NOT NULL
);
CREATE INDEX email_threads_due ON email_threads (next_attempt_at) WHERE failed_at IS NULL;

-- Which agent messages went out by email, in which email (agents see it beside each message).
CREATE TABLE emailed_messages (
    session_id  BIGINT NOT NULL REFERENCES chat_sessions (id),
    seq         BIGINT NOT NULL,
    email_id    TEXT    NOT NULL,
    PRIMARY KEY (session_id, seq)
);
