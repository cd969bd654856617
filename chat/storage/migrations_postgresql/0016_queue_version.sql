-- PostgreSQL dialect of migrations/0016_queue_version.sql: a token that changes whenever the
-- queue's membership or order may have changed (random, never a counter).
CREATE TABLE queue_version (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    token BIGINT NOT NULL
);
INSERT INTO queue_version (id, token) VALUES (1, (random() * 4e18)::bigint);

CREATE FUNCTION queue_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE queue_version SET token = (random() * 4e18)::bigint WHERE id = 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER queue_version_insert AFTER INSERT ON chat_sessions
FOR EACH ROW WHEN (NEW.status = 'queued') EXECUTE FUNCTION queue_version_bump();

CREATE TRIGGER queue_version_update AFTER UPDATE OF status, queue_front, queue_rank
ON chat_sessions
FOR EACH ROW WHEN ((OLD.status = 'queued' OR NEW.status = 'queued')
    AND (OLD.status IS DISTINCT FROM NEW.status OR OLD.queue_front IS DISTINCT FROM NEW.queue_front
         OR OLD.queue_rank IS DISTINCT FROM NEW.queue_rank))
EXECUTE FUNCTION queue_version_bump();

CREATE TRIGGER queue_version_delete AFTER DELETE ON chat_sessions
FOR EACH ROW WHEN (OLD.status = 'queued') EXECUTE FUNCTION queue_version_bump();
