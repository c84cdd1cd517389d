CREATE TABLE stats_records_old (
    id TEXT PRIMARY KEY NOT NULL,
    office TEXT NOT NULL,
    taxonomy_version INTEGER NOT NULL,
    source TEXT NOT NULL,
    quarter TEXT NOT NULL,
    incident_type TEXT,
    racism_form TEXT,
    reporter_role TEXT,
    perpetrator_role TEXT,
    setting TEXT,
    admin_area TEXT,
    consequences TEXT,
    reported_further TEXT
) WITHOUT ROWID;
INSERT INTO stats_records_old (id, office, taxonomy_version, source, quarter, incident_type,
    racism_form, reporter_role, perpetrator_role, setting, admin_area, consequences,
    reported_further)
SELECT id, office, taxonomy_version, source, quarter, incident_type, racism_form,
    reporter_role, perpetrator_role, setting, admin_area, consequences, reported_further
FROM stats_records;
DROP TABLE stats_records;
ALTER TABLE stats_records_old RENAME TO stats_records;
CREATE INDEX stats_records_quarter ON stats_records (quarter);
