-- Issue #24: SQLite's message search moved from a per-message trigger to one statement per
-- write batch (migrations/0017). PostgreSQL searches through an expression index
-- (0007_message_search.sql), which has no such cost: nothing changes here.
SELECT 1;
