-- Values the whole installation shares, by name: today the token of the files folder's marker,
-- with which each node checks at start that it sees the same folder as the others.
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
