-- The console's and the API's calls list: newest first (by when the call started, else when we first heard of it),
-- paged by keyset, so the first page and the thousandth cost the same.
CREATE INDEX calls_newest_first ON calls ((coalesce(started_at, created_at)) DESC, id DESC);
-- Finding a call's recordings by state (live, failed) without reading them all.
CREATE INDEX recordings_call_status ON recordings (call_id, status);
