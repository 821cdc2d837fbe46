package dev.callvault.derived;

import dev.callvault.analysis.Conversation;
import dev.callvault.analysis.TrackAnalyzer;
import dev.callvault.audio.PcmReader;
import dev.callvault.db.AnalyticsRepository;
import dev.callvault.db.RecordingRepository;
import dev.callvault.db.RecordingRow;
import dev.callvault.storage.RecordingStore;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Analyses a call from its completed recordings and stores the result: Twilio's dual-channel recording when there is
 * one (channel 1 the caller, channel 2 the assistant), else the real-time caller and assistant tracks. A call whose
 * stored analysis was read from the same recordings is not read again.
 */
public final class CallAnalyzer {
    private static final Logger log = LoggerFactory.getLogger(CallAnalyzer.class);

    /** What was found, from which recordings; {@code replacedOlder}: it replaced an analysis made by an older analyser. */
    public record Result(UUID callId, String source, List<UUID> recordingIds, Conversation conversation, boolean replacedOlder) {
    }

    /** Why a call was not analysed. */
    public enum Skip { NO_TRACKS, UNCHANGED }

    private final RecordingRepository recordings;
    private final AnalyticsRepository analytics;
    private final RecordingStore store;
    private final Jdbi jdbi;
    private volatile Consumer<Result> listener = r -> { };

    public CallAnalyzer(Jdbi jdbi, RecordingStore store) {
        this.jdbi = jdbi;
        this.recordings = new RecordingRepository(jdbi);
        this.analytics = new AnalyticsRepository(jdbi);
        this.store = store;
    }

    /** Told of every analysis made here (the daemon's metrics). */
    public void onAnalyzed(Consumer<Result> listener) {
        this.listener = listener;
    }

    /**
     * Analyses the call unless it has no pair of tracks or (without {@code force}) was analysed from the same
     * recordings already. Throws {@link IOException} when a recording cannot be read or decoded.
     */
    public Optional<Result> analyze(UUID callId, boolean force, Consumer<Skip> skipped) throws IOException {
        return analyze(callId, force, skipped, null, null);
    }

    /**
     * As {@link #analyze(UUID, boolean, Consumer)}; when the analysis reads Twilio's recording stored at
     * {@code objectKey}, its decoded audio is fed to {@code alsoOfObject} on the way.
     */
    private Optional<Result> analyze(UUID callId, boolean force, Consumer<Skip> skipped, String objectKey, PcmReader.Sink alsoOfObject)
            throws IOException {
        List<RecordingRow> rows = recordings.findByCall(callId);
        Optional<RecordingRow> twilio = rows.stream()
                .filter(r -> r.recordingSid() != null && r.completed() && r.s3Key() != null && Integer.valueOf(2).equals(r.channels()))
                .findFirst();
        Optional<RecordingRow> user = realtime(rows, "user");
        Optional<RecordingRow> assistant = realtime(rows, "assistant");
        String source;
        List<UUID> ids;
        if (twilio.isPresent()) {
            source = "twilio";
            ids = List.of(twilio.get().id());
        } else if (user.isPresent() && assistant.isPresent()) {
            source = "realtime";
            ids = List.of(user.get().id(), assistant.get().id());
        } else {
            skipped.accept(Skip.NO_TRACKS);
            return Optional.empty();
        }
        Optional<AnalyticsRepository.Stored> before = analytics.find(callId);
        boolean older = before.isPresent() && !Integer.valueOf(TrackAnalyzer.VERSION).equals(before.get().analyzerVersion());
        if (!force && !older && before.filter(s -> s.source().equals(source) && s.recordingIds().equals(ids)).isPresent()) {
            skipped.accept(Skip.UNCHANGED);
            return Optional.empty();
        }
        long started = System.nanoTime();
        Conversation c;
        if (twilio.isPresent()) {
            try (InputStream in = store.get(twilio.get().s3Key(), 0, -1)) {
                c = TrackAnalyzer.dualChannel(in, twilio.get().format(), twilio.get().s3Key().equals(objectKey) ? alsoOfObject : null);
            }
        } else {
            try (InputStream u = store.get(user.get().s3Key(), 0, -1); InputStream a = store.get(assistant.get().s3Key(), 0, -1)) {
                c = TrackAnalyzer.twoTracks(u, user.get().format(), a, assistant.get().format());
            }
        }
        // a paused span (card data) is left out: no silence, turn or latency counted in it
        var pauses = dev.callvault.db.PauseRepository.of(jdbi, callId);
        if (!pauses.isEmpty()) {
            c = c.withPaused(spans(pauses, twilio.isPresent() ? twilio.get() : user.get()));
        }
        analytics.save(callId, source, ids, TrackAnalyzer.VERSION, c);
        Result result = new Result(callId, source, ids, c, older);
        log.info("call {} analysed from its {} recording{} in {} ms: {} turns, {} barge-ins, latency p50 {} s", callId, source,
                ids.size() > 1 ? "s" : "", (System.nanoTime() - started) / 1_000_000, c.turns(), c.bargeIns(), c.latency(50));
        try {
            listener.accept(result);
        } catch (RuntimeException e) {
            log.warn("call {} analysed and stored, but its metrics failed: {}", callId, e.toString());
        }
        return Optional.of(result);
    }

    /** After a recording of the call is completed: analyses it when it can; a failure is logged, `callvault analyze` retries. */
    public void afterCompleted(UUID callId) {
        try {
            analyze(callId, false, s -> { });
        } catch (IOException | RuntimeException e) {
            log.warn("call {} not analysed now ({}); 'callvault analyze' does it later", callId, e.toString());
        }
    }

    /**
     * After Twilio's recording stored at {@code objectKey} is archived: analyses the call as {@link #afterCompleted}
     * does and, when that reads this very recording, feeds its decoded audio to {@code waveform} as well, so the
     * recording is downloaded and decoded once for both. Returns true when {@code waveform} was fed all of it.
     */
    public boolean afterArchived(UUID callId, String objectKey, PcmReader.Sink waveform) {
        boolean[] fed = {false};
        PcmReader.Sink counting = new PcmReader.Sink() {
            @Override
            public void format(int sampleRate, int channels) {
                fed[0] = true;
                waveform.format(sampleRate, channels);
            }

            @Override
            public void samples(short[] samples, int frames) {
                waveform.samples(samples, frames);
            }
        };
        try {
            return analyze(callId, false, s -> { }, objectKey, counting).isPresent() && fed[0];
        } catch (IOException | RuntimeException e) {
            log.warn("call {} not analysed now ({}); 'callvault analyze' does it later", callId, e.toString());
            return false;
        }
    }

    private static Optional<RecordingRow> realtime(List<RecordingRow> rows, String type) {
        return rows.stream().filter(r -> r.recordingType().equals(type) && r.recordingSid() == null && r.streamSid() != null
                && r.completed() && r.s3Key() != null).findFirst();
    }

    /**
     * A call's paused spans in the timeline of {@code recording} (seconds from its start): the stream's own seconds for a
     * real-time track, else the wall clock against the recording's start (Twilio's). An open pause runs to the end.
     */
    static List<dev.callvault.analysis.Segment> spans(List<dev.callvault.db.PauseRepository.Pause> pauses, RecordingRow recording) {
        Instant start = dev.callvault.calls.CallView.startOf(recording);
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
