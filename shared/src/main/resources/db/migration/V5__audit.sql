-- Who listened to which recording, when and from where (DESIGN 7): call recordings are personal data.
CREATE TABLE audit_events (
    id            bigserial PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT now(),
    who           text NOT NULL,
    action        text NOT NULL CHECK (action IN ('play', 'download')),
    call_id       uuid NOT NULL REFERENCES calls (id) ON DELETE RESTRICT,
    recording_id  uuid NOT NULL REFERENCES recordings (id) ON DELETE RESTRICT,
    remote        text,
    user_agent    text
);
CREATE INDEX audit_events_call ON audit_events (call_id, at DESC);
