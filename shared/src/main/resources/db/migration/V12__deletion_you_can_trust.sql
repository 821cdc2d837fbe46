-- Deletion you can trust: marks before any deletion, calls live until Twilio says they ended, one record per erasure
-- request, no plain number in a hold, and retention that reads only what is due.

-- Marks. An erasure or a retention run first marks, in one transaction, every call (and, for the real-time tracks
-- alone, every recording) it will delete; only then does it delete anything anywhere. Every path that creates or
-- restores audio (callbacks, backfill, verify --fix, replay, the real-time recorder, the journal) refuses a marked call
-- or recording, so a deletion that stopped halfway can never be undone by a repair. A mark stays once the deletion is
-- done. marked_by names the erasure request (the one that deletes it, also for a recording Twilio finishes later);
-- marked_why the retention policy.
ALTER TABLE calls ADD COLUMN marked_at timestamptz;
ALTER TABLE calls ADD COLUMN marked_for text CHECK (marked_for IN ('erasure', 'retention'));
ALTER TABLE calls ADD COLUMN marked_by uuid REFERENCES erasures (id);
ALTER TABLE calls ADD COLUMN marked_why text;
ALTER TABLE calls ADD CONSTRAINT calls_mark_whole CHECK ((marked_at IS NULL) = (marked_for IS NULL)
    AND (marked_for IS DISTINCT FROM 'erasure' OR marked_by IS NOT NULL));
ALTER TABLE recordings ADD COLUMN marked_at timestamptz;
ALTER TABLE recordings ADD COLUMN marked_for text CHECK (marked_for IN ('erasure', 'retention'));
ALTER TABLE recordings ADD COLUMN marked_why text;
ALTER TABLE recordings ADD CONSTRAINT recordings_mark_whole CHECK ((marked_at IS NULL) = (marked_for IS NULL));

-- Calls erased or expired before marks existed are marked as what they are: nothing of them ever comes back.
UPDATE calls SET marked_at = erased_at, marked_for = 'retention', marked_why = erased_why
WHERE erased_at IS NOT NULL AND erased_by = 'retention policy';
UPDATE calls c SET marked_at = c.erased_at, marked_for = 'erasure',
       marked_by = (SELECT e.id FROM erasures e WHERE c.id = ANY (e.call_ids) ORDER BY e.started_at DESC LIMIT 1)
WHERE c.erased_at IS NOT NULL AND c.marked_at IS NULL
  AND EXISTS (SELECT 1 FROM erasures e WHERE c.id = ANY (e.call_ids));
UPDATE calls SET marked_at = erased_at, marked_for = 'retention', marked_why = coalesce(erased_why, 'erased before marks existed')
WHERE erased_at IS NOT NULL AND marked_at IS NULL;
UPDATE recordings SET marked_at = deleted_at, marked_for = CASE status WHEN 'erased' THEN 'erasure' ELSE 'retention' END,
       marked_why = recording_metadata->>'deleted_why'
WHERE status IN ('erased', 'expired');

-- When a call ended. ended_at: the best known end (Twilio's recording's end, the real-time tracks' end, Twilio's
-- Calls resource), where every retention policy's clock starts. twilio_ended_at: when Twilio said the call is over
-- (a recording's final callback, its Calls resource); until then a call with no live track of ours may still be live.
ALTER TABLE calls ADD COLUMN twilio_ended_at timestamptz;
UPDATE calls c SET ended_at = e.ended
FROM (SELECT r.call_id, max(CASE WHEN r.recording_metadata->>'start_time' ~ '^\d{4}-\d\d-\d\dT'
                                 THEN (r.recording_metadata->>'start_time')::timestamptz ELSE r.created_at END
                            + coalesce(r.duration_seconds, 0) * interval '1 second') AS ended
      FROM recordings r GROUP BY r.call_id) e
WHERE e.call_id = c.id AND c.ended_at IS NULL;
UPDATE calls c SET twilio_ended_at = coalesce(c.ended_at, c.started_at, c.created_at)
WHERE EXISTS (SELECT 1 FROM recordings r WHERE r.call_id = c.id AND r.recording_sid IS NOT NULL AND r.status <> 'in-progress');

-- One erasure request, one record. A request that carries on an unfinished one of the same selector is a record of its
-- own (continues names the earlier one, which becomes 'superseded'); what it deletes is credited to it alone.
-- erasure_calls: each call of a request and what became of it, so a proof can always be told again from the database.
ALTER TABLE erasures ADD COLUMN asked_for text;
UPDATE erasures SET asked_for = report->>'asked_for';
ALTER TABLE erasures ADD COLUMN continues uuid REFERENCES erasures (id);
ALTER TABLE erasures DROP CONSTRAINT erasures_state_check;
ALTER TABLE erasures ADD CONSTRAINT erasures_state_check CHECK (state IN ('running', 'partial', 'complete', 'superseded'));
DROP INDEX erasures_one_open_per_selector;
CREATE UNIQUE INDEX erasures_one_open_per_selector ON erasures (selector) WHERE state IN ('running', 'partial');
CREATE TABLE erasure_calls (
    erasure_id  uuid NOT NULL REFERENCES erasures (id),
    call_id     uuid NOT NULL REFERENCES calls (id),
    outcome     text NOT NULL CHECK (outcome IN ('found', 'erased', 'held', 'pending', 'failed', 'carried_on')),
    detail      text,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (erasure_id, call_id)
);
INSERT INTO erasure_calls (erasure_id, call_id, outcome, detail)
SELECT e.id, c.id, coalesce(o.value->>'outcome', 'found'), o.value->>'detail'
FROM erasures e CROSS JOIN LATERAL unnest(e.call_ids) AS u(call_id)
JOIN calls c ON c.id = u.call_id
LEFT JOIN LATERAL (SELECT x.value FROM jsonb_array_elements(coalesce(e.report->'calls', '[]'::jsonb)) x
                   WHERE x.value->>'call_sid' = c.call_sid LIMIT 1) o ON true;

-- A hold on a number keeps the number's keyed hash (privacy.hash-secret) and its last digits for people to read, never
-- the number: the daemon and the CLI replace the plain numbers of older holds when they start (they hold the secret).
ALTER TABLE legal_holds ADD COLUMN number_hash text;
ALTER TABLE legal_holds ADD COLUMN number_hint text;
ALTER TABLE legal_holds DROP CONSTRAINT legal_holds_check;
ALTER TABLE legal_holds ADD CONSTRAINT legal_holds_on_one_thing CHECK ((call_id IS NULL) <> (number IS NULL AND number_hash IS NULL));
CREATE INDEX legal_holds_active_number_hash ON legal_holds (number_hash) WHERE removed_at IS NULL;

-- Retention reads only what is due: each policy's calls by (assistant, end) among the calls not yet deleted, and the
-- real-time tracks by age among those not yet deleted.
CREATE INDEX calls_retention ON calls (assistant, (coalesce(ended_at, started_at, created_at)), id) WHERE erased_at IS NULL;
CREATE INDEX recordings_realtime_tracks ON recordings (created_at)
    WHERE stream_sid IS NOT NULL AND recording_sid IS NULL AND recording_type IN ('user', 'assistant') AND status NOT IN ('erased', 'expired');
