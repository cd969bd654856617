-- Full-text search over message content, with the word rules of migrations/0007 (FTS5):
-- stemming ("refund" finds "refunded"), no stop words (FTS5 has none: "the" is a word too),
-- accents and case ignored ("cafe" finds "Café"). unaccent is a trusted extension: the
-- database's owner may create it.
CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE TEXT SEARCH DICTIONARY switchboard_stem (TEMPLATE = snowball, Language = english);

CREATE TEXT SEARCH CONFIGURATION switchboard (COPY = english);
ALTER TEXT SEARCH CONFIGURATION switchboard
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
    WITH unaccent, switchboard_stem;

-- An expression index rather than a stored column: `SELECT * FROM messages` stays as it was.
-- chat/storage/search.py queries with this very expression so the planner uses the index.
CREATE INDEX messages_search ON messages USING gin (to_tsvector('switchboard', content));
