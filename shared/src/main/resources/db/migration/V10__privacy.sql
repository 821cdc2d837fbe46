-- Personal data with a lifecycle (DESIGN 9): tombstones, legal holds, erasures and the record of every deletion.

-- A tombstone: an erased or expired recording keeps its row without audio or keys (its SIDs, when, by what, why), so
-- nothing brings it back (backfill, a late callback, replay, verify --fix).
ALTER TABLE recordings DROP CONSTRAINT recordings_status_check;
ALTER TABLE recordings ADD CONSTRAINT recordings_status_check
    CHECK (status IN ('in-progress', 'completed', 'absent', 'failed', 'erased', 'expired'));
ALTER TABLE recordings ADD COLUMN deleted_at timestamptz;
ALTER TABLE recordings ADD CONSTRAINT tombstone_has_no_audio
    CHECK (status NOT IN ('erased', 'expired') OR (s3_key IS NULL AND s3_url IS NULL AND deleted_at IS NOT NULL));

-- A call whose recordings are all gone keeps its row with its numbers replaced by a keyed hash (privacy.hash-secret):
-- "did we erase this number?" can be answered without keeping the number.
ALTER TABLE calls ADD COLUMN from_hash text;
ALTER TABLE calls ADD COLUMN to_hash text;
ALTER TABLE calls ADD COLUMN erased_at timestamptz;
ALTER TABLE calls ADD COLUMN erased_by text;
ALTER TABLE calls ADD COLUMN erased_why text;
CREATE INDEX calls_from_hash ON calls (from_hash) WHERE from_hash IS NOT NULL;
CREATE INDEX calls_to_hash ON calls (to_hash) WHERE to_hash IS NOT NULL;
CREATE INDEX calls_from_number ON calls (from_number);
CREATE INDEX calls_to_number ON calls (to_number);

-- A legal hold beats every retention policy and every erasure, until it is removed (audited) or its date passes.
CREATE TABLE legal_holds (
    id             bigserial PRIMARY KEY,
    call_id        uuid REFERENCES calls (id) ON DELETE RESTRICT,
    number         text,                -- E.164: a hold on a number holds every call from or to it, later ones too
    reason         text NOT NULL CHECK (length(reason) > 0),
    placed_by      text NOT NULL,
    placed_at      timestamptz NOT NULL DEFAULT now(),
    until_date     date,
    removed_at     timestamptz,
    removed_by     text,
    removed_why    text,
    CHECK ((call_id IS NULL) <> (number IS NULL)),
    CHECK (removed_at IS NULL OR (removed_by IS NOT NULL AND removed_why IS NOT NULL))
);
CREATE INDEX legal_holds_active_call ON legal_holds (call_id) WHERE removed_at IS NULL;
CREATE INDEX legal_holds_active_number ON legal_holds (number) WHERE removed_at IS NULL;

-- One erasure request, from its start to its proof: a run killed halfway is resumed by the same command (or the timer)
-- under the same id, and ends with one report.
CREATE TABLE erasures (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    selector       text NOT NULL,       -- what was asked for, the number as its keyed hash: the same request resumes
    requested_by   text NOT NULL,
    reason         text NOT NULL CHECK (length(reason) > 0),
    started_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz,
    state          text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'partial', 'complete')),
    call_ids       uuid[] NOT NULL,     -- the calls found when it started: a resumed run erases exactly these
    report         jsonb
);
CREATE UNIQUE INDEX erasures_one_open_per_selector ON erasures (selector) WHERE state <> 'complete';

-- Every deletion, by whom (a person, or the retention policy), when, why, of what, where, and its outcome.
CREATE TABLE deletions (
    id             bigserial PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    actor          text NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('retention', 'erasure', 'hold_placed', 'hold_removed', 'backfill')),
    why            text NOT NULL,
    erasure_id     uuid REFERENCES erasures (id),
    call_sid       text,
    recording_sid  text,
    object_key     text,
    bytes          bigint,
    sha256         text,
    place          text NOT NULL CHECK (place IN ('store', 'database', 'twilio', 'holds')),
    outcome        text NOT NULL CHECK (outcome IN ('deleted', 'already_gone', 'failed', 'held', 'pending', 'placed', 'removed')),
    detail         text
);
CREATE INDEX deletions_at ON deletions (at DESC);
CREATE INDEX deletions_erasure ON deletions (erasure_id) WHERE erasure_id IS NOT NULL;

-- When retention last ran (the daily timer), for the metric and the alert that says it has not.
CREATE TABLE retention_runs (
    id             bigserial PRIMARY KEY,
    started_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz,
    dry_run        boolean NOT NULL,
    deleted        integer NOT NULL DEFAULT 0,
    failed         integer NOT NULL DEFAULT 0
);
