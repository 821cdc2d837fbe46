-- verify asks which of a day's object keys a row names (its own object, or the real-time one an upgraded row came
-- from): by index, a bounded batch at a time, however many objects a day holds.
CREATE INDEX recordings_s3_key ON recordings (s3_key) WHERE s3_key IS NOT NULL;
CREATE INDEX recordings_original_s3_key ON recordings ((recording_metadata->>'original_s3_key'))
    WHERE (recording_metadata->>'original_s3_key') IS NOT NULL;
