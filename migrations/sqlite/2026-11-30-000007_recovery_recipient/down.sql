ALTER TABLE offices DROP COLUMN recovery_recipient;
