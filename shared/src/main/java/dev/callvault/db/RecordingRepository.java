package dev.callvault.db;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The {@code recordings} table. */
public final class RecordingRepository {
    static final String COLUMNS = """
            id, call_id, recording_type, recording_source, status, recording_sid, stream_sid, s3_key, s3_url, format,
            channels, duration_seconds, file_size, sha256, recording_metadata::text AS metadata, created_at, updated_at""";
    static final RowMapper<RecordingRow> MAPPER = RecordingRepository::map;

    private final Jdbi jdbi;

    public RecordingRepository(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    public Optional<RecordingRow> findByRecordingSid(String recordingSid) {
        return jdbi.withHandle(h -> findByRecordingSid(h, recordingSid));
    }

    static Optional<RecordingRow> findByRecordingSid(Handle h, String recordingSid) {
        return h.createQuery("SELECT " + COLUMNS + " FROM recordings WHERE recording_sid = :sid FOR UPDATE")
                .bind("sid", recordingSid).map(MAPPER).findOne();
    }

    public Optional<RecordingRow> findById(UUID id) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM recordings WHERE id = :id")
                .bind("id", id).map(MAPPER).findOne());
    }

    public List<RecordingRow> findByCall(UUID callId) {
        return jdbi.withHandle(h -> findByCall(h, callId));
    }

    /** The call's rows as {@code h}'s transaction sees them. */
    public static List<RecordingRow> findByCall(Handle h, UUID callId) {
        return h.createQuery("SELECT " + COLUMNS + " FROM recordings WHERE call_id = :call ORDER BY created_at, id")
                .bind("call", callId).map(MAPPER).list();
    }

    /**
     * A real-time recording's row, in progress from the stream's start; {@code key} is where its object will be.
     * The mixed recording joins a Twilio recording of the call that was archived before the stream started, so that
     * the call ends with one mixed row whatever the order (DESIGN 2.2): a completed one keeps Twilio's data and names
     * the real-time object as {@code original_s3_key}; one without media (absent, failed) becomes the real-time row
     * that keeps Twilio's word in its metadata, as it would have had the stream started first. Run inside the
     * transaction that locked the call row ({@link CallRepository#upsert}), which orders it against Twilio's archive.
     */
    public UUID startRealtime(Handle h, UUID id, UUID callId, String type, String streamSid, String key, String url, String format,
                              String metadataJson) {
        Optional<RecordingRow> twilio = type.equals("mixed") ? findUnjoinedTwilioMixed(h, callId) : Optional.empty();
        if (twilio.isPresent() && twilio.get().completed()) {
            return h.createQuery("""
                            UPDATE recordings SET stream_sid = :stream, updated_at = now(),
                                   recording_metadata = recording_metadata || :meta::jsonb || jsonb_build_object('original_s3_key', :key)
                            WHERE id = :id RETURNING id""")
                    .bind("id", twilio.get().id()).bind("stream", streamSid).bind("key", key).bind("meta", metadataJson)
                    .mapTo(UUID.class).one();
        }
        if (twilio.isPresent()) {
            return h.createQuery("""
                            UPDATE recordings SET recording_sid = NULL, status = 'in-progress', stream_sid = :stream, s3_key = :key,
                                   s3_url = :url, format = :format, channels = 1, duration_seconds = 0, updated_at = now(),
                                   recording_metadata = recording_metadata || :meta::jsonb
                            WHERE id = :id RETURNING id""")
                    .bind("id", twilio.get().id()).bind("stream", streamSid).bind("key", key).bind("url", url)
                    .bind("format", format).bind("meta", metadataJson).mapTo(UUID.class).one();
        }
        return h.createQuery("""
                        INSERT INTO recordings (id, call_id, recording_type, recording_source, status, stream_sid, s3_key, s3_url, format,
                                                channels, duration_seconds, recording_metadata)
                        VALUES (:id, :call, :type, 's3', 'in-progress', :stream, :key, :url, :format, 1, 0, :meta::jsonb)
                        RETURNING id""")
                .bind("id", id).bind("call", callId).bind("type", type).bind("stream", streamSid).bind("key", key).bind("url", url)
                .bind("format", format).bind("meta", metadataJson).mapTo(UUID.class).one();
    }

    /** The rows a stream already has, by recording type (empty when its start has not been written yet). */
    public java.util.Map<String, UUID> streamRows(Handle h, String streamSid) {
        java.util.Map<String, UUID> rows = new java.util.LinkedHashMap<>();
        h.createQuery("SELECT recording_type, id FROM recordings WHERE stream_sid = :stream")
                .bind("stream", streamSid)
                .map((rs, ctx) -> java.util.Map.entry(rs.getString(1), rs.getObject(2, UUID.class)))
                .forEach(e -> rows.put(e.getKey(), e.getValue()));
        return rows;
    }

    /** The heartbeat of live real-time rows: their duration so far, and updated_at now. */
    public void heartbeat(java.util.Collection<UUID> ids, java.math.BigDecimal seconds) {
        if (ids.isEmpty()) {
            return;
        }
        jdbi.useHandle(h -> h.createUpdate("""
                        UPDATE recordings SET duration_seconds = :seconds, updated_at = now()
                        WHERE id IN (<ids>) AND status = 'in-progress'""")
                .bindList("ids", List.copyOf(ids)).bind("seconds", seconds).execute());
    }

    /** What completes one real-time row: its object and what the store said of it. */
    public record RealtimeCompletion(UUID id, String key, String url, long size, String sha256, java.math.BigDecimal seconds,
                                     String metadataJson) {
    }

    /**
     * Completes a stream's real-time rows in one transaction (one commit for the call's three recordings, not three).
     * A row Twilio's recording already upgraded keeps Twilio's data and only learns the real-time object's key.
     * Returns the call's id (null when none of the rows is there any more).
     */
    public UUID completeRealtime(List<RealtimeCompletion> completions) {
        return jdbi.inTransaction(h -> completeRealtime(h, completions));
    }

    /** As {@link #completeRealtime(List)}, in {@code h}'s transaction. */
    public static UUID completeRealtime(Handle h, List<RealtimeCompletion> completions) {
        UUID callId = null;
        for (RealtimeCompletion c : completions) {
            UUID of = h.createQuery("""
                            UPDATE recordings SET
                                status = CASE WHEN recording_sid IS NULL THEN 'completed' ELSE status END,
                                s3_key = CASE WHEN recording_sid IS NULL THEN :key ELSE s3_key END,
                                s3_url = CASE WHEN recording_sid IS NULL THEN :url ELSE s3_url END,
                                file_size = CASE WHEN recording_sid IS NULL THEN :size ELSE file_size END,
                                sha256 = CASE WHEN recording_sid IS NULL THEN :sha ELSE sha256 END,
                                duration_seconds = CASE WHEN recording_sid IS NULL THEN :seconds ELSE duration_seconds END,
                                recording_metadata = recording_metadata || :meta::jsonb
                                    || CASE WHEN recording_sid IS NOT NULL THEN jsonb_build_object('original_s3_key', :key) ELSE '{}'::jsonb END,
                                updated_at = now()
                            WHERE id = :id
                            RETURNING call_id""")
                    .bind("id", c.id()).bind("key", c.key()).bind("url", c.url()).bind("size", c.size()).bind("sha", c.sha256())
                    .bind("seconds", c.seconds()).bind("meta", c.metadataJson()).mapTo(UUID.class).findOne().orElse(null);
            callId = of != null ? of : callId;
        }
        return callId;
    }

    /** Marks live real-time rows failed with the reason; a row Twilio's recording already completed keeps its data. */
    public void failRealtime(java.util.Collection<UUID> ids, String reason) {
        jdbi.useHandle(h -> h.createUpdate("""
                        UPDATE recordings SET status = 'failed', updated_at = now(),
                               recording_metadata = recording_metadata || jsonb_build_object('failure', :reason)
                        WHERE id IN (<ids>) AND status = 'in-progress'""")
                .bindList("ids", List.copyOf(ids)).bind("reason", reason).execute());
    }

    /**
     * Keeps what authenticating the row's encrypted object found ({@code seal}, JSON) as its {@code authentication}, while
     * the row still names that object (one archived again meanwhile keeps its own). True when kept.
     */
    public boolean seal(UUID id, String s3Key, String sealJson) {
        return jdbi.withHandle(h -> h.createUpdate("""
                        UPDATE recordings SET recording_metadata = recording_metadata || jsonb_build_object('authentication', :seal::jsonb)
                        WHERE id = :id AND s3_key = :key""")
                .bind("id", id).bind("key", s3Key).bind("seal", sealJson).execute()) == 1;
    }

    /**
     * Keeps the error code Twilio's status callback gave the recording {@code recordingSid}, and its meaning where callvault
     * knows it ({@code meaning}, may be null), with the row of that recording; a tombstone (erased or expired meanwhile)
     * keeps nothing more. False when no live row holds it.
     */
    public boolean noteTwilioError(String recordingSid, String code, String meaning) {
        return jdbi.withHandle(h -> h.createUpdate("""
                        UPDATE recordings SET recording_metadata = recording_metadata
                               || jsonb_build_object('twilio_error_code', :code, 'twilio_error', CAST(:meaning AS text))
                        WHERE recording_sid = :sid AND deleted_at IS NULL""")
                .bind("sid", recordingSid).bind("code", code).bind("meaning", meaning).execute()) > 0;
    }

    /** Marks real-time rows whose heartbeat stopped longer ago than {@code limit} as failed. Returns how many. */
    public int markAbandoned(java.time.Duration limit, String reason) {
        return jdbi.withHandle(h -> h.createUpdate("""
                        UPDATE recordings SET status = 'failed', updated_at = now(),
                               recording_metadata = recording_metadata || jsonb_build_object('failure', :reason)
                        WHERE status = 'in-progress' AND stream_sid IS NOT NULL
                          AND updated_at < now() - make_interval(secs => :limit)""")
                .bind("reason", reason).bind("limit", (double) limit.toSeconds()).execute());
    }

    /**
     * Real-time rows created in {@code [since, until)} that failed, or are in progress without a heartbeat for
     * longer than {@code stale}: with the CallSid of each.
     */
    public List<java.util.Map.Entry<String, RecordingRow>> realtimeProblems(java.time.Instant since, java.time.Instant until, java.time.Duration stale) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT (SELECT call_sid FROM calls WHERE calls.id = recordings.call_id) AS call_sid, %s FROM recordings
                        WHERE stream_sid IS NOT NULL AND created_at >= :since AND created_at < :until
                          AND (status = 'failed' OR (status = 'in-progress' AND updated_at < now() - make_interval(secs => :stale)))
                        ORDER BY created_at""".formatted(COLUMNS))
                .bind("since", java.time.OffsetDateTime.ofInstant(since, java.time.ZoneOffset.UTC))
                .bind("until", java.time.OffsetDateTime.ofInstant(until, java.time.ZoneOffset.UTC))
                .bind("stale", (double) stale.toSeconds())
                .map((rs, ctx) -> java.util.Map.entry(rs.getString("call_sid"), MAPPER.map(rs, ctx))).list());
    }

    /** Completed real-time rows created in {@code [since, until)} that hold their own object, with the CallSid of each. */
    public List<java.util.Map.Entry<String, RecordingRow>> completedRealtime(java.time.Instant since, java.time.Instant until) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT (SELECT call_sid FROM calls WHERE calls.id = recordings.call_id) AS call_sid, %s FROM recordings
                        WHERE stream_sid IS NOT NULL AND recording_sid IS NULL AND status = 'completed'
                          AND created_at >= :since AND created_at < :until
                        ORDER BY created_at""".formatted(COLUMNS))
                .bind("since", java.time.OffsetDateTime.ofInstant(since, java.time.ZoneOffset.UTC))
                .bind("until", java.time.OffsetDateTime.ofInstant(until, java.time.ZoneOffset.UTC))
                .map((rs, ctx) -> java.util.Map.entry(rs.getString("call_sid"), MAPPER.map(rs, ctx))).list());
    }

    /**
     * How many values one statement binds as an array: a window or a day may hold hundreds of thousands of recordings,
     * and one statement may bind at most 65,535 parameters (and should not grow with them anyway).
     */
    static final int BATCH = 5000;

    /** Rows holding any of these RecordingSids. */
    public List<RecordingRow> findByRecordingSids(java.util.Collection<String> recordingSids) {
        List<RecordingRow> out = new java.util.ArrayList<>();
        for (List<String> batch : batches(recordingSids)) {
            jdbi.useHandle(h -> out.addAll(h.createQuery("SELECT " + COLUMNS + " FROM recordings WHERE recording_sid = ANY(:sids)")
                    .bindArray("sids", String.class, batch).map(MAPPER).list()));
        }
        return out;
    }

    /** The mixed rows of the calls with these CallSids, with the CallSid each belongs to. */
    public java.util.Map<String, List<RecordingRow>> mixedRowsByCallSid(java.util.Collection<String> callSids) {
        java.util.Map<String, List<RecordingRow>> out = new java.util.HashMap<>();
        for (List<String> batch : batches(callSids)) {
            jdbi.useHandle(h -> h.createQuery("""
                            SELECT (SELECT call_sid FROM calls WHERE calls.id = recordings.call_id) AS call_sid, %s FROM recordings
                            WHERE recording_type = 'mixed' AND call_id IN (SELECT id FROM calls WHERE call_sid = ANY(:sids))""".formatted(COLUMNS))
                    .bindArray("sids", String.class, batch)
                    .map((rs, ctx) -> java.util.Map.entry(rs.getString("call_sid"), MAPPER.map(rs, ctx)))
                    .forEach(e -> out.computeIfAbsent(e.getKey(), k -> new java.util.ArrayList<>()).add(e.getValue())));
        }
        return out;
    }

    /** Which of these object keys a row names, as its own object or as the real-time original it replaced. */
    public java.util.Set<String> referencedKeys(java.util.Collection<String> keys) {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (List<String> batch : batches(keys)) {
            jdbi.useHandle(h -> out.addAll(h.createQuery("""
                            SELECT s3_key FROM recordings WHERE s3_key = ANY(:keys)
                            UNION SELECT recording_metadata->>'original_s3_key' FROM recordings
                            WHERE (recording_metadata->>'original_s3_key') IS NOT NULL AND recording_metadata->>'original_s3_key' = ANY(:keys)""")
                    .bindArray("keys", String.class, batch).mapTo(String.class).list()));
        }
        return out;
    }

    private static List<List<String>> batches(java.util.Collection<String> values) {
        List<String> all = List.copyOf(new java.util.LinkedHashSet<>(values));
        List<List<String>> out = new java.util.ArrayList<>();
        for (int i = 0; i < all.size(); i += BATCH) {
            out.add(all.subList(i, Math.min(all.size(), i + BATCH)));
        }
        return out;
    }

    /**
     * The call's first Twilio mixed row that no stream has joined yet, locked: one with media before one without,
     * then the first archived.
     */
    static Optional<RecordingRow> findUnjoinedTwilioMixed(Handle h, UUID callId) {
        return h.createQuery("""
                        SELECT %s FROM recordings
                        WHERE call_id = :call AND recording_type = 'mixed' AND recording_sid IS NOT NULL AND stream_sid IS NULL
                        ORDER BY status = 'completed' DESC, created_at, id LIMIT 1 FOR UPDATE""".formatted(COLUMNS))
                .bind("call", callId).map(MAPPER).findOne();
    }

    /** The real-time {@code mixed} row of a call that Twilio's recording has not yet upgraded, locked. */
    static Optional<RecordingRow> findUpgradableMixed(Handle h, UUID callId) {
        return h.createQuery("""
                        SELECT %s FROM recordings
                        WHERE call_id = :call AND recording_type = 'mixed' AND recording_sid IS NULL
                        ORDER BY created_at LIMIT 1 FOR UPDATE""".formatted(COLUMNS))
                .bind("call", callId).map(MAPPER).findOne();
    }

    /**
     * Writes an archived Twilio recording into the call's {@code mixed} row (DESIGN 2.3): the row that already holds
     * this RecordingSid, else the real-time mixed row not yet upgraded, else a new mixed row. The real-time object's
     * key is kept in the metadata as {@code original_s3_key}. Run inside the caller's transaction.
     */
    public RecordingRow applyTwilioRecording(Handle h, UUID callId, TwilioUpgrade u) {
        Optional<RecordingRow> target = findByRecordingSid(h, u.recordingSid()).or(() -> findUpgradableMixed(h, callId));
        if (target.isEmpty()) {
            return h.createQuery("""
                            INSERT INTO recordings (call_id, recording_type, recording_source, status, recording_sid, s3_key, s3_url,
                                                    format, channels, duration_seconds, file_size, sha256, recording_metadata)
                            VALUES (:call, 'mixed', 's3', 'completed', :sid, :key, :url, :format, :channels, :duration, :size, :sha,
                                    :meta::jsonb)
                            RETURNING %s""".formatted(COLUMNS))
                    .bind("call", callId).bindMap(upgradeParams(u))
                    .map(MAPPER).one();
        }
        return h.createQuery("""
                        UPDATE recordings SET
                            recording_sid = :sid, s3_key = :key, s3_url = :url, format = :format, channels = :channels,
                            duration_seconds = :duration, file_size = :size, sha256 = :sha, status = 'completed',
                            recording_metadata = recording_metadata
                                || CASE WHEN s3_key IS NOT NULL AND s3_key <> :key AND recording_metadata->>'original_s3_key' IS NULL
                                        THEN jsonb_build_object('original_s3_key', s3_key) ELSE '{}'::jsonb END
                                || :meta::jsonb,
                            updated_at = now()
                        WHERE id = :id
                        RETURNING %s""".formatted(COLUMNS))
                .bind("id", target.get().id()).bindMap(upgradeParams(u))
                .map(MAPPER).one();
    }

    /**
     * Records that Twilio's recording ended without media ({@code absent}, {@code failed}). The real-time mixed row
     * keeps its own audio and status and only learns Twilio's word in its metadata; with no row, one is created.
     */
    public RecordingRow applyTwilioStatus(Handle h, UUID callId, String recordingSid, String status, String metadataJson) {
        Optional<RecordingRow> own = findByRecordingSid(h, recordingSid);
        if (own.isPresent()) {
            return h.createQuery("""
                            UPDATE recordings SET status = CASE WHEN status = 'completed' THEN status ELSE :status END,
                                   recording_metadata = recording_metadata || :meta::jsonb, updated_at = now()
                            WHERE id = :id RETURNING %s""".formatted(COLUMNS))
                    .bind("id", own.get().id()).bind("status", status).bind("meta", metadataJson).map(MAPPER).one();
        }
        Optional<RecordingRow> realtime = findUpgradableMixed(h, callId);
        if (realtime.isPresent()) {
            return h.createQuery("""
                            UPDATE recordings SET recording_metadata = recording_metadata || :meta::jsonb, updated_at = now()
                            WHERE id = :id RETURNING %s""".formatted(COLUMNS))
                    .bind("id", realtime.get().id()).bind("meta", metadataJson).map(MAPPER).one();
        }
        return h.createQuery("""
                        INSERT INTO recordings (call_id, recording_type, recording_source, status, recording_sid, recording_metadata)
                        VALUES (:call, 'mixed', 's3', :status, :sid, :meta::jsonb) RETURNING %s""".formatted(COLUMNS))
                .bind("call", callId).bind("status", status).bind("sid", recordingSid).bind("meta", metadataJson).map(MAPPER).one();
    }

    private static java.util.Map<String, Object> upgradeParams(TwilioUpgrade u) {
        java.util.Map<String, Object> p = new java.util.HashMap<>();
        p.put("sid", u.recordingSid());
        p.put("key", u.s3Key());
        p.put("url", u.s3Url());
        p.put("format", u.format());
        p.put("channels", (short) u.channels());
        p.put("duration", u.durationSeconds());
        p.put("size", u.fileSize());
        p.put("sha", u.sha256());
        p.put("meta", u.metadataJson());
        return p;
    }

    private static RecordingRow map(ResultSet rs, org.jdbi.v3.core.statement.StatementContext ctx) throws SQLException {
        return new RecordingRow(
                rs.getObject("id", UUID.class),
                rs.getObject("call_id", UUID.class),
                rs.getString("recording_type"),
                rs.getString("recording_source"),
                rs.getString("status"),
                rs.getString("recording_sid"),
                rs.getString("stream_sid"),
                rs.getString("s3_key"),
                rs.getString("s3_url"),
                rs.getString("format"),
                (Integer) rs.getObject("channels", Integer.class),
                rs.getBigDecimal("duration_seconds"),
                (Long) rs.getObject("file_size", Long.class),
                rs.getString("sha256"),
                rs.getString("metadata"),
                instant(rs.getTimestamp("created_at")),
                instant(rs.getTimestamp("updated_at")));
    }

    private static java.time.Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
