ALTER TABLE messages DROP COLUMN created_at;
ALTER TABLE messages DROP COLUMN author;
