-- The same key as on SQLite: exports read whole quarters of one or more offices.
ALTER TABLE stats_records DROP CONSTRAINT stats_records_pkey;
ALTER TABLE stats_records ADD PRIMARY KEY (quarter, office, id);
DROP INDEX stats_records_quarter;
