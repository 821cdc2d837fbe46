package dev.callvault.recorder;

import dev.callvault.config.Assistant;
import dev.callvault.db.CallRepository;
import dev.callvault.db.Database;
import dev.callvault.db.RecordingRepository;
import dev.callvault.peaks.Peaks;
import dev.callvault.storage.RecordingKeys;
import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.StoredObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The real-time recorder (DESIGN 2.2): starts a call's user/assistant/mixed rows when its Media Stream starts,
 * keeps their heartbeat while it runs, and on stop uploads the files and completes the rows. A daemon that died
 * mid-call finishes what its spool directory holds when it starts again ({@link #recover}).
 */
public final class Recorder {
    private static final Logger log = LoggerFactory.getLogger(Recorder.class);

    private final Database db;
    private final RecordingStore store;
    private final CallRepository calls;
    private final RecordingRepository recordings;
    private final Path spool;
    private final String daemonId;
    private final Clock clock;
    private final dev.callvault.derived.Waveforms waveforms;
    /** Told the id of each call whose real-time recording was completed (the daemon analyses it then). */
    private volatile java.util.function.Consumer<UUID> completed = callId -> { };
    private final dev.callvault.derived.DerivedWork derived;
    private volatile java.util.function.ObjIntConsumer<String> failures = (reason, n) -> { };
    private volatile java.util.function.ObjDoubleConsumer<StreamInfo> ended = (info, seconds) -> { };
    private final Map<String, RealtimeRecording> active = new ConcurrentHashMap<>();
    private final Map<String, Unfinished> unfinished = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicBoolean retrying = new java.util.concurrent.atomic.AtomicBoolean();
    /** Written beside the audio when the stream has ended: what is left is only the upload. */
    private static final String FINISHED = "finished";

    public Recorder(Database db, RecordingStore store, Path spool, String daemonId, Clock clock) {
        this(db, store, spool, daemonId, clock, dev.callvault.derived.DerivedWork.inline());
    }

    /**
     * {@code derived}: where a finished call's analytics are made (its waveforms are made at once, from the spool,
     * before it is deleted: a few milliseconds of 8 kHz audio).
     */
    public Recorder(Database db, RecordingStore store, Path spool, String daemonId, Clock clock, dev.callvault.derived.DerivedWork derived) {
        this.derived = derived;
        this.db = db;
        this.store = store;
        this.calls = new CallRepository(db.jdbi());
        this.recordings = new RecordingRepository(db.jdbi());
        this.spool = spool;
        this.daemonId = daemonId;
        this.clock = clock;
        this.waveforms = new dev.callvault.derived.Waveforms(store);
    }

    /**
     * Creates the rows the assistant's settings ask for, in progress, and the recording that fills them. When the
     * database cannot be reached the audio is recorded all the same and the rows are written once it answers.
     */
    public RealtimeRecording start(String accountSid, String callSid, String streamSid, Assistant assistant) throws IOException {
        var started = clock.instant();
        String folder = RecordingKeys.callFolder(store.prefix(), started, callSid);
        Map<String, String> keys = new LinkedHashMap<>();
        Map<String, UUID> planned = new LinkedHashMap<>();
        for (String type : assistant.tracks()) {
            keys.put(type, folder + streamSid + "-" + type + "." + assistant.format());
            planned.put(type, UUID.randomUUID());
        }
        // the spool (its info.json says the rows are pending) before the rows: a daemon killed between the two leaves a
        // spool that recovery finishes, never rows in progress that nothing will finish
        StreamInfo pending = new StreamInfo(accountSid, callSid, streamSid, assistant.id(), assistant.format(), started, planned, keys, daemonId, true);
        RealtimeRecording r = new RealtimeRecording(spool.resolve(streamSid), pending);
        try {
            r.rowsWritten(pending.written(writeRows(pending)));
        } catch (RuntimeException e) {
            if (e instanceof Refused || !Database.unreachable(e)) {
                r.close();
                deleteTree(r.dir());
                throw e;
            }
            log.warn("the database is unreachable: recording stream {} of call {} to disk, its rows are written when it answers", streamSid, callSid);
        }
        active.put(streamSid, r);
        log.info("recording stream {} of call {} in real time: {} as {}", streamSid, callSid, keys.keySet(), assistant.format());
        return r;
    }

    /** A call marked for deletion here (an erasure or retention under way, or done): nothing of it is recorded or stored. */
    public static final class Refused extends dev.callvault.PermanentException {
        Refused(String callSid) {
            super("call " + callSid + " is erased, expired or being deleted here: nothing of it is recorded");
        }
    }

    /** Writes a stream's rows (once: a repeat finds them) and returns their ids by type; {@link Refused} for a call marked for deletion. */
    private Map<String, UUID> writeRows(StreamInfo info) throws IOException {
        String meta = RealtimeRecording.JSON.writeValueAsString(Map.of("recorder", "realtime", "daemon", info.daemonId(), "assistant", info.assistant()));
        return db.jdbi().inTransaction(h -> {
            UUID call = calls.upsert(h, info.callSid(), info.accountSid(), info.startedAt());
            if (dev.callvault.db.Marks.refusesCall(h, call)) {
                throw new Refused(info.callSid());
            }
            Map<String, UUID> ids = recordings.streamRows(h, info.streamSid());
            if (ids.isEmpty()) {
                info.rows().forEach((type, id) -> ids.put(type, recordings.startRealtime(h, id, call, type, info.streamSid(), info.keys().get(type),
                        store.url(info.keys().get(type)), info.format(), meta)));
            }
            return ids;
        });
    }

    /**
     * Makes every live recording durable and beats its rows' heart (duration so far, updated_at), writing the rows
     * of streams that started while the database was down. After one database failure the rest of the round only
     * syncs audio, so an outage delays the round by one connection timeout, not one per stream.
     */
    public void syncAll() {
        boolean databaseAnswers = true;
        for (RealtimeRecording r : active.values()) {
            double seconds;
            try {
                synchronized (r) {
                    seconds = r.sync();
                }
                Files.writeString(r.dir().resolve("progress"), Double.toString(seconds));
            } catch (IOException e) {
                failed(r, e);
                continue;
            }
            try {
                if (!databaseAnswers) {
                    continue;
                }
                if (r.info().rowsPending()) {
                    r.rowsWritten(r.info().written(writeRows(r.info())));
                    log.info("rows of stream {} of call {} written now that the database answers", r.info().streamSid(), r.info().callSid());
                }
                recordings.heartbeat(r.info().rows().values(), seconds(seconds));
            } catch (IOException | RuntimeException e) {
                if (e instanceof Refused) {
                    discard(r, e.getMessage());
                } else if (Database.unreachable(e)) {
                    databaseAnswers = false;
                } else {
                    log.warn("could not beat the heart of stream {}'s rows: {}", r.info().streamSid(), e.getMessage());
                }
            }
        }
    }

    /**
     * Finishes a stream's recording: files completed, uploaded beside Twilio's, rows completed. When the store or the
     * database fails, the finished files stay in the spool and {@link #retryUnfinished} tries again.
     */
    public void stop(RealtimeRecording r, long endTimestampMs, boolean interrupted) throws IOException {
        if (active.remove(r.info().streamSid()) == null) {
            return; // already finished (the daemon's shutdown and the socket's close may both ask)
        }
        Map<String, Path> files;
        Map<String, Peaks> peaks;
        try {
            synchronized (r) {
                files = r.finish(endTimestampMs);
                peaks = r.peaks();
            }
        } catch (IOException e) {
            giveUp(r, e);
            return;
        }
        Unfinished u = new Unfinished(r.info().streamSid(), r.dir(), files, peaks, r.seconds(), interrupted);
        if (!interrupted) {
            tellEnded(r.info(), u.seconds());
        }
        Files.writeString(r.dir().resolve(FINISHED), Double.toString(u.seconds()));
        unfinished.put(r.info().streamSid(), u);
        complete(u);
    }

    /**
     * Gives up a live recording whose spool could not be written (disk full, directory made read-only, a failing
     * disk): it takes no more frames, its rows are failed with the reason, and every other stream goes on. The Media
     * Stream itself stays open and acknowledged, so the call is never affected.
     */
    public void failed(RealtimeRecording r, Exception cause) {
        if (active.remove(r.info().streamSid()) != null) {
            giveUp(r, cause);
        }
    }

    private void giveUp(RealtimeRecording r, Exception cause) {
        r.markFailed();
        try {
            r.close();
        } catch (IOException ignored) {
            // the same disk that just failed; what it held is given up below
        }
        String reason = "the real-time spool " + r.dir() + " could not be written (" + cause.getMessage() + "); recording stopped at "
                + String.format("%.2f", r.seconds()) + " s";
        log.error("stream {} of call {}: {}", r.info().streamSid(), r.info().callSid(), reason);
        if (r.info().rowsPending()) {
            return; // no rows yet: nothing to mark
        }
        try {
            recordings.failRealtime(r.info().rows().values(), reason);
            failures.accept("spool_write_failed", r.info().rows().size());
        } catch (RuntimeException e) {
            log.warn("could not mark the rows of stream {} failed ({}); they are marked abandoned later", r.info().streamSid(), e.getMessage());
        }
    }

    /** Tries again to upload and complete the recordings whose finalize failed; returns how many are still left. */
    public int retryUnfinished() {
        if (!retrying.compareAndSet(false, true)) {
            return unfinished.size();
        }
        try {
            for (Unfinished u : List.copyOf(unfinished.values())) {
                try {
                    complete(u);
                } catch (IOException | RuntimeException e) {
                    log.debug("stream in {} still cannot be finished: {}", u.dir(), e.getMessage());
                    break; // the store or the database is still down: the next round tries again
                }
            }
            return unfinished.size();
        } finally {
            retrying.set(false);
        }
    }

    /** A stream whose audio is complete on disk, waiting to be uploaded and its rows completed. */
    private record Unfinished(String streamSid, Path dir, Map<String, Path> files, Map<String, Peaks> peaks, double seconds, boolean interrupted) {
    }

    /** The streams being completed now, each by one thread: the one that stopped it, the retry, or recovery, never two. */
    private final java.util.Set<String> completing = ConcurrentHashMap.newKeySet();

    /**
     * Completes {@code u} unless another thread is completing it or has completed it already: a stream is uploaded and
     * its rows completed once (a second upload would leave one more version of each object on a versioned bucket).
     */
    private void complete(Unfinished u) throws IOException {
        if (!completing.add(u.streamSid())) {
            return; // in hand elsewhere: that thread finishes it, or leaves it to the next retry
        }
        try {
            if (unfinished.get(u.streamSid()) != u) {
                return; // completed meanwhile
            }
            StreamInfo info = RealtimeRecording.JSON.readValue(u.dir().resolve(RealtimeRecording.INFO).toFile(), StreamInfo.class);
            try {
                if (info.rowsPending()) {
                    info = info.written(writeRows(info));
                    RealtimeRecording.writeInfo(u.dir(), info);
                }
                complete(info, u.files(), u.peaks(), u.seconds(), u.interrupted());
            } catch (Refused refused) {
                log.info("stream {}: {}; its spool is deleted", info.streamSid(), refused.getMessage());
                deleteTree(u.dir());
            }
            unfinished.remove(u.streamSid());
        } finally {
            completing.remove(u.streamSid());
        }
    }

    /** A live recording of a call marked for deletion: it takes no more frames and its spool goes. */
    private void discard(RealtimeRecording r, String why) {
        if (active.remove(r.info().streamSid()) == null) {
            return;
        }
        r.markFailed();
        try {
            r.close();
            deleteTree(r.dir());
        } catch (IOException e) {
            log.warn("stream {}: its spool {} could not be deleted: {}", r.info().streamSid(), r.dir(), e.getMessage());
        }
        log.info("stream {}: {}; its spool is deleted", r.info().streamSid(), why);
    }

    private void complete(StreamInfo info, Map<String, Path> files, Map<String, Peaks> peaks, double seconds, boolean interrupted) throws IOException {
        if (db.jdbi().withHandle(h -> dev.callvault.db.Marks.refuses(h, null, info.callSid()))) {
            refuse(info);
        }
        List<RecordingRepository.RealtimeCompletion> completions = new ArrayList<>();
        for (var e : files.entrySet()) {
            String type = e.getKey();
            String key = info.keys().get(type);
            // the spool file is finished and synced: a directory store on the same disk links it instead of copying
            StoredObject stored = store.putFile(key, e.getValue(), info.format().equals("mp3") ? "audio/mpeg" : "audio/wav",
                    Map.of("call-sid", info.callSid(), "stream-sid", info.streamSid(), "recording-type", type));
            String meta = RealtimeRecording.JSON.writeValueAsString(Map.of("interrupted", interrupted,
                    "realtime", Map.of("s3_key", key, "file_size", stored.size(), "sha256", stored.sha256(), "duration_seconds", seconds)));
            completions.add(new RecordingRepository.RealtimeCompletion(info.rows().get(type), key, store.url(key), stored.size(),
                    stored.sha256(), seconds(seconds), meta));
        }
        java.time.Instant end = info.startedAt().plusMillis(Math.round(seconds * 1000));
        UUID callId = db.jdbi().inTransaction(h -> {
            // the call's row locked, as a marking locks it: marked meanwhile, what was uploaded goes again
            h.createQuery("SELECT id FROM calls WHERE call_sid = :sid FOR UPDATE").bind("sid", info.callSid()).mapTo(UUID.class).findOne();
            if (dev.callvault.db.Marks.refuses(h, null, info.callSid())) {
                return null;
            }
            CallRepository.ended(h, info.callSid(), end, false);
            return RecordingRepository.completeRealtime(h, completions);
        });
        if (callId == null && db.jdbi().withHandle(h -> dev.callvault.db.Marks.refuses(h, null, info.callSid()))) {
            for (var c : completions) {
                store.eraseAllVersions(c.key());
            }
            refuse(info);
        }
        for (var e : files.entrySet()) {
            String key = info.keys().get(e.getKey());
            if (peaks.containsKey(e.getKey())) {
                waveforms.afterCompleted(key, peaks.get(e.getKey()));
            } else { // recovered from the spool after a restart: the waveform drawn live died with the process
                waveforms.afterCompleted(key, info.format(), () -> Files.newInputStream(e.getValue()));
            }
        }
        deleteTree(spool.resolve(info.streamSid()));
        if (callId != null) {
            derived.submit(() -> completed.accept(callId));
        }
        log.info("stream {} of call {} recorded: {} s{}", info.streamSid(), info.callSid(), String.format("%.2f", seconds),
                interrupted ? " (interrupted)" : "");
    }

    /** The rows of a stream whose call is marked for deletion fail with the reason (its deletion makes them tombstones). */
    private void refuse(StreamInfo info) {
        recordings.failRealtime(info.rows().values(), "not stored: its call is erased, expired or being deleted here");
        throw new Refused(info.callSid());
    }

    /**
     * Finishes every recording a previous run of this daemon left in its spool directory: the audio made durable
     * before it died is uploaded and the rows completed, with {@code "interrupted": true} unless the stream had
     * ended and only its upload was left. One that cannot be finished now (S3 or the database down) is left to
     * {@link #retryUnfinished}: the daemon starts all the same. Returns how many were found.
     */
    public int recover() {
        if (!Files.isDirectory(spool)) {
            return 0;
        }
        int n = 0;
        try (Stream<Path> dirs = Files.list(spool)) {
            for (Path dir : dirs.filter(d -> Files.exists(d.resolve(RealtimeRecording.INFO))).toList()) {
                StreamInfo info = RealtimeRecording.JSON.readValue(dir.resolve(RealtimeRecording.INFO).toFile(), StreamInfo.class);
                if (active.containsKey(info.streamSid()) || unfinished.containsKey(info.streamSid())) {
                    continue;
                }
                Map<String, Path> files = new LinkedHashMap<>();
                long samples = Long.MAX_VALUE;
                for (String type : info.rows().keySet()) {
                    Path f = dir.resolve(type + "." + info.format());
                    if (Files.exists(f)) {
                        if (info.format().equals("wav")) {
                            samples = Math.min(samples, dev.callvault.audio.WavSink.repair(f));
                        }
                        files.put(type, f);
                    }
                }
                boolean ended = Files.exists(dir.resolve(FINISHED));
                double seconds = ended ? Double.parseDouble(Files.readString(dir.resolve(FINISHED)).trim())
                        : Files.exists(dir.resolve("progress")) || samples == Long.MAX_VALUE ? progress(dir) : samples / 8000.0;
                Unfinished u = new Unfinished(info.streamSid(), dir, files, Map.of(), seconds, !ended);
                unfinished.put(info.streamSid(), u);
                n++;
                try {
                    complete(u);
                } catch (IOException | RuntimeException e) {
                    // the store or the database is down while we start: start all the same, retryUnfinished finishes it
                    log.warn("stream {} of call {} cannot be finished yet ({}); retried every 5 s", info.streamSid(), info.callSid(), e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("recovering real-time recordings in " + spool + " failed", e);
        }
        return n;
    }

    /** Rows left in progress by a daemon that is gone for good: marked failed with the reason. */
    public int markAbandoned(Duration limit) {
        int n = recordings.markAbandoned(limit, "no heartbeat for " + limit.toMinutes() + " minutes: the recording daemon is gone");
        if (n > 0) {
            log.warn("marked {} abandoned real-time recordings failed", n);
            failures.accept("abandoned", n);
        }
        return n;
    }

    /** Told how many real-time recordings were marked failed, and why ("spool_write_failed", "abandoned"): the daemon's metric. */
    public void onFailed(java.util.function.ObjIntConsumer<String> listener) {
        this.failures = listener;
    }

    /**
     * Told when a stream ends with its call (Twilio's stop, or its socket closed; not this daemon's shutdown), with the
     * stream's seconds, before its files are uploaded: the pauses close what the call left open.
     */
    public void onEnded(java.util.function.ObjDoubleConsumer<StreamInfo> listener) {
        this.ended = listener;
    }

    private void tellEnded(StreamInfo info, double seconds) {
        try {
            ended.accept(info, seconds);
        } catch (RuntimeException e) {
            log.warn("stream {} of call {} ended, but what waits for its end failed: {}", info.streamSid(), info.callSid(), e.toString());
        }
    }

    /** Tells {@code listener} of each call whose real-time recording is completed, off the finalizer's path ({@code derived}). */
    public void onCompleted(java.util.function.Consumer<UUID> listener) {
        this.completed = listener;
    }

    public Optional<RealtimeRecording> active(String streamSid) {
        return Optional.ofNullable(active.get(streamSid));
    }

    public Collection<RealtimeRecording> active() {
        return active.values();
    }

    private static double progress(Path dir) throws IOException {
        Path p = dir.resolve("progress");
        return Files.exists(p) ? Double.parseDouble(Files.readString(p).trim()) : 0;
    }

    private static BigDecimal seconds(double s) {
        return BigDecimal.valueOf(s).setScale(3, RoundingMode.HALF_UP);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
