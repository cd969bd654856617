-- Issue #21, satisfaction and reports. The facts the reports are computed from, written in the
-- same transaction as the change they record, so the figures survive restarts and hold for old
-- conversations.
--
-- A cycle is one stretch of a person's responsibility for a conversation: it starts when the
-- conversation is queued, taken by an agent straight from the AI, or reopened by the customer,
-- and ends with a close. `queued` says whether it began in the queue (then assigned_at -
-- started_at is a wait); first_reply_at is the first agent message in it (AI messages and notes
-- never count); closed_agent_id held it at the close; `survey` is 1 when that close asked the
-- customer for a rating.
CREATE TABLE report_cycles (
    id                   INTEGER PRIMARY KEY,
    session_id           INTEGER NOT NULL REFERENCES chat_sessions (id),
    started_at           TEXT    NOT NULL,
    queued               INTEGER NOT NULL,
    reopened             INTEGER NOT NULL,
    assigned_at          TEXT,
    assigned_agent_id    INTEGER REFERENCES agents (id),
    first_reply_at       TEXT,
    first_reply_agent_id INTEGER REFERENCES agents (id),
    closed_at            TEXT,
    closed_agent_id      INTEGER REFERENCES agents (id),
    survey               INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX report_cycles_session ON report_cycles (session_id, id);
CREATE INDEX report_cycles_open ON report_cycles (session_id) WHERE closed_at IS NULL;

-- Every agent who held a conversation (assigned, taken, transferred to).
CREATE TABLE report_holders (
    session_id  INTEGER NOT NULL REFERENCES chat_sessions (id),
    agent_id    INTEGER NOT NULL REFERENCES agents (id),
    PRIMARY KEY (session_id, agent_id)
);

-- One rating per conversation; agent_id held it at the close that asked for the rating.
CREATE TABLE csat_ratings (
    session_id  INTEGER PRIMARY KEY REFERENCES chat_sessions (id),
    rating      INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment     TEXT,
    agent_id    INTEGER REFERENCES agents (id),
    created_at  TEXT    NOT NULL
);

-- A report takes the conversations started in its date range.
CREATE INDEX chat_sessions_created ON chat_sessions (created_at, id);

-- A rating asked for from a visitor who left an address is also emailed, once: the close (as
-- `asked_at`) plus the email delay, unless they rated on the page first; retried like
-- continuity emails (next_attempt_at), given up after a day (failed_at).
CREATE TABLE csat_emails (
    session_id      INTEGER PRIMARY KEY REFERENCES chat_sessions (id),
    asked_at        TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    sent_at         TEXT,
    last_error      TEXT,
    failed_at       TEXT
);
CREATE INDEX csat_emails_due ON csat_emails (next_attempt_at)
    WHERE sent_at IS NULL AND failed_at IS NULL;
