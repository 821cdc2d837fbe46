-- A Media Stream records each of user, assistant and mixed once: a repeated or raced `start` cannot make a second
-- real-time row of the same kind. A Twilio recording that a stream's mixed recording joined carries the stream's
-- sid too, so it counts here as that stream's mixed row.
CREATE UNIQUE INDEX recordings_one_per_stream_and_type ON recordings (stream_sid, recording_type) WHERE stream_sid IS NOT NULL;
