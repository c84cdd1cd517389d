DROP TABLE case_labels;
DROP TABLE labels;
ALTER TABLE attachments DROP COLUMN keyset_version;
ALTER TABLE messages DROP COLUMN keyset_version;
ALTER TABLE reports DROP COLUMN assignee;
