package dev.callvault.archive;

import dev.callvault.db.Database;
import dev.callvault.db.DeletionLog;
import dev.callvault.db.Marks;
import dev.callvault.twilio.RecordingNotFoundException;
import dev.callvault.twilio.RecordingRef;
import dev.callvault.twilio.TwilioRecordings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * A recording Twilio still has of a call marked for deletion here (one it finished after an erasure began, one a
 * deletion did not reach): it is never archived, it is deleted at Twilio, and that deletion joins the record of the
 * erasure or retention policy that marked the call. A recording of a call a legal hold keeps is left where it is.
 */
public final class Leftovers {
    private static final Logger log = LoggerFactory.getLogger(Leftovers.class);

    private final Database db;
    private final TwilioRecordings twilio;
    private final Clock clock;
    private final DeletionLog deletions;

    public Leftovers(Database db, TwilioRecordings twilio, Clock clock) {
        this.db = db;
        this.twilio = twilio;
        this.clock = clock;
        this.deletions = new DeletionLog(db.jdbi());
    }

    /**
     * Deletes {@code ref} at Twilio when its call is marked and the record does not say it is gone there already; a
     * tombstone keeps it from every path that could fetch it. True when it was deleted now. Twilio's failures are thrown
     * (retryable ones retried by the caller's queue, and by the next run of the erasure or retention that marked it).
     */
    public boolean delete(RecordingRef ref) {
        if (ref.callSid() == null) {
            return false;
        }
        Optional<Marks.Mark> mark = db.jdbi().withHandle(h -> Marks.ofCall(h, ref.callSid())
                .filter(m -> !DeletionLog.gone(h, DeletionLog.Place.TWILIO, ref.recordingSid(), null)));
        if (mark.isEmpty()) {
            return false;
        }
        Marks.Mark m = mark.get();
        DeletionLog.Outcome outcome;
        String detail;
        try {
            twilio.delete(ref.accountSid(), ref.recordingSid());
            outcome = DeletionLog.Outcome.DELETED;
            detail = "finished at Twilio after its call was marked for deletion: deleted at Twilio, never archived (Twilio keeps a deleted "
                    + "recording's metadata, not its audio, for 40 days)";
        } catch (RecordingNotFoundException gone) {
            outcome = DeletionLog.Outcome.ALREADY_GONE;
            detail = "Twilio does not have it";
        }
        DeletionLog.Entry e = new DeletionLog.Entry(clock.instant(), m.actor(), m.kind(), m.why(), m.erasureId(), ref.callSid(), ref.recordingSid(),
                null, null, null, DeletionLog.Place.TWILIO, outcome, detail);
        String status = m.kind() == DeletionLog.Kind.ERASURE ? "erased" : "expired";
        db.jdbi().useTransaction(h -> {
            deletions.record(h, e);
            h.createUpdate("""
                            INSERT INTO recordings (call_id, recording_type, recording_source, status, recording_sid, deleted_at, marked_at, marked_for,
                                                    marked_why, recording_metadata)
                            SELECT id, 'twilio', 'twilio', :status, :sid, :at, :at, :kind, :why,
                                   jsonb_build_object('deleted_by', :by::text, 'deleted_why', :why::text, 'deleted_for', :kind::text)
                            FROM calls WHERE call_sid = :call
                            ON CONFLICT (recording_sid) DO NOTHING""")
                    .bind("status", status).bind("sid", ref.recordingSid()).bind("at", OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC))
                    .bind("kind", m.kind() == DeletionLog.Kind.ERASURE ? "erasure" : "retention").bind("why", m.why()).bind("by", m.actor())
                    .bind("call", ref.callSid()).execute();
        });
        log.info("recording {} of call {}: {} at Twilio ({} marked the call)", ref.recordingSid(), ref.callSid(),
                outcome == DeletionLog.Outcome.DELETED ? "deleted" : "already gone", m.kind().name().toLowerCase());
        return outcome == DeletionLog.Outcome.DELETED;
    }
}
