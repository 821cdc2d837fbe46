package dev.callvault.backfill;

import dev.callvault.CallvaultException;
import dev.callvault.archive.ArchiveResult;
import dev.callvault.archive.Archiver;
import dev.callvault.db.Database;
import dev.callvault.storage.Hex;
import dev.callvault.twilio.TwilioRecording;
import dev.callvault.twilio.TwilioRecordings;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Archives Twilio's recordings of a time window into the store and the database. Idempotent (an archived and
 * verified recording is skipped without downloading) and resumable (what a run finished is checkpointed in the
 * database under the run's parameters). Deletes from Twilio only what it has verified in the store and database.
 */
public final class Backfill {
    private static final Logger log = LoggerFactory.getLogger(Backfill.class);

    private final TwilioRecordings twilio;
    private final java.util.function.Supplier<Archiver> archivers;
    private final Database db;
    private final dev.callvault.archive.Leftovers leftovers;

    public Backfill(TwilioRecordings twilio, Archiver archiver, Database db) {
        this(twilio, () -> archiver, db);
    }

    /** {@code archiver} is asked for once there is something to archive: a window with nothing in it never builds one. */
    public Backfill(TwilioRecordings twilio, java.util.function.Supplier<Archiver> archiver, Database db) {
        this.twilio = twilio;
        this.archivers = archiver;
        this.db = db;
        this.leftovers = new dev.callvault.archive.Leftovers(db, twilio, java.time.Clock.systemUTC());
    }

    /**
     * What to backfill. {@code callSid} may be null (every call). {@code runName} names the run whose checkpoint is
     * continued: the command line as typed ("--since 36h" stays the same run when rerun later); null = the window.
     */
    public record Options(String accountSid, Instant since, Instant until, String callSid, int concurrency, boolean dryRun,
                          boolean deleteFromTwilio, boolean restart, String runName) {
        public Options {
            if (since != null && until != null && !since.isBefore(until)) {
                throw new IllegalArgumentException("--since " + since + " is not before --until " + until);
            }
            if (concurrency < 1 || concurrency > 64) {
                throw new IllegalArgumentException("--concurrency must be 1 to 64, got " + concurrency);
            }
        }

        String runKey() {
            String key = accountSid + "|" + (runName != null ? runName : since + "|" + until) + "|" + callSid;
            return Hex.of(Hex.sha256().digest(key.getBytes(StandardCharsets.UTF_8))).substring(0, 32);
        }
    }

    /** What happened to one recording. */
    public enum Outcome { ARCHIVED, SKIPPED, NO_MEDIA, FAILED, DELETED, KEPT_AT_TWILIO }

    /** Told of each recording as it is done, from several threads at once. */
    public interface Listener {
        void found(int recordings);

        void done(TwilioRecording recording, Outcome outcome, String detail);
    }

    public record Failure(String recordingSid, String error) {
    }

    public record Summary(int found, int archived, int skipped, int noMedia, int failed, int deleted, long bytes,
                          BigDecimal totalSeconds, Duration took, List<Failure> failures) {
        public double recordingsPerSecond() {
            return (archived + skipped) / Math.max(took.toNanos() / 1e9, 1e-9);
        }

        public double megabytesPerSecond() {
            return bytes / 1e6 / Math.max(took.toNanos() / 1e9, 1e-9);
        }
    }

    public Summary run(Options o, Listener listener) throws InterruptedException {
        Instant start = Instant.now();
        twilio.credentials(o.accountSid());
        List<TwilioRecording> found = twilio.list(o.accountSid(), o.since(), o.until(), o.callSid());
        listener.found(found.size());
        BigDecimal seconds = found.stream().map(r -> r.durationSeconds() == null ? BigDecimal.ZERO : r.durationSeconds())
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        if (o.dryRun() || (found.isEmpty() && !o.restart())) {
            // nothing listed: nothing to look up or archive (cron's most common run)
            return new Summary(found.size(), 0, 0, 0, 0, 0, 0, seconds, Duration.between(start, Instant.now()), List.of());
        }
        Archiver archiver = archivers.get();
        dev.callvault.db.DeletionLog deletions = new dev.callvault.db.DeletionLog(db.jdbi());
        String run = o.runKey();
        if (o.restart()) {
            db.jdbi().useHandle(h -> h.createUpdate("DELETE FROM backfill_done WHERE run_key = :run").bind("run", run).execute());
        }
        Set<String> done = new HashSet<>(db.jdbi().withHandle(h -> h.createQuery("SELECT recording_sid FROM backfill_done WHERE run_key = :run")
                .bind("run", run).mapTo(String.class).list()));
        if (!done.isEmpty()) {
            log.info("resuming backfill run {}: {} of {} recordings already done", run, done.size(), found.size());
        }
        Set<String> haveRows = completedRows(found);
        Set<String> tombstones = tombstones(found);
        AtomicInteger archived = new AtomicInteger();
        AtomicInteger skipped = new AtomicInteger();
        AtomicInteger noMedia = new AtomicInteger();
        AtomicInteger deleted = new AtomicInteger();
        AtomicLong bytes = new AtomicLong();
        List<Failure> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        // what is left of a recording once its outcome is known: its checkpoint (an archived one's is in its row's
        // transaction), the counts, the listener, and Twilio's copy deleted when asked
        java.util.function.BiConsumer<TwilioRecording, CallvaultException> fail = (r, e) -> {
            failures.add(new Failure(r.sid(), e.getMessage()));
            listener.done(r, Outcome.FAILED, e.getMessage());
        };
        java.util.function.BiConsumer<TwilioRecording, java.util.function.Supplier<ArchiveResult>> finish = (r, archiving) -> {
            try {
                ArchiveResult result = archiving.get();
                Outcome outcome = switch (result.outcome()) {
                    case ARCHIVED -> Outcome.ARCHIVED;
                    case ALREADY_ARCHIVED, ERASED -> Outcome.SKIPPED;
                    case NO_MEDIA -> Outcome.NO_MEDIA;
                };
                if (outcome == Outcome.ARCHIVED) {
                    bytes.addAndGet(result.size());
                } else {
                    db.jdbi().useHandle(h -> checkpoint(h, run, r.sid(), outcome));
                }
                finished(r, outcome, null, archived, skipped, noMedia, listener);
                if (o.deleteFromTwilio() && outcome != Outcome.NO_MEDIA) {
                    deleteAtTwilio(r, archiver, deletions, deleted, failures, listener);
                }
            } catch (CallvaultException e) {
                fail.accept(r, e);
            }
        };
        // downloads run `concurrency` at a time; a downloaded recording's row is committed by another thread while its
        // worker starts the next download, so that at concurrency 1 the database's commit and the store's sync are not
        // added to every recording's transfer
        ExecutorService pool = Executors.newFixedThreadPool(o.concurrency());
        ExecutorService committers = Executors.newFixedThreadPool(Math.max(1, (o.concurrency() + 3) / 4));
        List<Future<?>> commits = java.util.Collections.synchronizedList(new ArrayList<>());
        try {
            List<Future<?>> work = new ArrayList<>();
            for (TwilioRecording r : found) {
                work.add(pool.submit(() -> {
                    try {
                        if (done.contains(r.sid())) {
                            finished(r, Outcome.SKIPPED, "done in an earlier run", archived, skipped, noMedia, listener);
                            if (o.deleteFromTwilio()) {
                                deleteAtTwilio(r, archiver, deletions, deleted, failures, listener);
                            }
                        } else if (tombstones.contains(r.sid())) {
                            // erased, expired or being deleted here: never fetched again, and deleted at Twilio if its deletion missed it
                            boolean deletedThere = r.hasMedia() && leftovers.delete(r.ref());
                            finished(r, Outcome.SKIPPED, "erased or expired here" + (deletedThere ? "; deleted at Twilio" : ""), archived, skipped,
                                    noMedia, listener);
                        } else {
                            // an archived recording's checkpoint is written with its row: one commit, not two
                            HandleConsumer<RuntimeException> checkpoint = h -> checkpoint(h, run, r.sid(), Outcome.ARCHIVED);
                            if (haveRows.contains(r.sid())) {
                                finish.accept(r, () -> archiver.archive(Archiver.Request.of(r).alsoInTransaction(checkpoint)));
                            } else {
                                Archiver.Staged staged = archiver.stage(Archiver.Request.of(r).knownUnarchived().alsoInTransaction(checkpoint));
                                commits.add(committers.submit(() -> finish.accept(r, staged::commit)));
                            }
                        }
                    } catch (CallvaultException e) {
                        fail.accept(r, e);
                    }
                    return null;
                }));
            }
            awaitAll(work);
            awaitAll(List.copyOf(commits));
        } finally {
            pool.shutdownNow();
            committers.shutdownNow();
        }
        return new Summary(found.size(), archived.get(), skipped.get(), noMedia.get(), failures.size(), deleted.get(), bytes.get(),
                seconds, Duration.between(start, Instant.now()), List.copyOf(failures));
    }

    private static void awaitAll(List<Future<?>> futures) throws InterruptedException {
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("backfill worker crashed", e.getCause());
            }
        }
    }

    private static void finished(TwilioRecording r, Outcome outcome, String detail, AtomicInteger archived, AtomicInteger skipped,
                                 AtomicInteger noMedia, Listener listener) {
        (outcome == Outcome.ARCHIVED ? archived : outcome == Outcome.SKIPPED ? skipped : noMedia).incrementAndGet();
        listener.done(r, outcome, detail);
    }

    /** Twilio's copy of {@code r} deleted, once the object here matches its row; kept (and a failure) otherwise. */
    private void deleteAtTwilio(TwilioRecording r, Archiver archiver, dev.callvault.db.DeletionLog deletions, AtomicInteger deleted,
                                List<Failure> failures, Listener listener) {
        if (archiver.verifiedRow(r.sid()).isPresent()) {
            twilio.delete(r.accountSid(), r.sid());
            deletions.record(new dev.callvault.db.DeletionLog.Entry(Instant.now(), "callvault backfill",
                    dev.callvault.db.DeletionLog.Kind.BACKFILL, "backfill --delete-from-twilio: archived and verified here",
                    null, r.callSid(), r.sid(), null, null, null, dev.callvault.db.DeletionLog.Place.TWILIO,
                    dev.callvault.db.DeletionLog.Outcome.DELETED, "Twilio's copy, once the object here matched its row"));
            deleted.incrementAndGet();
            listener.done(r, Outcome.DELETED, null);
        } else {
            String why = "kept at Twilio: the stored object does not match the database row";
            failures.add(new Failure(r.sid(), why));
            listener.done(r, Outcome.KEPT_AT_TWILIO, why);
        }
    }

    private static void checkpoint(Handle h, String run, String recordingSid, Outcome outcome) {
        h.createUpdate("""
                        INSERT INTO backfill_done (run_key, recording_sid, outcome) VALUES (:run, :sid, :outcome)
                        ON CONFLICT (run_key, recording_sid) DO NOTHING""")
                .bind("run", run).bind("sid", recordingSid).bind("outcome", outcome.name()).execute();
    }

    /** Which of the listed recordings were erased or expired here, or belong to a call being deleted: never downloaded again. */
    private Set<String> tombstones(List<TwilioRecording> found) {
        Map<String, String> callOf = new java.util.HashMap<>();
        found.forEach(r -> callOf.put(r.sid(), r.callSid()));
        return db.jdbi().withHandle(h -> dev.callvault.db.Marks.refusedOf(h, callOf));
    }

    /**
     * Which of the listed recordings have a completed row already, in one query: the others are archived without a
     * look-up each (those that do are checked against the store first, as always).
     */
    private Set<String> completedRows(List<TwilioRecording> found) {
        List<String> sids = found.stream().map(TwilioRecording::sid).toList();
        return new HashSet<>(db.jdbi().withHandle(h -> h.createQuery("""
                        SELECT recording_sid FROM recordings
                        WHERE recording_sid = ANY(:sids) AND status = 'completed' AND s3_key IS NOT NULL""")
                .bindArray("sids", String.class, sids).mapTo(String.class).list()));
    }
}
