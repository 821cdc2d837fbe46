package dev.callvault.archive;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.PermanentException;
import dev.callvault.RetryableException;
import dev.callvault.crypto.PrivateKeys;
import dev.callvault.crypto.RecordingCipher;
import dev.callvault.db.CallRepository;
import dev.callvault.db.Database;
import dev.callvault.db.Marks;
import dev.callvault.db.RecordingRepository;
import dev.callvault.db.RecordingRow;
import dev.callvault.db.TwilioUpgrade;
import dev.callvault.encrypted.Seal;
import dev.callvault.storage.RecordingKeys;
import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.StoredObject;
import dev.callvault.twilio.MediaFormat;
import dev.callvault.twilio.RecordingRef;
import dev.callvault.twilio.TwilioRecording;
import dev.callvault.twilio.TwilioRecordings;
import org.jdbi.v3.core.HandleConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Archives one finished Twilio recording (DESIGN 2.3): streams its media from Twilio into the store, then, in
 * one transaction, upgrades the call's {@code mixed} row with it. Idempotent per RecordingSid; a failure leaves
 * the database unchanged and no partial object.
 */
public final class Archiver {
    private static final Logger log = LoggerFactory.getLogger(Archiver.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HandleConsumer<RuntimeException> NOTHING_MORE = h -> { };

    private final TwilioRecordings twilio;
    private final RecordingStore store;
    private final Database db;
    private final CallRepository calls;
    private final RecordingRepository recordings;
    private final MediaFormat preferredFormat;
    private final Clock clock;
    private final dev.callvault.derived.Waveforms waveforms;
    private final dev.callvault.derived.CallAnalyzer analyzer;
    private final dev.callvault.derived.DerivedWork derived;
    private final Leftovers leftovers;
    private final PrivateKeys keys;

    public Archiver(TwilioRecordings twilio, RecordingStore store, Database db, MediaFormat preferredFormat, Clock clock) {
        this(twilio, store, db, preferredFormat, clock, dev.callvault.derived.DerivedWork.inline());
    }

    /** {@code derived}: where the waveform and the call's analytics are made once a recording is archived. */
    public Archiver(TwilioRecordings twilio, RecordingStore store, Database db, MediaFormat preferredFormat, Clock clock,
                    dev.callvault.derived.DerivedWork derived) {
        this(twilio, store, db, preferredFormat, clock, derived, new PrivateKeys(Map.of()));
    }

    /**
     * {@code keys}: the private keys of Twilio's encrypted recordings, where this host has them: an encrypted recording is
     * then authenticated as it is stored, and the verdict bound to the stored object ({@link Seal}).
     */
    public Archiver(TwilioRecordings twilio, RecordingStore store, Database db, MediaFormat preferredFormat, Clock clock,
                    dev.callvault.derived.DerivedWork derived, PrivateKeys keys) {
        this.keys = keys;
        this.derived = derived;
        this.twilio = twilio;
        this.store = store;
        this.db = db;
        this.calls = new CallRepository(db.jdbi());
        this.recordings = new RecordingRepository(db.jdbi());
        this.preferredFormat = preferredFormat;
        this.clock = clock;
        this.waveforms = new dev.callvault.derived.Waveforms(store);
        this.analyzer = new dev.callvault.derived.CallAnalyzer(db.jdbi(), store);
        this.leftovers = new Leftovers(db, twilio, clock);
    }

    /** Deletes at Twilio what it still has of calls marked for deletion here. */
    public Leftovers leftovers() {
        return leftovers;
    }

    /** Analyses calls as their recordings are archived. */
    public dev.callvault.derived.CallAnalyzer analyzer() {
        return analyzer;
    }

    /**
     * What to archive and how. {@link #of(RecordingRef)}: Twilio is asked for the recording's details;
     * {@link #of(TwilioRecording)}: the caller has them (from a listing). Either way a recording already archived
     * (its row completed, its object matching) is left as it is, and one erased here is never fetched again.
     *
     * @param ifNotArchived     false: archived even though its row says so ({@link #again()})
     * @param tombstonesChecked true: the caller has checked it against erasures already ({@link #knownUnarchived()});
     *                          the transaction that writes its row checks again in any case
     * @param alsoInTransaction written in the transaction of the upgraded row, so both are there or neither (a
     *                          backfill's checkpoint)
     */
    public record Request(RecordingRef ref, TwilioRecording recording, boolean ifNotArchived, boolean tombstonesChecked,
                          HandleConsumer<RuntimeException> alsoInTransaction) {
        public static Request of(RecordingRef ref) {
            return new Request(ref, null, true, false, NOTHING_MORE);
        }

        public static Request of(TwilioRecording recording) {
            return new Request(recording.ref(), recording, true, false, NOTHING_MORE);
        }

        /** Archived again although its row says it is archived: for an object found damaged. */
        public Request again() {
            return new Request(ref, recording, false, tombstonesChecked, alsoInTransaction);
        }

        /**
         * The caller knows it has no completed row and no tombstone (a backfill asks the database about its whole
         * listing in two queries): no look-up per recording. Should another process archive it meanwhile, the same
         * object and row are written again.
         */
        public Request knownUnarchived() {
            return new Request(ref, recording, false, true, alsoInTransaction);
        }

        public Request alsoInTransaction(HandleConsumer<RuntimeException> more) {
            return new Request(ref, recording, ifNotArchived, tombstonesChecked, more);
        }
    }

    /** Archives what {@code request} names: its media streamed into the store, then its row, in that order. */
    public ArchiveResult archive(Request request) {
        return stage(request).commit();
    }

    /**
     * The first half of {@link #archive}: the media downloaded and stored, durable, the row not yet written (or an
     * outcome already final). {@link Staged#commit} writes the row; a backfill commits one recording while the next
     * one downloads.
     */
    public Staged stage(Request request) {
        Instant start = clock.instant();
        RecordingRef ref = request.ref();
        twilio.credentials(ref.accountSid());
        if (request.recording() == null && !request.tombstonesChecked()
                && db.jdbi().withHandle(h -> Marks.refuses(h, ref.recordingSid(), ref.callSid()))) {
            return new Staged(refused(ref, start)); // before downloading: a recording of a call marked for deletion is never fetched again
        }
        if (request.ifNotArchived()) {
            Optional<ArchiveResult> done = alreadyArchived(ref, start);
            if (done.isPresent()) {
                return new Staged(done.get());
            }
        }
        TwilioRecording rec = request.recording() != null ? request.recording() : twilio.fetch(ref.accountSid(), ref.recordingSid());
        return stage(rec, ref, start, !request.tombstonesChecked() && request.recording() != null, request.alsoInTransaction());
    }

    /** True when the row of this RecordingSid is completed and the object holds exactly its size and hash. */
    public Optional<RecordingRow> verifiedRow(String recordingSid) {
        return recordings.findByRecordingSid(recordingSid)
                .filter(row -> row.completed() && row.s3Key() != null)
                .filter(row -> store.head(row.s3Key()).map(o -> o.matches(row.fileSize(), row.sha256())).orElse(false));
    }

    private Optional<ArchiveResult> alreadyArchived(RecordingRef ref, Instant start) {
        return verifiedRow(ref.recordingSid()).map(row -> {
            log.info("recording {} already archived at {}, nothing to do", ref.recordingSid(), row.s3Key());
            return new ArchiveResult(ArchiveResult.Outcome.ALREADY_ARCHIVED, ref, row.id(), row.s3Key(), row.fileSize(), row.sha256(),
                    "completed", Duration.between(start, clock.instant()));
        });
    }

    /** Said of a recording whose row, or whose call, is a tombstone: erased or expired, never to come back. */
    private static final class Tombstoned extends RuntimeException {
        Tombstoned() {
            super(null, null, false, false);
        }
    }

    /**
     * Said of a recording whose row is a tombstone or whose call is marked for deletion (erased, expired, or being so):
     * never archived, and deleted at Twilio when its call's erasure or retention has not deleted it there yet.
     */
    private ArchiveResult refused(RecordingRef ref, Instant start) {
        boolean deleted = leftovers.delete(ref);
        log.info("recording {} of call {}: its call is erased, expired or being deleted here: not archived{}", ref.recordingSid(), ref.callSid(),
                deleted ? "; deleted at Twilio" : "");
        return new ArchiveResult(ArchiveResult.Outcome.ERASED, ref, null, null, 0, null, "erased", Duration.between(start, clock.instant()));
    }

    /** A recording's media stored and durable, its row to be written by {@link #commit}; or an outcome already final. */
    public final class Staged {
        private final TwilioRecording rec;
        private final RecordingRef ref;
        private final Instant start;
        private final ArchiveResult finished;
        private final MediaFormat format;
        private final Instant started;
        private final String key;
        private final Uploaded stored;
        private final HandleConsumer<RuntimeException> alsoInTransaction;

        private Staged(ArchiveResult finished) {
            this(null, null, null, finished, null, null, null, null, NOTHING_MORE);
        }

        private Staged(TwilioRecording rec, RecordingRef ref, Instant start, ArchiveResult finished, MediaFormat format, Instant started,
                       String key, Uploaded stored, HandleConsumer<RuntimeException> alsoInTransaction) {
            this.rec = rec;
            this.ref = ref;
            this.start = start;
            this.finished = finished;
            this.format = format;
            this.started = started;
            this.key = key;
            this.stored = stored;
            this.alsoInTransaction = alsoInTransaction;
        }

        /**
         * Writes the recording's row (and the request's {@code alsoInTransaction}) in one transaction, which checks
         * again that the call was not erased while the media downloaded; returns the outcome.
         */
        public ArchiveResult commit() {
            return finished != null ? finished : committed(this);
        }
    }

    private Staged stage(TwilioRecording rec, RecordingRef ref, Instant start, boolean checkTombstone, HandleConsumer<RuntimeException> alsoInTransaction) {
        if (checkTombstone && db.jdbi().withHandle(h -> Marks.refuses(h, ref.recordingSid(), ref.callSid() != null ? ref.callSid() : rec.callSid()))) {
            return new Staged(refused(new RecordingRef(ref.accountSid(), ref.recordingSid(), ref.callSid() != null ? ref.callSid() : rec.callSid()), start));
        }
        if (ref.callSid() != null && rec.callSid() != null && !ref.callSid().equals(rec.callSid())) {
            throw new PermanentException("recording " + rec.sid() + " belongs to call " + rec.callSid() + " at Twilio, not to " + ref.callSid()
                    + "; refusing to attach it to the wrong call");
        }
        if (!rec.hasMedia()) {
            log.info("recording {} of call {} is '{}' at Twilio: no media to archive", rec.sid(), rec.callSid(), rec.status());
            return new Staged(new ArchiveResult(ArchiveResult.Outcome.NO_MEDIA, rec.ref(), null, null, 0, null, rec.status(),
                    Duration.between(start, clock.instant())));
        }
        if (rec.callSid() == null) {
            throw new PermanentException("recording " + rec.sid() + " has no CallSid at Twilio (a conference recording?); callvault archives call recordings");
        }
        MediaFormat format = rec.mediaFormat(preferredFormat);
        Instant started = rec.startTime() != null ? rec.startTime() : rec.dateCreated();
        String key = RecordingKeys.twilio(store.prefix(), started, rec.callSid(), rec.sid(), format.extension());
        return new Staged(rec, ref, start, null, format, started, key, upload(rec, format, key), alsoInTransaction);
    }

    private ArchiveResult committed(Staged s) {
        TwilioRecording rec = s.rec;
        RecordingRow row;
        try {
            row = db.jdbi().inTransaction(h -> {
            var callId = calls.upsert(h, rec.callSid(), rec.accountSid(), s.started);
            // the call's row is locked now: an erasure that marked it while this downloaded stops this here; one that marks
            // it later waits for this transaction and then deletes what it wrote
            if (Marks.refuses(h, rec.sid(), rec.callSid())) {
                throw new Tombstoned();
            }
            if (rec.durationSeconds() != null) {
                CallRepository.ended(h, rec.callSid(), s.started.plusMillis(rec.durationSeconds().movePointRight(3).longValue()), true);
            }
            RecordingRow upgraded = recordings.applyTwilioRecording(h, callId, new TwilioUpgrade(rec.sid(), s.key, store.url(s.key),
                    s.format.extension(), rec.channels(), rec.durationSeconds(), s.stored.size(), s.stored.sha256(),
                    metadataJson(rec, s.started, s.stored.seal())));
            s.alsoInTransaction.useHandle(h);
            if (s.stored.size() <= dev.callvault.derived.Waveforms.INLINE_LIMIT && !rec.encrypted()) { // a larger one: first view, 'callvault analyze'
                // once committed: the daemon's worker archives inside the transaction that claimed the callback, and
                // work that starts before that commits would read the call as it was
                h.afterCommit(() -> derived.submit(() -> derive(callId, s.key, s.format, s.stored.size())));
            }
            return upgraded;
            });
        } catch (Tombstoned erasedMeanwhile) {
            store.eraseAllVersions(s.key); // written while its call was being erased: it must not stay
            store.eraseAllVersions(s.key + dev.callvault.derived.Waveforms.SUFFIX);
            return refused(new RecordingRef(rec.accountSid(), rec.sid(), rec.callSid()), s.start);
        }
        ArchiveResult result = new ArchiveResult(ArchiveResult.Outcome.ARCHIVED, rec.ref(), row.id(), s.key, s.stored.size(), s.stored.sha256(),
                rec.status(), Duration.between(s.start, clock.instant()));
        log.info("archived recording {} of call {} to {} ({} bytes, {} MB/s), mixed row {}", rec.sid(), rec.callSid(), s.key,
                s.stored.size(), String.format("%.1f", result.megabytesPerSecond()), row.id());
        return result;
    }

    /**
     * The waveform of the archived recording and the call's analytics, with one download and one decoding for both:
     * the analysis reads this recording (Twilio's two channels) and draws its waveform on the way; when it reads
     * another (or none), the waveform is drawn alone.
     */
    private void derive(java.util.UUID callId, String key, MediaFormat format, long size) {
        dev.callvault.peaks.Peaks.Builder waveform = new dev.callvault.peaks.Peaks.Builder();
        if (analyzer.afterArchived(callId, key, waveform)) {
            waveforms.afterCompleted(key, waveform.build());
        } else {
            waveforms.afterCompleted(key, format.extension(), size);
        }
    }

    /**
     * Records Twilio's word that recording {@code ref} ended without media ({@code absent} or {@code failed}):
     * nothing is downloaded, the call's rows learn the status (DESIGN 2.3).
     */
    public RecordingRow recordStatusWithoutMedia(RecordingRef ref, String status, Map<String, String> callback) {
        if (ref.callSid() == null) {
            throw new PermanentException("a '" + status + "' callback for recording " + ref.recordingSid() + " without a CallSid cannot be attached to a call");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("twilio_status", status);
        m.put("twilio_recording_sid", ref.recordingSid());
        if (dev.callvault.twilio.TwilioErrors.isError(callback.get("ErrorCode"))) {
            m.put("twilio_error_code", callback.get("ErrorCode").strip());
            String meaning = dev.callvault.twilio.TwilioErrors.meaning(callback.get("ErrorCode"));
            if (meaning != null) {
                m.put("twilio_error", meaning); // shown with the recording: "Twilio's recording ... is failed (16105: ...)"
            }
        }
        m.put("status_received_at", clock.instant().toString());
        String meta = json(m);
        RecordingRow row = db.jdbi().inTransaction(h -> {
            var callId = calls.upsert(h, ref.callSid(), ref.accountSid(), null);
            if (Marks.refuses(h, ref.recordingSid(), ref.callSid())) {
                return null; // erased or expired here: nothing of it is written again
            }
            CallRepository.ended(h, ref.callSid(), clock.instant(), true); // Twilio's recording is over, and with it the call
            return recordings.applyTwilioStatus(h, callId, ref.recordingSid(), status, meta);
        });
        if (row == null) {
            log.info("a '{}' callback for recording {}: it (or its call) was erased here, ignored", status, ref.recordingSid());
            return null;
        }
        log.info("recording {} of call {} is '{}' at Twilio: recorded on row {}, nothing to download", ref.recordingSid(), ref.callSid(),
                status, row.id());
        return row;
    }

    /** What an upload stored: its size and SHA-256, and for an encrypted recording authenticated on the way, its seal (else null). */
    private record Uploaded(long size, String sha256, Seal seal) {
    }

    /**
     * Keeps the error code a status callback gave an archived recording ({@code 16107}: encrypted with an alternate public
     * key), with its meaning where callvault knows it, in the recording's row: {@code call show}, the API and the console
     * show it.
     */
    public void noteTwilioError(String recordingSid, String errorCode) {
        recordings.noteTwilioError(recordingSid, errorCode, dev.callvault.twilio.TwilioErrors.meaning(errorCode));
    }

    private Uploaded upload(TwilioRecording rec, MediaFormat format, String key) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("account-sid", rec.accountSid());
        meta.put("call-sid", rec.callSid());
        meta.put("recording-sid", rec.sid());
        meta.put("channels", Integer.toString(rec.channels()));
        if (rec.durationSeconds() != null) {
            meta.put("duration", rec.durationSeconds().toPlainString());
        }
        if (rec.encrypted()) {
            meta.put("encrypted", "rsa-aes " + rec.encryption().get("public_key_sid")); // ciphertext: only the private key opens it
        }
        RecordingCipher cipher = rec.encrypted() ? cipherHere(rec) : null;
        try (TwilioRecordings.Media media = twilio.media(rec, format)) {
            RecordingCipher.Checked checked = cipher == null ? null : cipher.checking(media.body());
            StoredObject stored = store.put(key, checked != null ? checked : media.body(), format.contentType(), meta);
            if (media.contentLength().isPresent() && media.contentLength().getAsLong() != stored.size()) {
                store.delete(key);
                throw new RetryableException("recording " + rec.sid() + ": Twilio announced " + media.contentLength().getAsLong()
                        + " bytes but sent " + stored.size() + "; the truncated copy was removed");
            }
            if (checked == null) {
                return new Uploaded(stored.size(), stored.sha256(), null);
            }
            if (checked.transferTo(java.io.OutputStream.nullOutputStream()) > 0 || !checked.authentic()) {
                store.delete(key);
                throw new RetryableException("recording " + rec.sid() + ": what Twilio sent does not authenticate with its content key (its GCM tag "
                        + "differs): a download cut or changed on the way; the copy was removed");
            }
            return new Uploaded(stored.size(), stored.sha256(), seal(key, stored));
        } catch (IOException e) {
            throw new RetryableException("reading or closing the media stream of recording " + rec.sid() + " failed: " + e.getMessage(), e);
        }
    }

    /** What opens an encrypted recording here, or null when this host has no key for it or the one it has does not open it. */
    private RecordingCipher cipherHere(TwilioRecording rec) {
        if (!keys.has(rec.encryption().get("public_key_sid"))) {
            return null; // authenticated where the key is: at its first play, or by verify --deep
        }
        try {
            return keys.cipher(rec.sid(), rec.encryption());
        } catch (dev.callvault.config.ConfigException e) { // another pair's key, or a file that holds none: archiving needs neither
            log.warn("recording {} of call {} is archived as Twilio encrypted it, not authenticated: {}", rec.sid(), rec.callSid(), e.getMessage());
            return null;
        }
    }

    /** The seal of an object authenticated as it was stored, bound to the object the store now holds (when it is that one). */
    private Seal seal(String key, StoredObject stored) {
        return store.head(key).filter(o -> o.matches(stored.size(), stored.sha256()))
                .map(o -> Seal.of(o, true, clock.instant())).orElse(null);
    }

    private String metadataJson(TwilioRecording rec, Instant started, Seal seal) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", "twilio_override");
        m.put("original_source", "s3");
        m.put("recording_sid", rec.sid());
        m.put("twilio_source", rec.source());
        m.put("twilio_status", rec.status());
        m.put("channels", rec.channels());
        m.put("start_time", started.toString());
        m.put("archived_at", clock.instant().toString());
        if (rec.encrypted()) {
            // kept as Twilio encrypted it: the ciphertext in the store, what opens it here (the private key stays with the
            // daemons that serve playback)
            m.put("encryption", rec.encryption());
            // what this archive found, for this object; none (null) replaces what an earlier object of the row was found
            m.put(Seal.KEY, seal == null ? null : seal.json());
        }
        return json(m);
    }

    private static String json(Map<String, Object> m) {
        try {
            return JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings and numbers is always JSON", e);
        }
    }
}
