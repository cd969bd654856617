-- Full-text search over message content: an FTS5 index that reads the text from `messages`
-- (external content, so the text is stored once). Porter stemming on top of unicode61 lets
-- "refund" find "refunded" and "refunds"; remove_diacritics 2 lets "cafe" find "Café".
CREATE VIRTUAL TABLE messages_fts USING fts5(
    content,
    content = 'messages',
    content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

-- Keep the index in step with the table inside the writing statement itself, so a message is
-- searchable the moment its INSERT commits. Messages are never updated or deleted today; the
-- other two triggers keep the index right if that ever changes.
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
BEGIN
    INSERT INTO messages_fts (rowid, content) VALUES (NEW.id, NEW.content);
END;

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', OLD.id, OLD.content);
END;

CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', OLD.id, OLD.content);
    INSERT INTO messages_fts (rowid, content) VALUES (NEW.id, NEW.content);
END;

-- A database that already holds messages gets them indexed now.
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');

-- Searching by customer filters on name and email; conversations are few next to messages, so
-- a scan of chat_sessions is cheap and no index is added for a substring match it could not use.
