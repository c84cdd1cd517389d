-- Who wrote an office's reply or note, and when to the minute (times of officers' own work;
-- a reporter's message keeps its date only, and both columns stay NULL for it).
ALTER TABLE messages ADD COLUMN author TEXT REFERENCES officers (id);
ALTER TABLE messages ADD COLUMN created_at TIMESTAMP;
