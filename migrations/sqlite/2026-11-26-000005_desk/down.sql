ALTER TABLE officer_notify ADD COLUMN last_mail_at TIMESTAMP;
DROP TABLE case_reads;
DROP TABLE passkeys;
DROP TABLE invitations;
ALTER TABLE attachments DROP COLUMN position;
DROP INDEX messages_report_seq;
ALTER TABLE messages DROP COLUMN seq;
