-- Same schema as migrations/postgres; SQLite spellings of the types.
CREATE TABLE offices (
    slug TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    municipality TEXT NOT NULL,
    land TEXT NOT NULL,
    size_class TEXT NOT NULL,
    keyset_version INTEGER NOT NULL,
    retention_years INTEGER NOT NULL,
    created_on DATE NOT NULL
);

CREATE TABLE officers (
    id TEXT PRIMARY KEY NOT NULL,
    office TEXT NOT NULL REFERENCES offices (slug),
    display_name TEXT NOT NULL,
    recipient TEXT NOT NULL,
    email TEXT,
    active BOOLEAN NOT NULL,
    added_on DATE NOT NULL
);
CREATE INDEX officers_office ON officers (office, active);

-- Reporter-visible times are dates only.
CREATE TABLE reports (
    id TEXT PRIMARY KEY NOT NULL,
    office TEXT NOT NULL REFERENCES offices (slug),
    keyset_version INTEGER NOT NULL,
    ciphertext BLOB NOT NULL,
    reply_recipient TEXT NOT NULL,
    lookup_hash BLOB NOT NULL UNIQUE,
    status TEXT NOT NULL,
    received_on DATE NOT NULL,
    acknowledged_on DATE,
    ack_due DATE NOT NULL,
    feedback_due DATE NOT NULL,
    closed_on DATE,
    delete_after DATE
);
CREATE INDEX reports_office ON reports (office, status);

CREATE TABLE messages (
    id TEXT PRIMARY KEY NOT NULL,
    report_id TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    direction TEXT NOT NULL,
    ciphertext BLOB NOT NULL,
    created_on DATE NOT NULL
);
CREATE INDEX messages_report ON messages (report_id);

CREATE TABLE attachments (
    id TEXT PRIMARY KEY NOT NULL,
    report_id TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    ciphertext BLOB NOT NULL,
    created_on DATE NOT NULL
);
CREATE INDEX attachments_report ON attachments (report_id);

-- Unlinked from reports: no foreign key, a random id, the quarter only. WITHOUT ROWID
-- stores rows in the order of their random id, not in the order they arrived.
CREATE TABLE stats_records (
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
CREATE INDEX stats_records_quarter ON stats_records (quarter);

-- Officer actions, hash-chained. Officers are not anonymous; reporters never appear here.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY NOT NULL,
    office TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT,
    at TIMESTAMP NOT NULL,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL
);

CREATE TABLE challenges (
    id TEXT PRIMARY KEY NOT NULL,
    principal TEXT NOT NULL,
    secret_hash BLOB NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY NOT NULL,
    principal TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
