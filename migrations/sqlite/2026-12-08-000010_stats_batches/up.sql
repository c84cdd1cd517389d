-- An office's contribution for a quarter is one batch, sealed with age to this server's
-- statistics key, which lives in a file outside the database (DESIGN.md, "stats_batches").
-- Replacing a batch leaves the old one behind in free pages, the write-ahead log or dead
-- tuples; sealed, it holds nothing a copy of the database could compare with the new one.
-- records is the batch's size (the office's case count of the quarter, known from the cases
-- anyway); 0 is an office's confirmation that it had no case.
CREATE TABLE stats_batches (
    quarter TEXT NOT NULL,
    office TEXT NOT NULL,
    records BIGINT NOT NULL,
    sealed BLOB NOT NULL,
    PRIMARY KEY (quarter, office)
);
-- The statistics key's public half: every server on this database must hold the same key.
CREATE TABLE stats_key (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    recipient TEXT NOT NULL
);
-- The plain records of stats_contributions are sealed into batches by the program after this
-- migration (SQL cannot encrypt); the table stays, empty, for the down migration.
