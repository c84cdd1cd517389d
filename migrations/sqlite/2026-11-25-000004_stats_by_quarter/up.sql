-- Keep statistics records clustered by quarter and office. An export reads whole quarters,
-- and rows that arrive in key order group without a full sort. Within a quarter and office
-- the order is the random id, so row order still says nothing about arrival.
CREATE TABLE stats_records_new (
    quarter TEXT NOT NULL,
    office TEXT NOT NULL,
    id TEXT NOT NULL,
    taxonomy_version INTEGER NOT NULL,
    source TEXT NOT NULL,
    incident_type TEXT,
    racism_form TEXT,
    reporter_role TEXT,
    perpetrator_role TEXT,
    setting TEXT,
    admin_area TEXT,
    consequences TEXT,
    reported_further TEXT,
    PRIMARY KEY (quarter, office, id)
) WITHOUT ROWID;
INSERT INTO stats_records_new (quarter, office, id, taxonomy_version, source, incident_type,
    racism_form, reporter_role, perpetrator_role, setting, admin_area, consequences,
    reported_further)
SELECT quarter, office, id, taxonomy_version, source, incident_type, racism_form,
    reporter_role, perpetrator_role, setting, admin_area, consequences, reported_further
FROM stats_records;
DROP TABLE stats_records;
ALTER TABLE stats_records_new RENAME TO stats_records;
