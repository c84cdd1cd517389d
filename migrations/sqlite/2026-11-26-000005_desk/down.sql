DROP TABLE passkeys;
DROP TABLE invitations;
ALTER TABLE attachments DROP COLUMN position;
