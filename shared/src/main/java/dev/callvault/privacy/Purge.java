package dev.callvault.privacy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.CallvaultException;
import dev.callvault.db.Database;
import dev.callvault.db.DeletionLog;
import dev.callvault.db.RecordingRepository;
import dev.callvault.db.RecordingRow;
import dev.callvault.storage.RecordingStore;
import dev.callvault.twilio.RecordingNotFoundException;
import dev.callvault.twilio.TwilioRecording;
import dev.callvault.twilio.TwilioRecordings;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Deletes a marked call's recordings everywhere, for retention and erasure alike, in the order that can always be
 * finished: first everything is listed (every object, version, delete marker and unfinished upload under each of the
 * call's folders, where copies set aside go too; Twilio's recordings of the call by CallSid), and a listing that fails
 * stops it before anything is deleted; then our store; then Twilio (only once our store holds nothing of it); then, in
 * the database, the rows become tombstones and the call's numbers their keyed hash. The call's row stays locked
 * throughout, so nothing is written for it meanwhile and a hold cannot be placed half-way. Each deletion is recorded
 * as it happens (a purge killed half-way keeps its record; the next run finishes it), and nothing is reported deleted
 * that was not.
 */
public final class Purge {
    private static final Logger log = LoggerFactory.getLogger(Purge.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Who deletes, as what, why; {@code tombstone} the status the deleted rows keep ({@code erased} or {@code expired}). */
    public record Actor(String who, DeletionLog.Kind kind, String why, UUID erasureId, String tombstone) {
        static Actor erasure(UUID request, String who, String reason) {
            return new Actor(who, DeletionLog.Kind.ERASURE, reason, request, "erased");
        }

        static Actor retention(String policy) {
            return new Actor("retention policy", DeletionLog.Kind.RETENTION, policy, null, "expired");
        }
    }

    /**
     * What a purge did: the entries it recorded, how many rows became tombstones, and whether nothing of the call (or the
     * rows) is left anywhere; {@code problem} says what is left and why when not.
     */
    public record Result(List<DeletionLog.Entry> entries, int recordings, boolean complete, String problem, boolean released) {
        Result(List<DeletionLog.Entry> entries, int recordings, boolean complete, String problem) {
            this(entries, recordings, complete, problem, false);
        }

        /** True when it found something left to delete (an erasure of a call deleted before says so otherwise). */
        public boolean deletedSomething() {
            return entries.stream().anyMatch(e -> e.outcome() == DeletionLog.Outcome.DELETED);
        }
    }

    /** A point between two steps of a purge; a test stops it there as a kill would ({@link #NONE} in production). */
    @FunctionalInterface
    public interface Failpoint {
        Failpoint NONE = step -> { };

        void reached(String step);
    }

    /** The call as its locked row says, with what a purge needs to find everything of it. */
    private record Locked(UUID id, String callSid, String accountSid, String from, String to, Instant start, Instant end, String markedFor,
                          UUID markedBy, boolean erased) {
        boolean ownedBy(Actor a) {
            return a.kind() == DeletionLog.Kind.ERASURE ? "erasure".equals(markedFor) && a.erasureId().equals(markedBy) : "retention".equals(markedFor);
        }
    }

    private final Database db;
    private final StoreSweep sweep;
    private final TwilioRecordings twilio;
    private final NumberHash hash;
    private final Clock clock;
    private final Failpoint failpoint;
    private final DeletionLog deletions;

    public Purge(Database db, RecordingStore store, TwilioRecordings twilio, NumberHash hash, Clock clock, Failpoint failpoint) {
        this.db = db;
        this.sweep = new StoreSweep(store);
        this.twilio = twilio;
        this.hash = hash;
        this.clock = clock;
        this.failpoint = failpoint;
        this.deletions = new DeletionLog(db.jdbi());
    }

    /**
     * Deletes everything of call {@code callId} (marked for {@code actor}): its objects under every prefix and every version
     * of them, Twilio's recordings of it, its rows' audio, its numbers and analytics. A call no longer marked for the actor
     * (a hold was placed, a newer erasure took it over) is left as it is, with the reason.
     */
    public Result call(UUID callId, Actor actor) {
        return db.jdbi().inTransaction(h -> {
            Locked c = lock(h, callId);
            if (!c.ownedBy(actor)) {
                return new Result(List.of(), 0, false, c.markedFor == null ? "a legal hold was placed on it while it was being deleted: kept"
                        : "erasure " + c.markedBy + " deletes it now", c.markedFor == null);
            }
            List<RecordingRow> rows = RecordingRepository.findByCall(h, callId);
            List<DeletionLog.Entry> done = new ArrayList<>();
            StoreSweep.Listing listing;
            Set<String> atTwilio;
            try {
                listing = sweep.ofCall(c.callSid, c.start, c.end, rows);
                failpoint.reached("listed " + c.callSid + " in the store");
                atTwilio = twilioRecordings(h, c, rows);
                failpoint.reached("listed " + c.callSid + " at Twilio");
            } catch (CallvaultException e) {
                DeletionLog.Entry failed = entry(actor, c.callSid, null, null, null, null, DeletionLog.Place.STORE, DeletionLog.Outcome.FAILED,
                        "could not list everything of the call, so nothing of it was deleted: " + e.getMessage());
                recorded(done, failed);
                return new Result(done, 0, false, failed.detail());
            }
            if (!deleteFromStore(h, c, rows, listing, actor, done)) {
                return new Result(done, 0, false, "not everything could be deleted from our store (see the failed steps); Twilio's copies are deleted "
                        + "once ours are, by the next run");
            }
            if (!deleteAtTwilio(c, atTwilio, actor, done)) {
                return new Result(done, 0, false, "not every Twilio recording of the call could be deleted (see the failed steps); the next run tries again");
            }
            int tombstones = tombstones(h, c, rows, atTwilio, actor, done);
            if (!c.erased) {
                forget(h, c, actor, done);
            }
            failpoint.reached("tombstones of " + c.callSid + " written");
            log.info("call {} deleted everywhere ({}): {} recordings", c.callSid, actor.kind().name().toLowerCase(), tombstones);
            return new Result(done, tombstones, true, null);
        });
    }

    /**
     * Deletes the real-time caller and assistant tracks {@code rowIds} of call {@code callId} (marked for retention), with
     * their waveforms and any copy set aside; the call and its other recordings stay.
     */
    public Result tracks(UUID callId, List<UUID> rowIds, Actor actor) {
        return db.jdbi().inTransaction(h -> {
            Locked c = lock(h, callId);
            Set<UUID> markedIds = new java.util.HashSet<>(h.createQuery("SELECT id FROM recordings WHERE id = ANY(:ids) AND marked_for = 'retention'")
                    .bindArray("ids", UUID.class, rowIds).mapTo(UUID.class).list());
            List<RecordingRow> marked = RecordingRepository.findByCall(h, callId).stream()
                    .filter(r -> markedIds.contains(r.id()) && !Retention.tombstone(r)).toList();
            List<DeletionLog.Entry> done = new ArrayList<>();
            StoreSweep.Listing listing;
            try {
                listing = sweep.ofTracks(marked);
            } catch (CallvaultException e) {
                DeletionLog.Entry failed = entry(actor, c.callSid, null, null, null, null, DeletionLog.Place.STORE, DeletionLog.Outcome.FAILED,
                        "could not list everything of the real-time tracks, so nothing of them was deleted: " + e.getMessage());
                recorded(done, failed);
                return new Result(done, 0, false, failed.detail());
            }
            if (!deleteFromStore(h, c, marked, listing, actor, done)) {
                return new Result(done, 0, false, "not everything could be deleted from our store (see the failed steps); the next run tries again");
            }
            int tombstones = tombstones(h, c, marked, Set.of(), actor, done);
            return new Result(done, tombstones, true, null);
        });
    }

    private static Locked lock(Handle h, UUID callId) {
        return h.createQuery("""
                        SELECT id, call_sid, account_sid, from_number, to_number, coalesce(started_at, created_at) AS start,
                               greatest(ended_at, twilio_ended_at) AS ended, marked_for, marked_by, erased_at IS NOT NULL AS erased
                        FROM calls WHERE id = :id FOR UPDATE""")
                .bind("id", callId).map((rs, ctx) -> new Locked(rs.getObject("id", UUID.class), rs.getString("call_sid"), rs.getString("account_sid"),
                        rs.getString("from_number"), rs.getString("to_number"), rs.getObject("start", OffsetDateTime.class).toInstant(),
                        rs.getObject("ended") == null ? null : rs.getObject("ended", OffsetDateTime.class).toInstant(), rs.getString("marked_for"),
                        rs.getObject("marked_by", UUID.class), rs.getBoolean("erased"))).one();
    }

    /** Twilio's recordings of the call still to delete: what Twilio lists of it, and each of our rows' not yet deleted there. */
    private Set<String> twilioRecordings(Handle h, Locked c, List<RecordingRow> rows) {
        Set<String> sids = new LinkedHashSet<>();
        for (RecordingRow r : rows) {
            if (r.recordingSid() != null && !DeletionLog.gone(h, DeletionLog.Place.TWILIO, r.recordingSid(), null)) {
                sids.add(r.recordingSid());
            }
        }
        for (TwilioRecording r : twilio.list(c.accountSid, null, null, c.callSid)) {
            if (!"deleted".equals(r.status())) {
                sids.add(r.sid());
            }
        }
        return sids;
    }

    /** Our store's part: each key's pieces deleted and its outcome recorded once, as it goes. True when all went. */
    private boolean deleteFromStore(Handle h, Locked c, List<RecordingRow> rows, StoreSweep.Listing listing, Actor actor, List<DeletionLog.Entry> done) {
        Map<String, RecordingRow> ownedBy = new LinkedHashMap<>();
        for (RecordingRow r : rows) {
            StoreSweep.keys(List.of(r)).forEach(k -> ownedBy.putIfAbsent(k, r));
        }
        boolean[] ok = {true};
        sweep.sweep(listing, swept -> {
            RecordingRow row = ownedBy.get(swept.key());
            String sid = row == null ? null : row.recordingSid();
            if (swept.failure() == null) {
                recorded(done, entry(actor, c.callSid, sid, swept.key(), swept.bytes(), row != null && swept.key().equals(row.s3Key()) ? row.sha256() : null,
                        DeletionLog.Place.STORE, DeletionLog.Outcome.DELETED, swept.words() + listing.why()));
            } else {
                ok[0] = false;
                recorded(done, entry(actor, c.callSid, sid, swept.key(), null, null, DeletionLog.Place.STORE, DeletionLog.Outcome.FAILED,
                        swept.failure().getMessage()));
            }
            failpoint.reached("deleted " + swept.key());
        });
        for (RecordingRow r : rows) {
            if (r.s3Key() != null && !listing.byKey().containsKey(r.s3Key()) && !DeletionLog.gone(h, DeletionLog.Place.STORE, null, r.s3Key())) {
                recorded(done, entry(actor, c.callSid, r.recordingSid(), r.s3Key(), null, null, DeletionLog.Place.STORE,
                        DeletionLog.Outcome.ALREADY_GONE, "not in the store" + listing.why()));
            }
        }
        return ok[0];
    }

    private boolean deleteAtTwilio(Locked c, Set<String> sids, Actor actor, List<DeletionLog.Entry> done) {
        boolean ok = true;
        for (String sid : sids) {
            DeletionLog.Entry e;
            try {
                twilio.delete(c.accountSid, sid);
                e = entry(actor, c.callSid, sid, null, null, null, DeletionLog.Place.TWILIO, DeletionLog.Outcome.DELETED,
                        "deleted at Twilio (Twilio keeps a deleted recording's metadata, not its audio, for 40 days)");
            } catch (RecordingNotFoundException gone) {
                e = entry(actor, c.callSid, sid, null, null, null, DeletionLog.Place.TWILIO, DeletionLog.Outcome.ALREADY_GONE, "Twilio does not have it");
            } catch (CallvaultException failed) {
                e = entry(actor, c.callSid, sid, null, null, null, DeletionLog.Place.TWILIO, DeletionLog.Outcome.FAILED, failed.getMessage());
            }
            recorded(done, e);
            ok &= !e.failed();
            failpoint.reached("deleted " + sid + " at Twilio");
        }
        return ok;
    }

    /** The rows become tombstones (no audio, no key), each recorded once; Twilio's recordings never archived here get one too. */
    private int tombstones(Handle h, Locked c, List<RecordingRow> rows, Set<String> atTwilio, Actor actor, List<DeletionLog.Entry> done) {
        int n = 0;
        Set<String> rowSids = new LinkedHashSet<>();
        for (RecordingRow row : rows) {
            if (row.recordingSid() != null) {
                rowSids.add(row.recordingSid());
            }
            if (Retention.tombstone(row)) {
                continue;
            }
            h.createUpdate("""
                            UPDATE recordings SET status = :status, s3_key = NULL, s3_url = NULL, sha256 = NULL, file_size = NULL, format = NULL,
                                   channels = NULL, duration_seconds = NULL, deleted_at = :at,
                                   marked_at = coalesce(marked_at, :at), marked_for = coalesce(marked_for, :kind), marked_why = coalesce(marked_why, :why),
                                   recording_metadata = :meta::jsonb, updated_at = now()
                            WHERE id = :id""")
                    .bind("status", actor.tombstone()).bind("at", now()).bind("kind", kind(actor)).bind("why", actor.why())
                    .bind("meta", tombstoneMeta(actor)).bind("id", row.id()).execute();
            DeletionLog.Entry e = entry(actor, c.callSid, row.recordingSid(), null, null, null, DeletionLog.Place.DATABASE, DeletionLog.Outcome.DELETED,
                    row.recordingType() + " recording " + row.id() + ": its row is a tombstone now (no audio, no key)");
            deletions.record(h, e);
            done.add(e);
            n++;
        }
        for (String sid : atTwilio) {
            if (!rowSids.contains(sid)) { // at Twilio, never archived here: a tombstone keeps every path from fetching it
                h.createUpdate("""
                                INSERT INTO recordings (call_id, recording_type, recording_source, status, recording_sid, deleted_at, marked_at, marked_for,
                                                        marked_why, recording_metadata)
                                VALUES (:call, 'twilio', 'twilio', :status, :sid, :at, :at, :kind, :why, :meta::jsonb) ON CONFLICT (recording_sid) DO NOTHING""")
                        .bind("call", c.id).bind("status", actor.tombstone()).bind("sid", sid).bind("at", now()).bind("kind", kind(actor))
                        .bind("why", actor.why()).bind("meta", tombstoneMeta(actor)).execute();
            }
        }
        return n;
    }

    /** The call's numbers become their keyed hash, its analytics go, its queued callbacks are done: only SIDs stay. Recorded once. */
    private void forget(Handle h, Locked c, Actor actor, List<DeletionLog.Entry> done) {
        h.createUpdate("""
                        UPDATE calls SET from_hash = coalesce(:fromHash, from_hash), to_hash = coalesce(:toHash, to_hash),
                               from_number = NULL, to_number = NULL, erased_at = :at, erased_by = :by, erased_why = :why
                        WHERE id = :id""")
                .bind("fromHash", hash.of(c.from)).bind("toHash", hash.of(c.to)).bind("at", now())
                .bind("by", actor.who()).bind("why", actor.why()).bind("id", c.id).execute();
        h.createUpdate("DELETE FROM call_analytics WHERE call_id = :id").bind("id", c.id).execute();
        int callbacks = h.createUpdate("""
                        UPDATE callbacks SET state = 'done', last_error = 'its call was erased', updated_at = now()
                        WHERE call_sid = :sid AND state = 'pending'""").bind("sid", c.callSid).execute();
        DeletionLog.Entry e = entry(actor, c.callSid, null, null, null, null, DeletionLog.Place.DATABASE, DeletionLog.Outcome.DELETED,
                "the call's numbers replaced by their keyed hash, its analytics deleted" + (callbacks == 0 ? "" : ", " + callbacks + " queued callbacks ended"));
        deletions.record(h, e);
        done.add(e);
    }

    /** Records {@code e} at once, in a transaction of its own: a purge killed later keeps the record of what it deleted. */
    private void recorded(List<DeletionLog.Entry> done, DeletionLog.Entry e) {
        deletions.record(e);
        done.add(e);
    }

    private DeletionLog.Entry entry(Actor a, String callSid, String recordingSid, String key, Long bytes, String sha, DeletionLog.Place place,
                                    DeletionLog.Outcome outcome, String detail) {
        return new DeletionLog.Entry(clock.instant(), a.who(), a.kind(), a.why(), a.erasureId(), callSid, recordingSid, key,
                bytes, sha, place, outcome, detail);
    }

    private static String kind(Actor a) {
        return a.kind() == DeletionLog.Kind.ERASURE ? "erasure" : "retention";
    }

    private static String tombstoneMeta(Actor a) {
        try {
            return JSON.writeValueAsString(Map.of("deleted_by", a.who(), "deleted_why", a.why(), "deleted_for", a.kind().name().toLowerCase()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private OffsetDateTime now() {
        return OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    }
}
