-- What the two tracks say about each call (README, "Conversation analytics"). One row per call, from Twilio's
-- dual-channel recording when it has one, else from the real-time caller and assistant tracks.
CREATE TABLE call_analytics (
    call_id          uuid PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
    source           text NOT NULL CHECK (source IN ('twilio', 'realtime')),
    recording_ids    uuid[] NOT NULL,
    seconds          numeric(12, 3) NOT NULL,
    caller_talk      numeric(12, 3) NOT NULL,
    assistant_talk   numeric(12, 3) NOT NULL,
    silence          numeric(12, 3) NOT NULL,
    overlap          numeric(12, 3) NOT NULL,
    barge_ins        integer NOT NULL,
    turns            integer NOT NULL,
    longest_silence  numeric(12, 3) NOT NULL,
    latency_p50      numeric(12, 3),
    latency_p95      numeric(12, 3),
    latency_max      numeric(12, 3),
    latencies        jsonb NOT NULL,
    segments         jsonb NOT NULL,
    computed_at      timestamptz NOT NULL DEFAULT now()
);
