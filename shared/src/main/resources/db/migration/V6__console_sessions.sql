-- Console sign-ins. The cookie holds a random token; only its SHA-256 is kept, so a copy of this table opens no
-- session. In the database rather than in memory: a session works on every replica and survives a restart.
CREATE TABLE console_sessions (
    token_sha256  text PRIMARY KEY,
    username      text NOT NULL,
    csrf          text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    seen_at       timestamptz NOT NULL DEFAULT now(),
    remote        text
);
CREATE INDEX console_sessions_seen ON console_sessions (seen_at);
