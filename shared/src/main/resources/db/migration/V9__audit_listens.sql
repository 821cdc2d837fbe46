-- "Who listened" is what a person heard (DESIGN 7): a listen is reported by the console's player, with the spans of
-- the recording actually played, and updated while the person listens (one row per player and page view, keyed by
-- the id the player made). Byte requests are not listens; downloads (link, API token, signed link) stay 'download'.
-- Rows written as 'play' before this migration were counted from byte requests and keep that name.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_action_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_action_check CHECK (action IN ('play', 'listen', 'download'));
ALTER TABLE audit_events ADD COLUMN listen_id uuid UNIQUE;
ALTER TABLE audit_events ADD COLUMN spans jsonb CHECK (spans IS NULL OR jsonb_typeof(spans) = 'array');
ALTER TABLE audit_events ADD COLUMN heard_seconds numeric(12, 3) CHECK (heard_seconds >= 0);
ALTER TABLE audit_events ADD COLUMN updated_at timestamptz;
ALTER TABLE audit_events ADD CONSTRAINT listen_has_spans CHECK (action <> 'listen' OR (listen_id IS NOT NULL AND spans IS NOT NULL));
