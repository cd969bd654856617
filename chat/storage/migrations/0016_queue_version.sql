-- Issue #24: a token that changes whenever the queue's membership or order may have changed,
-- so that a session read can take a conversation's place from the queue's order read once per
-- change (chat/storage/queue.py, QueuePlaces) instead of counting the conversations ahead of
-- it on every read: with 2,000 queued, that count was a third of a message's write.
-- The token is random (never a counter): a transaction that rolled back cannot leave a token
-- that a later, different queue would take again.
CREATE TABLE queue_version (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    token INTEGER NOT NULL
);
INSERT INTO queue_version (id, token) VALUES (1, random());

CREATE TRIGGER queue_version_insert AFTER INSERT ON chat_sessions
WHEN NEW.status = 'queued'
BEGIN
    UPDATE queue_version SET token = random() WHERE id = 1;
END;

CREATE TRIGGER queue_version_update AFTER UPDATE OF status, queue_front, queue_rank
ON chat_sessions
WHEN (OLD.status = 'queued' OR NEW.status = 'queued')
    AND (OLD.status IS NOT NEW.status OR OLD.queue_front IS NOT NEW.queue_front
         OR OLD.queue_rank IS NOT NEW.queue_rank)
BEGIN
    UPDATE queue_version SET token = random() WHERE id = 1;
END;

CREATE TRIGGER queue_version_delete AFTER DELETE ON chat_sessions
WHEN OLD.status = 'queued'
BEGIN
    UPDATE queue_version SET token = random() WHERE id = 1;
END;
