-- The browser desk: invitations, passkey-wrapped officer identities, and attachment order.

-- The order of a report's attachments, so the desk can match each to its name and type in
-- the (encrypted) report document. Existing rows keep 0 and sort by id as before.
ALTER TABLE attachments ADD COLUMN position INTEGER NOT NULL DEFAULT 0;

-- The order in which a case's messages were written: a per-case sequence number, never a
-- time (dates alone left the messages of one day in random order). Existing messages are
-- numbered by date, then id: the best order they have.
ALTER TABLE messages ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE messages SET seq = (
    SELECT count(*) FROM messages m2
    WHERE m2.report_id = messages.report_id
      AND (m2.created_on < messages.created_on
           OR (m2.created_on = messages.created_on AND m2.id <= messages.id))
);
CREATE UNIQUE INDEX messages_report_seq ON messages (report_id, seq);

-- One-time enrollment links. Only the token's SHA-256 is stored; a used invitation stays
-- (marked used) so that a second use can be told apart from a wrong link.
CREATE TABLE invitations (
    token_hash BLOB PRIMARY KEY NOT NULL,
    office TEXT NOT NULL REFERENCES offices (slug),
    display_name TEXT NOT NULL,
    email TEXT,
    expires_at TIMESTAMP NOT NULL,
    used BOOLEAN NOT NULL
);

-- An officer's age identity, encrypted in their browser to their passkey (WebAuthn PRF,
-- age's fido2prf stanza). The server cannot open it; it hands it back for logins elsewhere.
CREATE TABLE passkeys (
    id TEXT PRIMARY KEY NOT NULL,
    officer_id TEXT NOT NULL REFERENCES officers (id),
    credential TEXT NOT NULL,
    wrapped BLOB NOT NULL,
    added_on DATE NOT NULL
);
CREATE INDEX passkeys_officer ON passkeys (officer_id);

-- How many of a case's reporter messages each officer has opened, so the inbox can mark
-- what is new to them. Officers' reading, never the reporter's.
CREATE TABLE case_reads (
    officer_id TEXT NOT NULL REFERENCES officers (id),
    report_id TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    reporter_messages_seen INTEGER NOT NULL,
    PRIMARY KEY (officer_id, report_id)
);

-- The time of an officer's last mail followed a report by seconds, so a copy of the database
-- dated reports by it. The mail interval is now kept in the mailer's memory only.
ALTER TABLE officer_notify DROP COLUMN last_mail_at;
