-- Analysts of the alliance: they log in by age challenge like officers and see only
-- released tables of the offices they are granted; never a report.
CREATE TABLE analysts (
    id TEXT PRIMARY KEY NOT NULL,
    display_name TEXT NOT NULL,
    recipient TEXT NOT NULL,
    all_offices BOOLEAN NOT NULL,
    active BOOLEAN NOT NULL,
    added_on DATE NOT NULL
);

CREATE TABLE analyst_grants (
    analyst_id TEXT NOT NULL REFERENCES analysts (id),
    office TEXT NOT NULL REFERENCES offices (slug),
    PRIMARY KEY (analyst_id, office)
);
