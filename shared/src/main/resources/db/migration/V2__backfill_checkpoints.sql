-- What a backfill run has finished, so an interrupted run resumes where it stopped (callvault backfill).
-- A run is named by its parameters (account, window, call): the same command line continues the same run.
CREATE TABLE backfill_done (
    run_key        text NOT NULL,
    recording_sid  text NOT NULL CHECK (recording_sid ~ '^RE[0-9a-f]{32}$'),
    outcome        text NOT NULL,
    done_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_key, recording_sid)
);
