-- The schema of DESIGN.md section 3. Rules that must always hold live here, and the code relies on them.

CREATE TABLE calls (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    call_sid     text NOT NULL UNIQUE CHECK (call_sid ~ '^CA[0-9a-f]{32}$'),
    account_sid  text NOT NULL CHECK (account_sid ~ '^AC[0-9a-f]{32}$'),
    from_number  text,
    to_number    text,
    assistant    text,
    started_at   timestamptz,
    ended_at     timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE recordings (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    call_id            uuid NOT NULL REFERENCES calls (id) ON DELETE RESTRICT,
    recording_type     text NOT NULL CHECK (recording_type IN ('user', 'assistant', 'mixed', 'twilio')),
    recording_source   text NOT NULL DEFAULT 's3' CHECK (recording_source IN ('s3', 'twilio')),
    status             text NOT NULL CHECK (status IN ('in-progress', 'completed', 'absent', 'failed')),
    recording_sid      text UNIQUE CHECK (recording_sid ~ '^RE[0-9a-f]{32}$'),
    stream_sid         text CHECK (stream_sid ~ '^MZ[0-9a-f]{32}$'),
    s3_key             text,
    s3_url             text,
    format             text CHECK (format IN ('mp3', 'wav')),
    channels           smallint CHECK (channels IN (1, 2)),
    duration_seconds   numeric(12, 3) CHECK (duration_seconds >= 0),
    file_size          bigint CHECK (file_size >= 0),
    sha256             text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    recording_metadata jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(recording_metadata) = 'object'),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    -- a completed recording is one whose bytes we hold and can verify
    CONSTRAINT completed_has_object CHECK (status <> 'completed' OR (s3_key IS NOT NULL AND file_size IS NOT NULL AND sha256 IS NOT NULL))
);
CREATE INDEX recordings_call ON recordings (call_id, recording_type);
CREATE INDEX recordings_in_progress ON recordings (updated_at) WHERE status = 'in-progress';

-- Every recording status callback received, verbatim: the durable queue the workers claim from.
CREATE TABLE callbacks (
    id               bigserial PRIMARY KEY,
    received_at      timestamptz NOT NULL DEFAULT now(),
    account_sid      text NOT NULL CHECK (account_sid ~ '^AC[0-9a-f]{32}$'),
    call_sid         text CHECK (call_sid ~ '^CA[0-9a-f]{32}$'),
    recording_sid    text NOT NULL CHECK (recording_sid ~ '^RE[0-9a-f]{32}$'),
    recording_status text NOT NULL,
    params           jsonb NOT NULL,
    state            text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'dead')),
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (recording_sid, recording_status)
);
CREATE INDEX callbacks_due ON callbacks (next_attempt_at) WHERE state = 'pending';
