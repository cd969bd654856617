-- Issue #21, satisfaction and reports. The facts the reports are computed from, written in the
-- same transaction as the change they record, so the figures survive restarts and hold for old
-- conversations.
--
-- A cycle is one stretch of a person's responsibility for a conversation: it starts when the
-- conversation is queued, taken by an agent straight from the AI, or reopened by the customer,
-- and ends with a close. `queued` says whether it began in the queue (then assigned_at -
-- started_at is a wait); first_reply_at is the first agent message in it (AI messages and notes
-- never count); closed_agent_id held it at the close; `survey` is 1 when that close asked the
-- customer for a rating. What a report reads is kept ready: the conversation's start
-- (session_created_at: a report takes the conversations started in its range) and the
-- figures in whole milliseconds, each written with the fact it ends (wait_ms only for a cycle
-- that began in the queue).
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
    survey               INTEGER NOT NULL DEFAULT 0,
    session_created_at   TEXT    NOT NULL,
    wait_ms              INTEGER,
    first_ms             INTEGER,
    closed_ms            INTEGER
);
CREATE INDEX report_cycles_session ON report_cycles (session_id, id);
CREATE INDEX report_cycles_open ON report_cycles (session_id) WHERE closed_at IS NULL;
-- What a report reads of a cycle, from the index alone.
CREATE INDEX report_cycles_conversation_start ON report_cycles (session_created_at,
    session_id, id, wait_ms, first_ms, first_reply_agent_id, closed_ms, closed_agent_id);

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

-- A report takes the conversations started in its date range: read from this index alone.
CREATE INDEX chat_sessions_created ON chat_sessions (created_at, status);

-- Conversations from before this migration get one cycle each, as near as older facts allow:
-- it began when the conversation was first queued (else at its first agent message), its
-- first assignment is the first wait that ended with an agent, its first response the first
-- agent message, and a closed conversation's close is its last update. Who held it: the
-- agents who wrote in it and the one it is assigned to.
INSERT INTO report_cycles (session_id, started_at, queued, reopened, assigned_at,
                           first_reply_at, first_reply_agent_id, closed_at, closed_agent_id,
                           session_created_at)
SELECT s.id,
       COALESCE(s.queued_at, f.first_at, s.created_at),
       CASE WHEN s.queued_at IS NOT NULL THEN 1 ELSE 0 END,
       0,
       CASE WHEN s.queued_at IS NULL THEN COALESCE(f.first_at, s.created_at)
            ELSE (SELECT min(w.ended_at) FROM queue_waits AS w
                  WHERE w.session_id = s.id AND w.outcome = 'assigned') END,
       f.first_at,
       (SELECT m.agent_id FROM messages AS m
        WHERE m.session_id = s.id AND m.sender_type = 'agent' ORDER BY m.seq LIMIT 1),
       CASE WHEN s.status = 'closed' THEN s.updated_at END,
       CASE WHEN s.status = 'closed' THEN s.assigned_agent_id END,
       s.created_at
FROM chat_sessions AS s
LEFT JOIN (SELECT session_id, min(created_at) AS first_at FROM messages
           WHERE sender_type = 'agent' GROUP BY session_id) AS f ON f.session_id = s.id
WHERE s.queued_at IS NOT NULL OR f.first_at IS NOT NULL OR s.assigned_agent_id IS NOT NULL;

UPDATE report_cycles SET
    wait_ms = CASE WHEN queued = 1 THEN CAST(round((julianday(assigned_at) - julianday(started_at)) * 86400000.0) AS INTEGER) END,
    first_ms = CAST(round((julianday(first_reply_at) - julianday(started_at)) * 86400000.0) AS INTEGER),
    closed_ms = CAST(round((julianday(closed_at) - julianday(started_at)) * 86400000.0) AS INTEGER);

INSERT INTO report_holders (session_id, agent_id)
SELECT session_id, agent_id FROM messages WHERE sender_type = 'agent' AND agent_id IS NOT NULL
UNION
SELECT id, assigned_agent_id FROM chat_sessions WHERE assigned_agent_id IS NOT NULL;

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
