-- Email continuity (TEAMS.md, "Business hours and email"). One thread per conversation that was
-- emailed (to its customer_email): the token replies come back with (never the session key),
-- the agent messages already emailed (up to emailed_seq), the Message-IDs sent (oldest first,
-- space-separated: In-Reply-To and References thread the next one), and the state of delivery:
-- next_attempt_at is both the backoff after a failure and the lease a node takes while sending,
-- failed_at is set when delivery was given up (agents see "email not delivered").
CREATE TABLE email_threads (
    session_id      INTEGER PRIMARY KEY REFERENCES chat_sessions (id),
    token           TEXT    NOT NULL UNIQUE,
    emailed_seq     INTEGER NOT NULL DEFAULT 0,
    message_ids     TEXT    NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    last_error      TEXT,
    failed_at       TEXT,
    created_at      TEXT    NOT NULL
);
CREATE INDEX email_threads_due ON email_threads (next_attempt_at) WHERE failed_at IS NULL;

-- Which agent messages went out by email, in which email (agents see it beside each message).
CREATE TABLE emailed_messages (
    session_id  INTEGER NOT NULL REFERENCES chat_sessions (id),
    seq         INTEGER NOT NULL,
    email_id    TEXT    NOT NULL,
    PRIMARY KEY (session_id, seq)
);
