-- Statistics records no longer arrive with a report: each office contributes one record per
-- case for a whole quarter, shuffled, after the quarter ended (DESIGN.md principle 3). The
-- records kept so far are carried over with fresh random ids, in random order and in this
-- migration's transaction, so that neither an id, the heap order nor xmin still pairs one
-- with its report.
CREATE TABLE stats_contributions (
    quarter TEXT NOT NULL,
    office TEXT NOT NULL,
    id TEXT NOT NULL,
    taxonomy_version INTEGER NOT NULL,
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
INSERT INTO stats_contributions (quarter, office, id, taxonomy_version, incident_type,
    racism_form, reporter_role, perpetrator_role, setting, admin_area, consequences,
    reported_further)
SELECT quarter, office, gen_random_uuid()::text, taxonomy_version,
    incident_type, racism_form, reporter_role, perpetrator_role, setting, admin_area,
    consequences, reported_further
FROM stats_records ORDER BY random();
DROP TABLE stats_records;

-- One frozen release per period: computed once, served byte-identical ever after.
CREATE TABLE stats_releases (
    period TEXT PRIMARY KEY NOT NULL,
    series TEXT NOT NULL,
    released_on DATE NOT NULL,
    offices TEXT NOT NULL,
    rules TEXT NOT NULL,
    csv BYTEA NOT NULL,
    json BYTEA NOT NULL,
    html BYTEA NOT NULL
);
-- Served often and whole: stored out of line but uncompressed, so a read is a plain copy.
ALTER TABLE stats_releases ALTER COLUMN csv SET STORAGE EXTERNAL;
ALTER TABLE stats_releases ALTER COLUMN json SET STORAGE EXTERNAL;
ALTER TABLE stats_releases ALTER COLUMN html SET STORAGE EXTERNAL;
-- Each table of a release, rendered: ad-hoc exports come only from here.
CREATE TABLE stats_release_tables (
    period TEXT NOT NULL,
    scope TEXT NOT NULL,
    dims TEXT NOT NULL,
    csv BYTEA NOT NULL,
    json BYTEA NOT NULL,
    PRIMARY KEY (period, scope, dims)
);
