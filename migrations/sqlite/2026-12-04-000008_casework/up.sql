-- Casework (issue #14): assignment, labels, and the key set of every item.

-- The officer a case is assigned to; NULL: the whole office.
ALTER TABLE reports ADD COLUMN assignee TEXT REFERENCES officers (id);

-- The key-set version each message and attachment was encrypted to, so the desk shows what
-- a rotation left behind. Existing items take their case's version: the oldest they can be.
ALTER TABLE messages ADD COLUMN keyset_version INTEGER NOT NULL DEFAULT 0;
UPDATE messages SET keyset_version = (SELECT keyset_version FROM reports WHERE reports.id = messages.report_id);
ALTER TABLE attachments ADD COLUMN keyset_version INTEGER NOT NULL DEFAULT 0;
UPDATE attachments SET keyset_version = (SELECT keyset_version FROM reports WHERE reports.id = attachments.report_id);

-- The office's own labels. A label's name is case content: an age file encrypted to the
-- office, like a note. The server sees random ids only.
CREATE TABLE labels (
    id TEXT PRIMARY KEY NOT NULL,
    office TEXT NOT NULL REFERENCES offices (slug),
    ciphertext BLOB NOT NULL,
    keyset_version INTEGER NOT NULL
);
CREATE INDEX labels_office ON labels (office);

CREATE TABLE case_labels (
    report_id TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    label_id TEXT NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    PRIMARY KEY (report_id, label_id)
);
CREATE INDEX case_labels_label ON case_labels (label_id);
