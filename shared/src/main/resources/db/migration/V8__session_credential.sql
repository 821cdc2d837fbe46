-- A session remembers which password it was opened with (a fingerprint of the user's bcrypt hash), so a new
-- password ends the user's other sessions, as removing the user does.
ALTER TABLE console_sessions ADD COLUMN credential text NOT NULL DEFAULT '';
