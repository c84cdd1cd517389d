DROP TABLE stats_release_tables;
DROP TABLE stats_releases;
CREATE TABLE stats_records (
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
);
INSERT INTO stats_records SELECT quarter, office, id, taxonomy_version, 'office', incident_type,
    racism_form, reporter_role, perpetrator_role, setting, admin_area, consequences,
    reported_further FROM stats_contributions;
DROP TABLE stats_contributions;
