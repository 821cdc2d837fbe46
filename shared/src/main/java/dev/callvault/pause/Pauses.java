package dev.callvault.pause;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.CallvaultException;
import dev.callvault.calls.CallView;
import dev.callvault.db.CallRepository;
import dev.callvault.db.CallRow;
import dev.callvault.db.Database;
import dev.callvault.db.RecordingRepository;
import dev.callvault.db.RecordingRow;
import dev.callvault.recorder.RealtimeRecording;
import dev.callvault.recorder.Recorder;
import dev.callvault.twilio.RecordingNotFoundException;
import dev.callvault.twilio.TwilioRecordings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Pausing a call's recording while card data is read (DESIGN 10): both recorders at once, Twilio's (the Call Recording
 * API, {@code Twilio.CURRENT}) and this daemon's real-time recorder of the call. Fails closed: when Twilio refuses, the
 * real-time side pauses all the same and the answer says Twilio's recording may hold the span. Twilio sends no callback
 * for a pause, so the stored pauses are the only evidence; the analytics leave their spans out.
 */
public final class Pauses {
    private static final Logger log = LoggerFactory.getLogger(Pauses.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a pause or resume request came to. */
    public enum Outcome { PAUSED, ALREADY_PAUSED, RESUMED, NOT_PAUSED, CALL_ENDED, ELSEWHERE }

    /**
     * {@code realtime}: this daemon's recorder of the call paused (or resumed); {@code twilio}: Twilio's answer in words;
     * {@code twilioFailed}: Twilio refused (its recording may hold the span); {@code holder}: the daemon that records
     * the call, when it is another.
     */
    public record Result(Outcome outcome, boolean realtime, String twilio, boolean twilioFailed, String holder, Optional<Pause> pause) {
    }

    /** One pause: wall-clock times, and the stream's own seconds where the real-time recorder paused. */
    public record Pause(long id, Instant startedAt, Instant endedAt, Double streamFrom, Double streamTo, String by, String reason, String resumedBy,
                        String twilioPaused, String twilioResumed, boolean realtime) {
        /** Twilio refused the pause: its recording may hold what was said. */
        public boolean twilioFailed() {
            return twilioPaused.startsWith("failed");
        }
    }

    private final Database db;
    private final Recorder recorder;
    private final TwilioRecordings twilio;
    private final Supplier<String> behavior;
    private final String daemonId;
    private final Clock clock;
    private final CallRepository calls;
    private final RecordingRepository recordings;

    public Pauses(Database db, Recorder recorder, TwilioRecordings twilio, Supplier<String> behavior, String daemonId, Clock clock) {
        this.db = db;
        this.recorder = recorder;
        this.twilio = twilio;
        this.behavior = behavior;
        this.daemonId = daemonId;
        this.clock = clock;
        this.calls = new CallRepository(db.jdbi());
        this.recordings = new RecordingRepository(db.jdbi());
    }

    /** The call {@code callSid} names; empty when there is none. */
    public Optional<CallRow> call(String callSid) {
        return calls.findBySid(callSid);
    }

    public Result pause(CallRow call, String reason, String who) {
        Optional<Pause> open = open(call.id());
        if (open.isPresent()) {
            return new Result(Outcome.ALREADY_PAUSED, open.get().realtime(), open.get().twilioPaused(), open.get().twilioFailed(), null, open);
        }
        List<RecordingRow> live = liveStreamRows(call);
        Optional<RealtimeRecording> here = local(call);
        if (here.isEmpty() && !live.isEmpty()) {
            return new Result(Outcome.ELSEWHERE, false, null, false, holder(live), Optional.empty());
        }
        Double from = null;
        if (here.isPresent()) {
            synchronized (here.get()) {
                from = here.get().pause();
            }
        }
        String answer;
        boolean failed = false;
        try {
            twilio.updateCurrentRecording(call.accountSid(), call.callSid(), "paused", behavior.get());
            answer = "paused";
        } catch (RecordingNotFoundException none) {
            answer = "no recording"; // Twilio records nothing of this call now: nothing of the span reaches it
        } catch (CallvaultException | com.twilio.exception.TwilioException e) {
            failed = true;
            answer = "failed: " + brief(e.getMessage());
            log.warn("pause of call {}: Twilio refused ({}); the real-time recorder is {}paused; Twilio's recording may hold the span",
                    call.callSid(), e.getMessage(), here.isPresent() ? "" : "not recording it, so not ");
        }
        if (here.isEmpty() && answer.equals("no recording")) {
            // neither recorder records this call now: it has ended (or was never recorded), and there is nothing to pause
            return new Result(Outcome.CALL_ENDED, false, answer, false, null, Optional.empty());
        }
        String twilioAnswer = answer;
        Double streamFrom = from;
        long id = db.jdbi().withHandle(h -> h.createQuery("""
                        INSERT INTO pauses (call_id, started_at, stream_from, paused_by, reason, twilio_paused, realtime)
                        VALUES (:call, :at, :from, :by, :reason, :twilio, :realtime) RETURNING id""")
                .bind("call", call.id()).bind("at", OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC))
                .bind("from", streamFrom == null ? null : BigDecimal.valueOf(streamFrom)).bind("by", who).bind("reason", reason)
                .bind("twilio", twilioAnswer).bind("realtime", here.isPresent()).mapTo(Long.class).one());
        log.info("call {} paused by {} (real-time recorder {}, Twilio: {})", call.callSid(), who, here.isPresent() ? "paused" : "not here",
                failed ? "refused" : twilioAnswer);
        return new Result(Outcome.PAUSED, here.isPresent(), twilioAnswer, failed, null, find(id));
    }

    public Result resume(CallRow call, String who) {
        Optional<Pause> open = open(call.id());
        List<RecordingRow> live = liveStreamRows(call);
        Optional<RealtimeRecording> here = local(call);
        if (open.isEmpty()) {
            return new Result(live.isEmpty() ? Outcome.CALL_ENDED : Outcome.NOT_PAUSED, false, null, false, null, Optional.empty());
        }
        if (here.isEmpty() && !live.isEmpty()) {
            return new Result(Outcome.ELSEWHERE, false, null, false, holder(live), open);
        }
        if (here.isEmpty() && open.get().realtime()) { // the stream it paused is gone: the call has ended
            close(open.get().id(), null, who, "the call had ended");
            return new Result(Outcome.CALL_ENDED, false, "the call had ended", false, null, find(open.get().id()));
        }
        Double to = null;
        if (here.isPresent()) {
            synchronized (here.get()) {
                double end = here.get().resume();
                to = Double.isNaN(end) ? null : end;
            }
        }
        String answer;
        boolean failed = false;
        try {
            twilio.updateCurrentRecording(call.accountSid(), call.callSid(), "in-progress", null);
            answer = "resumed";
        } catch (RecordingNotFoundException none) {
            answer = "no recording";
        } catch (CallvaultException | com.twilio.exception.TwilioException e) {
            failed = true;
            answer = "failed: " + brief(e.getMessage());
            log.warn("resume of call {}: Twilio refused ({}); its recording stays paused", call.callSid(), e.getMessage());
        }
        close(open.get().id(), to, who, answer);
        log.info("call {} resumed by {} (Twilio: {})", call.callSid(), who, failed ? "refused" : answer);
        return new Result(Outcome.RESUMED, here.isPresent(), answer, failed, null, find(open.get().id()));
    }

    /** Twilio's refusal in a line (its client quotes whole response bodies). */
    private static String brief(String message) {
        String m = message == null ? "no answer" : message.replaceAll("\\s+", " ");
        return m.length() > 240 ? m.substring(0, 240) + "..." : m;
    }

    /** A call's pauses, oldest first. */
    public List<Pause> of(UUID callId) {
        return of(db.jdbi(), callId);
    }

    public static List<Pause> of(org.jdbi.v3.core.Jdbi jdbi, UUID callId) {
        return jdbi.withHandle(h -> h.createQuery(SELECT + " WHERE call_id = :call ORDER BY started_at, id").bind("call", callId)
                .map((rs, ctx) -> pause(rs)).list());
    }

    private Optional<Pause> open(UUID callId) {
        return db.jdbi().withHandle(h -> h.createQuery(SELECT + " WHERE call_id = :call AND ended_at IS NULL").bind("call", callId)
                .map((rs, ctx) -> pause(rs)).findOne());
    }

    private Optional<Pause> find(long id) {
        return db.jdbi().withHandle(h -> h.createQuery(SELECT + " WHERE id = :id").bind("id", id).map((rs, ctx) -> pause(rs)).findOne());
    }

    private void close(long id, Double streamTo, String who, String twilioAnswer) {
        db.jdbi().useHandle(h -> h.createUpdate("""
                        UPDATE pauses SET ended_at = :at, stream_to = :to, resumed_by = :by, twilio_resumed = :twilio WHERE id = :id""")
                .bind("at", OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC)).bind("to", streamTo == null ? null : BigDecimal.valueOf(streamTo))
                .bind("by", who).bind("twilio", twilioAnswer).bind("id", id).execute());
    }

    private List<RecordingRow> liveStreamRows(CallRow call) {
        return recordings.findByCall(call.id()).stream().filter(r -> r.streamSid() != null && "in-progress".equals(r.status())).toList();
    }

    /** This daemon's real-time recording of the call, when it records it. */
    private Optional<RealtimeRecording> local(CallRow call) {
        return recorder == null ? Optional.empty()
                : recorder.active().stream().filter(r -> call.callSid().equals(r.info().callSid()) && !r.failed()).findFirst();
    }

    private String holder(List<RecordingRow> live) {
        try {
            return JSON.readTree(live.get(0).metadataJson()).path("daemon").asText("another daemon");
        } catch (java.io.IOException e) {
            return "another daemon";
        }
    }

    private static final String SELECT = """
            SELECT id, started_at, ended_at, stream_from, stream_to, paused_by, reason, resumed_by, twilio_paused, twilio_resumed, realtime FROM pauses""";

    private static Pause pause(java.sql.ResultSet rs) throws java.sql.SQLException {
        OffsetDateTime ended = rs.getObject("ended_at", OffsetDateTime.class);
        return new Pause(rs.getLong("id"), rs.getObject("started_at", OffsetDateTime.class).toInstant(), ended == null ? null : ended.toInstant(),
                rs.getObject("stream_from") == null ? null : rs.getDouble("stream_from"), rs.getObject("stream_to") == null ? null : rs.getDouble("stream_to"),
                rs.getString("paused_by"), rs.getString("reason"), rs.getString("resumed_by"), rs.getString("twilio_paused"),
                rs.getString("twilio_resumed"), rs.getBoolean("realtime"));
    }

    /**
     * A call's paused spans in the timeline of {@code recording} (seconds from its start): the stream's own seconds for a
     * real-time track, else the wall clock against the recording's start (Twilio's). An open pause runs to the end.
     */
    public static List<dev.callvault.analysis.Segment> spans(List<Pause> pauses, RecordingRow recording) {
        Instant start = CallView.startOf(recording);
        boolean stream = recording.streamSid() != null && recording.recordingSid() == null;
        return pauses.stream().map(p -> {
            double from = stream && p.streamFrom() != null ? p.streamFrom() : seconds(start, p.startedAt());
            double to = p.endedAt() == null ? Double.MAX_VALUE / 4 : stream && p.streamTo() != null ? p.streamTo() : seconds(start, p.endedAt());
            return new dev.callvault.analysis.Segment(Math.max(0, from), Math.max(Math.max(0, from), to));
        }).filter(s -> s.end() > s.start()).toList();
    }

    private static double seconds(Instant from, Instant to) {
        return from == null ? 0 : java.time.Duration.between(from, to).toMillis() / 1000.0;
    }
}
