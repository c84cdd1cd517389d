ALTER TABLE stats_records DROP CONSTRAINT stats_records_pkey;
ALTER TABLE stats_records ADD PRIMARY KEY (id);
CREATE INDEX stats_records_quarter ON stats_records (quarter);
