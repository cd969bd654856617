-- Issue #24: a message is indexed for search by its write transaction, once per batch, not by
-- a trigger on each INSERT. FTS5 writes its pending terms out as a new segment whenever a
-- statement that touches it opens a statement savepoint, which an INSERT with triggers does:
-- each message made a segment of its own (three rows of messages_fts_data, then merges), about
-- a quarter of a message's SQL. The writer now runs chat/storage/search.py's INDEX_NEW before
-- every COMMIT: one statement that indexes every message above the highest one indexed, so a
-- batch of messages makes one segment, and a message is still searchable once it commits.
-- The update and delete triggers stay: they are not on the path of a new message.
DROP TRIGGER messages_fts_insert;
