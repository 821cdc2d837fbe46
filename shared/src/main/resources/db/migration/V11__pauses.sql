-- Pauses of a call's recording (DESIGN 10): while a card number is read, both recorders pause together. Twilio sends no
-- callback for a pause: these rows are the only evidence there will be. Times on the wall clock, and in the real-time
-- stream's own timeline when this daemon's recorder paused (its seconds from the stream's start).
CREATE TABLE pauses (
    id              bigserial PRIMARY KEY,
    call_id         uuid NOT NULL REFERENCES calls (id) ON DELETE RESTRICT,
    started_at      timestamptz NOT NULL,
    ended_at        timestamptz,
    stream_from     numeric(12, 3),
    stream_to       numeric(12, 3),
    paused_by       text NOT NULL,
    reason          text NOT NULL CHECK (length(reason) > 0),
    resumed_by      text,
    twilio_paused   text NOT NULL,        -- 'paused', 'no recording' (Twilio had none to pause) or 'failed: ...'
    twilio_resumed  text,
    realtime        boolean NOT NULL      -- the real-time recorder of the call paused too (it was recording)
);
CREATE INDEX pauses_call ON pauses (call_id, started_at);
CREATE UNIQUE INDEX pauses_one_open_per_call ON pauses (call_id) WHERE ended_at IS NULL;
