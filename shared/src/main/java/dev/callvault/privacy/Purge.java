package dev.callvault.privacy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.CallvaultException;
import dev.callvault.db.CallRow;
import dev.callvault.db.Database;
import dev.callvault.db.RecordingRow;
import dev.callvault.peaks.Waveforms;
import dev.callvault.storage.RecordingStore;
import dev.callvault.twilio.RecordingNotFoundException;
import dev.callvault.twilio.TwilioRecording;
import dev.callvault.twilio.TwilioRecordings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Deletes a call's recordings everywhere, for retention and erasure alike: every version of every object (the recording,
 * its waveform, the real-time object an upgraded row was made from), Twilio's copies (listed by CallSid at Twilio,
 * archived or not), and in the database the audio's rows become tombstones. When the whole call goes, its numbers are
 * replaced by their keyed hash and its analytics deleted. Every step is recorded with its outcome; a recording whose
 * deletion failed anywhere keeps its row and is tried again by the next run. Nothing is reported deleted that was not.
 */
public final class Purge {
    private static final Logger log = LoggerFactory.getLogger(Purge.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Who deletes, as what, why; {@code tombstone} the status the deleted rows keep ({@code erased} or {@code expired}). */
    public record Actor(String who, DeletionLog.Kind kind, String why, UUID erasureId, String tombstone) {
    }

    /** What a purge did: {@code recordings} rows made tombstones; {@code complete} when nothing failed. */
    public record Result(List<DeletionLog.Entry> entries, int recordings, boolean complete) {
    }

    private final Database db;
    private final RecordingStore store;
    private final TwilioRecordings twilio;
    private final NumberHash hash;
    private final Clock clock;
    private final DeletionLog deletions;

    public Purge(Database db, RecordingStore store, TwilioRecordings twilio, NumberHash hash, Clock clock) {
        this.db = db;
        this.store = store;
        this.twilio = twilio;
        this.hash = hash;
        this.clock = clock;
        this.deletions = new DeletionLog(db.jdbi());
    }

    /**
     * Deletes {@code rows} of {@code call} everywhere; with {@code wholeCall}, also every recording Twilio still has of
     * the call, and (when all went) the call's numbers and analytics.
     */
    public Result purge(CallRow call, List<RecordingRow> rows, Actor actor, boolean wholeCall) {
        List<DeletionLog.Entry> done = new ArrayList<>();
        boolean complete = true;
        Set<String> twilioSids = new LinkedHashSet<>();
        if (wholeCall) {
            try {
                for (TwilioRecording r : twilio.list(call.accountSid(), null, null, call.callSid())) {
                    twilioSids.add(r.sid());
                }
            } catch (CallvaultException e) {
                complete = false;
                recorded(done, entry(actor, call, null, null, null, null, DeletionLog.Place.TWILIO, DeletionLog.Outcome.FAILED,
                        "could not list Twilio's recordings of the call: " + e.getMessage()));
            }
        }
        int gone = 0;
        for (RecordingRow row : rows) {
            if (row.recordingSid() != null) {
                twilioSids.remove(row.recordingSid());
            }
            boolean purged = purgeRow(call, row, actor, done);
            complete &= purged;
            gone += purged ? 1 : 0;
        }
        for (String sid : twilioSids) { // at Twilio, never archived here: a tombstone keeps backfill from fetching it
            boolean deleted = deleteAtTwilio(call, sid, actor, done);
            complete &= deleted;
            db.jdbi().useTransaction(h -> h.createUpdate("""
                            INSERT INTO recordings (call_id, recording_type, recording_source, status, recording_sid, deleted_at, recording_metadata)
                            VALUES (:call, 'twilio', 'twilio', :status, :sid, :at, :meta::jsonb) ON CONFLICT (recording_sid) DO NOTHING""")
                    .bind("call", call.id()).bind("status", actor.tombstone()).bind("sid", sid).bind("at", now()).bind("meta", tombstoneMeta(actor))
                    .execute());
        }
        if (wholeCall && complete) {
            forgetCall(call, actor, done);
        }
        return new Result(done, gone, complete);
    }

    /** One recording: its objects, its copy at Twilio, then its row. True when all of it is gone. */
    private boolean purgeRow(CallRow call, RecordingRow row, Actor actor, List<DeletionLog.Entry> done) {
        boolean ok = true;
        for (String key : keys(row)) {
            try {
                RecordingStore.Erased erased = store.eraseAllVersions(key);
                boolean main = key.equals(row.s3Key());
                recorded(done, entry(actor, call, row.recordingSid(), key, erased.versions() == 0 ? null : erased.bytes(), main ? row.sha256() : null,
                        DeletionLog.Place.STORE, erased.versions() == 0 ? DeletionLog.Outcome.ALREADY_GONE : DeletionLog.Outcome.DELETED,
                        erased.versions() == 0 ? "not in the store" : erased.versions() + " version" + (erased.versions() == 1 ? "" : "s") + " deleted"));
            } catch (RuntimeException e) {
                ok = false;
                recorded(done, entry(actor, call, row.recordingSid(), key, null, null, DeletionLog.Place.STORE, DeletionLog.Outcome.FAILED, e.getMessage()));
            }
        }
        if (row.recordingSid() != null) {
            ok &= deleteAtTwilio(call, row.recordingSid(), actor, done);
        }
        if (!ok) {
            log.warn("recording {} of call {} is not deleted everywhere yet ({}); its row stays, the next run tries again",
                    row.id(), call.callSid(), actor.kind().name().toLowerCase());
            return false;
        }
        db.jdbi().useTransaction(h -> {
            h.createUpdate("""
                            UPDATE recordings SET status = :status, s3_key = NULL, s3_url = NULL, sha256 = NULL, deleted_at = :at,
                                   recording_metadata = :meta::jsonb, updated_at = now()
                            WHERE id = :id""")
                    .bind("status", actor.tombstone()).bind("at", now()).bind("meta", tombstoneMeta(actor)).bind("id", row.id()).execute();
            DeletionLog.Entry e = entry(actor, call, row.recordingSid(), null, null, null, DeletionLog.Place.DATABASE, DeletionLog.Outcome.DELETED,
                    row.recordingType() + " recording " + row.id() + ": its row is a tombstone now (no audio, no key)");
            deletions.record(h, e);
            done.add(e);
        });
        return true;
    }

    private boolean deleteAtTwilio(CallRow call, String recordingSid, Actor actor, List<DeletionLog.Entry> done) {
        DeletionLog.Entry e;
        try {
            twilio.delete(call.accountSid(), recordingSid);
            e = entry(actor, call, recordingSid, null, null, null, DeletionLog.Place.TWILIO, DeletionLog.Outcome.DELETED,
                    "deleted at Twilio (Twilio keeps a deleted recording's metadata, not its audio, for 40 days)");
        } catch (RecordingNotFoundException gone) {
            e = entry(actor, call, recordingSid, null, null, null, DeletionLog.Place.TWILIO, DeletionLog.Outcome.ALREADY_GONE, "Twilio does not have it");
        } catch (RuntimeException failed) {
            e = entry(actor, call, recordingSid, null, null, null, DeletionLog.Place.TWILIO, DeletionLog.Outcome.FAILED, failed.getMessage());
        }
        recorded(done, e);
        return !e.failed();
    }

    private void recorded(List<DeletionLog.Entry> done, DeletionLog.Entry e) {
        deletions.record(e);
        done.add(e);
    }

    /** The call's numbers become their keyed hash, its analytics go, its queued callbacks are done: only SIDs stay. */
    private void forgetCall(CallRow call, Actor actor, List<DeletionLog.Entry> done) {
        db.jdbi().useTransaction(h -> {
            h.createUpdate("""
                            UPDATE calls SET from_hash = coalesce(:fromHash, from_hash), to_hash = coalesce(:toHash, to_hash),
                                   from_number = NULL, to_number = NULL, erased_at = coalesce(erased_at, :at), erased_by = coalesce(erased_by, :by),
                                   erased_why = coalesce(erased_why, :why)
                            WHERE id = :id""")
                    .bind("fromHash", hash.of(call.fromNumber())).bind("toHash", hash.of(call.toNumber())).bind("at", now())
                    .bind("by", actor.who()).bind("why", actor.why()).bind("id", call.id()).execute();
            h.createUpdate("DELETE FROM call_analytics WHERE call_id = :id").bind("id", call.id()).execute();
            int callbacks = h.createUpdate("""
                            UPDATE callbacks SET state = 'done', last_error = 'its call was erased', updated_at = now()
                            WHERE call_sid = :sid AND state = 'pending'""").bind("sid", call.callSid()).execute();
            DeletionLog.Entry e = entry(actor, call, null, null, null, null, DeletionLog.Place.DATABASE, DeletionLog.Outcome.DELETED,
                    "the call's numbers replaced by their keyed hash, its analytics deleted" + (callbacks == 0 ? "" : ", " + callbacks + " queued callbacks ended"));
            deletions.record(h, e);
            done.add(e);
        });
    }

    /** Every object of a recording: its own, its waveform, and the real-time object an upgraded mixed row came from. */
    static List<String> keys(RecordingRow row) {
        Set<String> keys = new LinkedHashSet<>();
        if (row.s3Key() != null) {
            keys.add(row.s3Key());
            keys.add(row.s3Key() + Waveforms.SUFFIX);
        }
        try {
            JsonNode original = JSON.readTree(row.metadataJson() == null ? "{}" : row.metadataJson()).path("original_s3_key");
            if (original.isTextual()) {
                keys.add(original.asText());
                keys.add(original.asText() + Waveforms.SUFFIX);
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException("recording " + row.id() + " has metadata that is not JSON", e);
        }
        return List.copyOf(keys);
    }

    private DeletionLog.Entry entry(Actor a, CallRow call, String recordingSid, String key, Long bytes, String sha, DeletionLog.Place place,
                                    DeletionLog.Outcome outcome, String detail) {
        return new DeletionLog.Entry(clock.instant(), a.who(), a.kind(), a.why(), a.erasureId(), call.callSid(), recordingSid, key,
                bytes, sha, place, outcome, detail);
    }

    private String tombstoneMeta(Actor a) {
        try {
            return JSON.writeValueAsString(java.util.Map.of("deleted_by", a.who(), "deleted_why", a.why(), "deleted_for", a.kind().name().toLowerCase()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private OffsetDateTime now() {
        return OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    }
}
