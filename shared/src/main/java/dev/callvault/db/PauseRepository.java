package dev.callvault.db;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The {@code pauses} table and its {@code pause_tries}: a call's pauses, what Twilio answered to each, every request
 * it was sent. The schema keeps one open pause per call ({@code pauses_one_open_per_call}); the use cases lock the
 * call's row to open or close one.
 */
public final class PauseRepository {
    /** Twilio has not answered the first request yet. */
    public static final String ASKING = "asking";
    /** Twilio answered a request, not with what was asked: the last answer follows. */
    public static final String FAILED = "failed: ";
    /** Twilio was asked no more before it confirmed (the call ended, the pause was resumed): why and the last answer follow. */
    public static final String NOT_CONFIRMED = "not confirmed: ";

    /** One pause: wall-clock times, the stream's own seconds where the real-time recorder paused, and what Twilio did. */
    public record Pause(long id, Instant startedAt, Instant endedAt, Double streamFrom, Double streamTo, String by, String reason, String resumedBy,
                        boolean realtime, boolean endedWithCall, Twilio twilio) {
        /** Twilio did not confirm the pause before it was answered: its recording may hold what was said. */
        public boolean twilioMayHold() {
            return twilio.mayHold();
        }
    }

    /**
     * What Twilio did of a pause: {@code paused} ("asking", "paused", "no recording", "failed: " its last answer while it
     * is asked again, "not confirmed: " why it is asked no more) and when it confirmed, and as much of the resume; how many
     * requests each took; {@code mayHold}: the pause was not confirmed before it was answered.
     */
    public record Twilio(String paused, Instant pausedAt, int pauseTries, String resumed, Instant resumedAt, int resumeTries, boolean mayHold) {
    }

    private final Jdbi jdbi;

    public PauseRepository(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Locks the call's row until {@code h}'s transaction ends: one pause or resume of a call at a time, across daemons. */
    public static void lockCall(Handle h, UUID callId) {
        h.createQuery("SELECT id FROM calls WHERE id = :call FOR UPDATE").bind("call", callId).mapTo(UUID.class).findOne();
    }

    public static Optional<Pause> open(Handle h, UUID callId) {
        return h.createQuery(SELECT + " WHERE p.call_id = :call AND p.ended_at IS NULL").bind("call", callId).map((rs, ctx) -> pause(rs)).findOne();
    }

    /** True when our TwiML started a recording of the call at Twilio (its voice webhook answered it). */
    public static boolean twimlRecording(Handle h, UUID callId) {
        return h.createQuery("SELECT twiml_recording FROM calls WHERE id = :call").bind("call", callId).mapTo(Boolean.class).findOne().orElse(false);
    }

    /** True once Twilio has said the call is over (its recording's final callback, or its Calls resource). */
    public static boolean callOver(Handle h, UUID callId) {
        return h.createQuery("SELECT twilio_ended_at IS NOT NULL FROM calls WHERE id = :call").bind("call", callId).mapTo(Boolean.class)
                .findOne().orElse(false);
    }

    /** A new pause, asked at {@code asked}: flagged until Twilio confirms it (fail closed). */
    public static long insert(Handle h, UUID callId, Instant asked, Double streamFrom, String by, String reason, boolean realtime) {
        return h.createQuery("""
                        INSERT INTO pauses (call_id, started_at, stream_from, paused_by, reason, twilio_paused, twilio_may_hold, realtime)
                        VALUES (:call, :at, :from, :by, :reason, :asking, true, :realtime) RETURNING id""")
                .bind("call", callId).bind("at", utc(asked)).bind("from", decimal(streamFrom)).bind("by", by).bind("reason", reason)
                .bind("asking", ASKING).bind("realtime", realtime).mapTo(Long.class).one();
    }

    /** Ends pause {@code id} by a resume asked at {@code at}; Twilio is asked to resume next. */
    public static void resumed(Handle h, long id, Instant at, Double streamTo, String who) {
        h.createUpdate("""
                        UPDATE pauses SET ended_at = :at, stream_to = :to, resumed_by = :by, twilio_resumed = :asking WHERE id = :id""")
                .bind("at", utc(at)).bind("to", decimal(streamTo)).bind("by", who).bind("asking", ASKING).bind("id", id).execute();
    }

    /** Ends the call's open pause at the call's end ({@code streamSeconds}: where its real-time stream ended); true when one was open. */
    public boolean endedWithCall(UUID callId, Instant at, double streamSeconds) {
        return jdbi.withHandle(h -> h.createUpdate("""
                        UPDATE pauses SET ended_at = greatest(started_at, :at), ended_with_call = true,
                                          stream_to = CASE WHEN stream_from IS NULL THEN NULL ELSE greatest(stream_from, :to) END
                        WHERE call_id = :call AND ended_at IS NULL""")
                .bind("at", utc(at)).bind("to", decimal(streamSeconds)).bind("call", callId).execute()) > 0;
    }

    /**
     * Ends the open pauses of calls Twilio has said are over and that no real-time stream records any more, at the
     * call's end; returns their CallSids.
     */
    public List<String> endWithEndedCalls() {
        return jdbi.withHandle(h -> h.createQuery("""
                        UPDATE pauses p SET ended_at = greatest(p.started_at, c.twilio_ended_at), ended_with_call = true
                        FROM calls c
                        WHERE p.call_id = c.id AND p.ended_at IS NULL AND c.twilio_ended_at IS NOT NULL
                          AND NOT EXISTS (SELECT 1 FROM recordings r WHERE r.call_id = c.id AND r.stream_sid IS NOT NULL AND r.status = 'in-progress')
                        RETURNING c.call_sid""").mapTo(String.class).list());
    }

    /** One request sent to Twilio for pause {@code id}: when it went, when it came back, what Twilio answered. */
    public void tried(long id, boolean pause, Instant sent, Instant answered, String answer) {
        jdbi.useHandle(h -> h.createUpdate("""
                        INSERT INTO pause_tries (pause_id, action, sent_at, answered_at, answer) VALUES (:id, :action, :sent, :answered, :answer)""")
                .bind("id", id).bind("action", pause ? "pause" : "resume").bind("sent", utc(sent)).bind("answered", utc(answered)).bind("answer", answer).execute());
    }

    /**
     * Twilio did what was asked ({@code state}: paused or resumed, or "no recording": it has none to change) at {@code at}.
     * A pause confirmed {@code inTime} (before its answer went out) is no longer flagged; one confirmed later stays flagged:
     * Twilio's recording may hold the start of the span.
     */
    public void confirmed(long id, boolean pause, String state, Instant at, boolean inTime) {
        jdbi.useHandle(h -> h.createUpdate(pause
                        ? "UPDATE pauses SET twilio_paused = :state, twilio_paused_at = :at, twilio_may_hold = twilio_may_hold AND NOT :inTime WHERE id = :id"
                        : "UPDATE pauses SET twilio_resumed = :state, twilio_resumed_at = :at WHERE id = :id")
                .bind("state", state).bind("at", utc(at)).bind("inTime", inTime).bind("id", id).execute());
    }

    /** Twilio's last answer, not what was asked ({@link #FAILED}), or why it is asked no more ({@link #NOT_CONFIRMED}). */
    public void unconfirmed(long id, boolean pause, String words) {
        jdbi.useHandle(h -> h.createUpdate(pause
                        ? "UPDATE pauses SET twilio_paused = :words WHERE id = :id AND twilio_paused_at IS NULL"
                        : "UPDATE pauses SET twilio_resumed = :words WHERE id = :id AND twilio_resumed_at IS NULL")
                .bind("words", words).bind("id", id).execute());
    }

    /** Whether Twilio is still to be asked for pause {@code id}: why not, or empty when it is. */
    public Optional<String> noLongerWanted(long id, boolean pause) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT c.twilio_ended_at IS NOT NULL AS over, p.ended_at IS NOT NULL AS ended, p.ended_with_call,
                               EXISTS (SELECT 1 FROM pauses n WHERE n.call_id = p.call_id AND n.id > p.id) AS again
                        FROM pauses p JOIN calls c ON c.id = p.call_id WHERE p.id = :id""")
                .bind("id", id).map((rs, ctx) -> {
                    if (rs.getBoolean("over") || rs.getBoolean("ended_with_call")) {
                        return Optional.of("the call ended");
                    }
                    if (pause && rs.getBoolean("ended")) {
                        return Optional.of("resumed before Twilio confirmed the pause");
                    }
                    if (!pause && rs.getBoolean("again")) {
                        return Optional.of("paused again");
                    }
                    return Optional.<String>empty();
                }).findOne().orElse(Optional.of("the pause is gone")));
    }

    public Optional<Pause> find(long id) {
        return jdbi.withHandle(h -> h.createQuery(SELECT + " WHERE p.id = :id").bind("id", id).map((rs, ctx) -> pause(rs)).findOne());
    }

    public static List<Pause> of(Jdbi jdbi, UUID callId) {
        return jdbi.withHandle(h -> h.createQuery(SELECT + " WHERE p.call_id = :call ORDER BY p.started_at, p.id").bind("call", callId)
                .map((rs, ctx) -> pause(rs)).list());
    }

    private static final String SELECT = """
            SELECT p.id, p.started_at, p.ended_at, p.stream_from, p.stream_to, p.paused_by, p.reason, p.resumed_by, p.realtime, p.ended_with_call,
                   p.twilio_paused, p.twilio_paused_at, p.twilio_resumed, p.twilio_resumed_at, p.twilio_may_hold,
                   (SELECT count(*) FROM pause_tries t WHERE t.pause_id = p.id AND t.action = 'pause') AS pause_tries,
                   (SELECT count(*) FROM pause_tries t WHERE t.pause_id = p.id AND t.action = 'resume') AS resume_tries
            FROM pauses p""";

    private static Pause pause(ResultSet rs) throws SQLException {
        return new Pause(rs.getLong("id"), instant(rs, "started_at"), instant(rs, "ended_at"), seconds(rs, "stream_from"), seconds(rs, "stream_to"),
                rs.getString("paused_by"), rs.getString("reason"), rs.getString("resumed_by"), rs.getBoolean("realtime"), rs.getBoolean("ended_with_call"),
                new PauseRepository.Twilio(rs.getString("twilio_paused"), instant(rs, "twilio_paused_at"), rs.getInt("pause_tries"),
                        rs.getString("twilio_resumed"), instant(rs, "twilio_resumed_at"), rs.getInt("resume_tries"), rs.getBoolean("twilio_may_hold")));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    private static Double seconds(ResultSet rs, String column) throws SQLException {
        return rs.getObject(column) == null ? null : rs.getDouble(column);
    }

    private static OffsetDateTime utc(Instant t) {
        return OffsetDateTime.ofInstant(t, ZoneOffset.UTC);
    }

    private static BigDecimal decimal(Double seconds) {
        return seconds == null ? null : BigDecimal.valueOf(seconds);
    }
}
