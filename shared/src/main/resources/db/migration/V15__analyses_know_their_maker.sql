-- Which version of the analyser made each row of call_analytics (TrackAnalyzer.VERSION): a row made by an older one
-- is made again by `callvault analyze` and the daemon, not kept as "unchanged". NULL: made before versions were kept.
ALTER TABLE call_analytics ADD COLUMN analyzer_version integer;
