-- Pauses that hold when Twilio misbehaves (issue 34). A pause is stored the moment it is asked, before Twilio answers,
-- flagged until Twilio confirms in time; Twilio is asked again in the background, each try kept here; a call that ends
-- during a pause closes it at its end.

-- Twilio's recording may hold the span: set from the start, cleared only when Twilio confirmed the pause before the
-- answer went out (or has no recording of the call, and none was started by our TwiML). Pauses stored before this
-- migration carried it in their words.
ALTER TABLE pauses ADD COLUMN twilio_may_hold boolean NOT NULL DEFAULT true;
UPDATE pauses SET twilio_may_hold = twilio_paused LIKE 'failed%';
-- when Twilio confirmed the pause, and the resume
ALTER TABLE pauses ADD COLUMN twilio_paused_at timestamptz;
ALTER TABLE pauses ADD COLUMN twilio_resumed_at timestamptz;
-- the pause ended because the call did (nobody resumed it)
ALTER TABLE pauses ADD COLUMN ended_with_call boolean NOT NULL DEFAULT false;

-- Every request to Twilio for a pause or its resume: when it went, when it came back, and what Twilio answered.
CREATE TABLE pause_tries (
    id          bigserial PRIMARY KEY,
    pause_id    bigint NOT NULL REFERENCES pauses (id) ON DELETE CASCADE,
    action      text NOT NULL CHECK (action IN ('pause', 'resume')),
    sent_at     timestamptz NOT NULL,
    answered_at timestamptz NOT NULL,
    answer      text NOT NULL
);
CREATE INDEX pause_tries_pause ON pause_tries (pause_id, action);

-- The call's TwiML (our voice webhook's answer) started a recording at Twilio: a 404 from Twilio for its current
-- recording then says we do not know that recording is paused, not that there is none.
ALTER TABLE calls ADD COLUMN twiml_recording boolean NOT NULL DEFAULT false;
