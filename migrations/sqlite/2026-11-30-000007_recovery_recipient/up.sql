-- An office's recovery recipient (issue #14): an age key kept offline, added to every key set
-- so that cases stay readable when every officer has lost their key. NULL when none is set.
ALTER TABLE offices ADD COLUMN recovery_recipient TEXT;
