package dev.callvault.pause;

import dev.callvault.db.PauseRepository;
import dev.callvault.db.PauseRepository.Pause;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.db.CallRepository;
import dev.callvault.db.CallRow;
import dev.callvault.db.Database;
import dev.callvault.db.RecordingRepository;
import dev.callvault.db.RecordingRow;
import dev.callvault.recorder.RealtimeRecording;
import dev.callvault.recorder.Recorder;
import dev.callvault.recorder.StreamInfo;
import dev.callvault.twilio.TwilioRecordings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Pausing a call's recording while card data is read (DESIGN 10): both recorders, this daemon's real-time recorder of
 * the call at once and Twilio's (the Call Recording API, {@code Twilio.CURRENT}) within a deadline and in the background
 * after it. Fails closed: the pause is stored the moment it is asked and flagged until Twilio confirms it in time, so a
 * Twilio that refuses or hangs leaves a flagged call, never a silent gap in the evidence. Twilio sends no callback for a
 * pause: the stored pauses are the only evidence, and the analytics leave their spans out.
 */
public final class Pauses implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Pauses.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a pause or resume request came to. */
    public enum Outcome { PAUSED, ALREADY_PAUSED, RESUMED, ALREADY_RESUMED, NOT_PAUSED, CALL_ENDED, ELSEWHERE }

    /**
     * How pauses ask Twilio: {@code behavior} its PauseBehavior, {@code deadline} how long an answer waits for it (each
     * request's time-out too), {@code backoff} the first wait before it is asked again.
     */
    public record Settings(String behavior, Duration deadline, Duration backoff) {
    }

    /**
     * {@code realtime}: this daemon's recorder of the call paused (or resumed); {@code twilio}: Twilio's state in words
     * when it confirmed ("paused", "resumed", "no recording"), else its last answer; {@code twilioConfirmed}: Twilio did
     * what was asked before the answer, for a pause also in time to hold nothing of the span; {@code asking}: Twilio is
     * still asked in the background; {@code holder}: the daemon that records the call, when it is another.
     */
    public record Result(Outcome outcome, boolean realtime, String twilio, boolean twilioConfirmed, boolean asking, String holder,
                         Optional<Pause> pause) {
        /** Twilio's recording may hold the span (a pause), or was not seen to record again (a resume): 502. */
        public boolean twilioFailed() {
            return !twilioConfirmed && (outcome == Outcome.PAUSED || outcome == Outcome.ALREADY_PAUSED || outcome == Outcome.RESUMED
                    || outcome == Outcome.ALREADY_RESUMED);
        }
    }

    private final Database db;
    private final Recorder recorder;
    private final Clock clock;
    private final CallRepository calls;
    private final RecordingRepository recordings;
    private final PauseRepository rows;
    private final TwilioPauses twilio;
    private final Object[] stripes = new Object[64];

    public Pauses(Database db, Recorder recorder, TwilioRecordings twilio, Supplier<Settings> settings, Clock clock) {
        this.db = db;
        this.recorder = recorder;
        this.clock = clock;
        this.calls = new CallRepository(db.jdbi());
        this.recordings = new RecordingRepository(db.jdbi());
        this.rows = new PauseRepository(db.jdbi());
        this.twilio = new TwilioPauses(twilio, rows, settings, clock);
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new Object();
        }
    }

    /** The call {@code callSid} names; empty when there is none. */
    public Optional<CallRow> call(String callSid) {
        return calls.findBySid(callSid);
    }

    /** What {@link #pause} and {@link #resume} decided under the call's lock. */
    private record Step(Outcome outcome, long pauseId, TwilioPauses.Request request, String holder) {
    }

    /**
     * Pauses the real-time recorder of the call at once, stores the pause from the moment it was asked, and asks Twilio
     * to pause its recording; answers when Twilio confirms or the deadline passes. A second pause, at the same moment or
     * later, changes nothing and is told what the first was.
     */
    public Result pause(CallRow call, String reason, String who) {
        Instant asked = clock.instant();
        Optional<RealtimeRecording> here = local(call);
        Double from = here.map(r -> {
            synchronized (r) {
                return r.pause();
            }
        }).orElse(null);
        List<RecordingRow> live = liveStreamRows(call);
        TwilioPauses.Request[] prepared = new TwilioPauses.Request[1];
        Step step;
        try {
            step = locked(call, h -> {
                Optional<Pause> open = PauseRepository.open(h, call.id());
                if (open.isPresent()) {
                    return new Step(Outcome.ALREADY_PAUSED, open.get().id(), null, null);
                }
                if (here.isEmpty() && !live.isEmpty()) {
                    return new Step(Outcome.ELSEWHERE, 0, null, holder(live));
                }
                if (here.isEmpty() && PauseRepository.callOver(h, call.id())) {
                    return new Step(Outcome.CALL_ENDED, 0, null, null);
                }
                long id = PauseRepository.insert(h, call.id(), asked, from, who, reason, here.isPresent());
                prepared[0] = twilio.prepare(call, id, TwilioPauses.Action.PAUSE, PauseRepository.twimlRecording(h, call.id()));
                return new Step(Outcome.PAUSED, id, prepared[0], null);
            });
        } catch (RuntimeException e) {
            if (prepared[0] != null) {
                twilio.forget(prepared[0]);
            }
            throw e;
        }
        return switch (step.outcome()) {
            case PAUSED -> paused(call, step, here.isPresent(), who);
            case ALREADY_PAUSED -> joined(Outcome.ALREADY_PAUSED, call, step.pauseId(), TwilioPauses.Action.PAUSE);
            default -> new Result(step.outcome(), false, null, true, false, step.holder(), Optional.empty());
        };
    }

    private Result paused(CallRow call, Step step, boolean realtime, String who) {
        step.request().start();
        TwilioPauses.Answer answer = step.request().firstAnswer();
        Pause p = rows.find(step.pauseId()).orElseThrow();
        if (!realtime && answer.confirmed() && answer.words().equals("no recording")) {
            // neither recorder records the call now: it has ended (or was never recorded), and there was nothing to pause
            rows.endedWithCall(call.id(), clock.instant(), 0);
            return new Result(Outcome.CALL_ENDED, false, answer.words(), true, false, null, rows.find(step.pauseId()));
        }
        log.info("call {} paused by {} (real-time recorder {}, Twilio: {})", call.callSid(), who, realtime ? "paused" : "not here",
                answer.confirmed() ? answer.words() : "not confirmed yet");
        return result(Outcome.PAUSED, p, realtime, answer);
    }

    /**
     * Resumes the real-time recorder of the call at once, whatever Twilio's pause is doing, ends the pause there, and
     * then asks Twilio to resume (after the pause's request on its way, if any). A second resume is told what the first was.
     */
    public Result resume(CallRow call, String who) {
        Instant asked = clock.instant();
        Optional<RealtimeRecording> here = local(call);
        Double to = here.map(r -> {
            synchronized (r) {
                r.resume();
                double end = r.lastPauseEnd();
                return Double.isNaN(end) ? null : end;
            }
        }).orElse(null);
        List<RecordingRow> live = liveStreamRows(call);
        TwilioPauses.Request[] prepared = new TwilioPauses.Request[1];
        Step step;
        try {
            step = locked(call, h -> {
                Optional<Pause> open = PauseRepository.open(h, call.id());
                if (open.isEmpty()) {
                    return new Step(live.isEmpty() && here.isEmpty() ? Outcome.CALL_ENDED : Outcome.NOT_PAUSED, 0, null, null);
                }
                if (here.isEmpty() && !live.isEmpty()) {
                    return new Step(Outcome.ELSEWHERE, open.get().id(), null, holder(live));
                }
                PauseRepository.resumed(h, open.get().id(), asked, to, who);
                prepared[0] = twilio.prepare(call, open.get().id(), TwilioPauses.Action.RESUME, PauseRepository.twimlRecording(h, call.id()));
                return new Step(Outcome.RESUMED, open.get().id(), prepared[0], null);
            });
        } catch (RuntimeException e) {
            if (prepared[0] != null) {
                twilio.forget(prepared[0]);
            }
            throw e;
        }
        return switch (step.outcome()) {
            case RESUMED -> {
                step.request().start();
                TwilioPauses.Answer answer = step.request().firstAnswer();
                log.info("call {} resumed by {} (Twilio: {})", call.callSid(), who, answer.confirmed() ? answer.words() : "not confirmed yet");
                yield result(Outcome.RESUMED, rows.find(step.pauseId()).orElseThrow(), here.isPresent(), answer);
            }
            case NOT_PAUSED, CALL_ENDED -> twilio.newest(call.callSid()).filter(r -> r.action == TwilioPauses.Action.RESUME)
                    .map(r -> joined(Outcome.ALREADY_RESUMED, call, r.pauseId, TwilioPauses.Action.RESUME))
                    .orElse(new Result(step.outcome(), false, null, true, false, null, Optional.empty()));
            default -> new Result(step.outcome(), false, null, true, false, step.holder(), rows.find(step.pauseId()));
        };
    }

    /**
     * Runs {@code work} in a transaction that holds the call's row, one call at a time here (so that requests waiting
     * for a call hold no connection) and across daemons (the row's lock).
     */
    private Step locked(CallRow call, org.jdbi.v3.core.HandleCallback<Step, RuntimeException> work) {
        synchronized (stripes[Math.floorMod(call.callSid().hashCode(), stripes.length)]) {
            return db.jdbi().inTransaction(h -> {
                PauseRepository.lockCall(h, call.id());
                return work.withHandle(h);
            });
        }
    }

    /** A second pause or resume: what the first came to, once it has come to something. */
    private Result joined(Outcome outcome, CallRow call, long pauseId, TwilioPauses.Action action) {
        Optional<TwilioPauses.Answer> answer = twilio.current(call.callSid(), pauseId, action).map(TwilioPauses.Request::firstAnswer);
        Pause p = rows.find(pauseId).orElseThrow();
        String state = action == TwilioPauses.Action.PAUSE ? p.twilio().paused() : p.twilio().resumed();
        TwilioPauses.Answer known = answer.orElseGet(() -> new TwilioPauses.Answer(isConfirmed(state), words(state)));
        return result(outcome, p, p.realtime(), known);
    }

    private Result result(Outcome outcome, Pause p, boolean realtime, TwilioPauses.Answer answer) {
        boolean pause = outcome == Outcome.PAUSED || outcome == Outcome.ALREADY_PAUSED;
        String state = pause ? p.twilio().paused() : p.twilio().resumed();
        boolean asking = state != null && (state.equals(PauseRepository.ASKING) || state.startsWith(PauseRepository.FAILED));
        boolean confirmed = pause ? !p.twilioMayHold() : answer.confirmed();
        return new Result(outcome, realtime, answer.words(), confirmed, asking, null, Optional.of(p));
    }

    private static boolean isConfirmed(String state) {
        return state != null && !state.equals(PauseRepository.ASKING) && !state.startsWith(PauseRepository.FAILED) && !state.startsWith(PauseRepository.NOT_CONFIRMED);
    }

    /** Twilio's state in words: its confirmed state, or its last answer. */
    private static String words(String state) {
        if (state == null || state.equals(PauseRepository.ASKING)) {
            return "no answer yet";
        }
        return state.startsWith(PauseRepository.FAILED) ? state.substring(PauseRepository.FAILED.length()) : state;
    }

    /**
     * A real-time stream of a call ended with the call ({@link Recorder#onEnded}): a pause still open ends at the call's
     * end, and Twilio is asked nothing more of the call.
     */
    public void streamEnded(StreamInfo stream, double seconds) {
        twilio.callEnded(stream.callSid());
        calls.findBySid(stream.callSid()).ifPresent(call -> {
            if (rows.endedWithCall(call.id(), clock.instant(), seconds)) {
                log.info("call {} ended while paused: the pause ends with it", call.callSid());
            }
        });
    }

    /** Ends the open pauses of calls that Twilio has said are over (and that no real-time stream records); returns how many. */
    public int endWithEndedCalls() {
        List<String> ended = rows.endWithEndedCalls();
        ended.forEach(sid -> {
            log.info("call {} ended while paused: the pause ends with it", sid);
            twilio.callEnded(sid);
        });
        return ended.size();
    }

    @Override
    public void close() {
        twilio.close();
    }

    /** A call's pauses, oldest first. */
    public static List<Pause> of(org.jdbi.v3.core.Jdbi jdbi, UUID callId) {
        return PauseRepository.of(jdbi, callId);
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

}
