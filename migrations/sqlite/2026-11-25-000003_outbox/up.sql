-- Notifications, their outbox, and retention extensions. Same schema as migrations/postgres.

-- "Something happened in this office": one row per new report or reporter message, written
-- in the same commit as it, with no case id and no time. The mailer turns these into the
-- officers' flags and deletes them. Insert-only, so it never conflicts with another writer.
CREATE TABLE office_news (
    id TEXT PRIMARY KEY NOT NULL,
    office TEXT NOT NULL
);

-- Per officer: is there news not yet mailed, and when did the last mail and reminder go out.
CREATE TABLE officer_notify (
    officer_id TEXT PRIMARY KEY NOT NULL REFERENCES officers (id),
    news BOOLEAN NOT NULL,
    last_mail_at TIMESTAMP,
    last_reminder_on DATE,
    last_digest_on DATE
);

-- Mail waiting to be sent. The text is fixed and built at sending; a row names only the
-- officer. A sender claims a row until claimed_until; a sent row is deleted.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY NOT NULL,
    officer_id TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP,
    claim TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at);

-- An officer extended a case's retention, with a reason (officer text, not reporter data).
-- Deleted together with the case.
CREATE TABLE retention_extensions (
    id TEXT PRIMARY KEY NOT NULL,
    report_id TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    officer_id TEXT NOT NULL,
    previous_delete_after DATE,
    delete_after DATE NOT NULL,
    reason TEXT NOT NULL,
    created_on DATE NOT NULL
);
CREATE INDEX retention_extensions_report ON retention_extensions (report_id);
CREATE INDEX reports_delete_after ON reports (delete_after);
