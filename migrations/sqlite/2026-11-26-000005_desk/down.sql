DROP TABLE case_reads;
DROP TABLE passkeys;
DROP TABLE invitations;
ALTER TABLE attachments DROP COLUMN position;
