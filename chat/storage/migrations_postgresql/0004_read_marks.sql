-- Read receipts: the seq of the newest message each side has read (0: nothing yet). A mark only
-- moves forward and never past last_seq.
ALTER TABLE chat_sessions ADD COLUMN customer_read_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE chat_sessions ADD COLUMN agent_read_seq INTEGER NOT NULL DEFAULT 0;
