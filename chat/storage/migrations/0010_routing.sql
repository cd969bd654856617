-- Issue #17, routing and the queue. A queued conversation's place: `queue_front` (1 for one an
-- agent gave back by going offline: they go first) then `queue_rank` (the event log's head when
-- it was queued: the order the queueing writes committed in, first in, first out) then id.
-- `queued_at` is when it was first queued, `waiting_since` when this wait began (what the
-- inbox and the visitor are shown). `last_routed` (the event head at an agent's latest
-- automatic assignment) orders agents for round robin. Each wait for a
-- person is kept in queue_waits (the estimate of the expected wait is made from them), and a
-- transfer's note is the first private note (agents only, no seq).
ALTER TABLE chat_sessions ADD COLUMN queued_at TEXT;
ALTER TABLE chat_sessions ADD COLUMN waiting_since TEXT;
ALTER TABLE chat_sessions ADD COLUMN queue_rank INTEGER;
ALTER TABLE chat_sessions ADD COLUMN queue_front INTEGER NOT NULL DEFAULT 0;
UPDATE chat_sessions SET queued_at = updated_at, waiting_since = updated_at, queue_rank = id
    WHERE status = 'queued';
CREATE INDEX chat_sessions_queue ON chat_sessions (queue_front DESC, queue_rank, id)
    WHERE status = 'queued';
CREATE INDEX chat_sessions_holder ON chat_sessions (assigned_agent_id) WHERE status = 'active';

ALTER TABLE agents ADD COLUMN last_routed INTEGER;

CREATE TABLE queue_waits (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES chat_sessions (id),
    started_at  TEXT    NOT NULL,
    position    INTEGER NOT NULL,
    ended_at    TEXT,
    outcome     TEXT,
    agent_id    INTEGER REFERENCES agents (id)
);
CREATE INDEX queue_waits_open ON queue_waits (session_id) WHERE ended_at IS NULL;
CREATE INDEX queue_waits_ended ON queue_waits (ended_at) WHERE outcome = 'assigned';

CREATE TABLE notes (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES chat_sessions (id),
    agent_id    INTEGER REFERENCES agents (id),
    agent_name  TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);
CREATE INDEX notes_session ON notes (session_id, id);
