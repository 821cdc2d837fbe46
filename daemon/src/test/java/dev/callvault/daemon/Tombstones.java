package dev.callvault.daemon;

import dev.callvault.db.Database;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Erased and expired calls as a finished purge leaves them (privacy/Purge): every recording row a tombstone (status
 * {@code erased} or {@code expired}, no key, {@code deleted_at}, who, why and for what in its metadata), the call's
 * numbers gone and its {@code erased_*} columns set. Written with SQL so a test of what is shown needs no erasure run.
 */
final class Tombstones {
    private Tombstones() {
    }

    /** {@code callSid} erased on a person's request: {@code by} (a console user), {@code why} (the request). */
    static void erase(Database db, String callSid, String by, String why, Instant at) {
        write(db, callSid, "erased", "erasure", by, why, at);
    }

    /** {@code callSid} deleted by the retention policy {@code policy} (e.g. "retention.days = 30"). */
    static void expire(Database db, String callSid, String policy, Instant at) {
        write(db, callSid, "expired", "retention", "retention policy", policy, at);
    }

    private static void write(Database db, String callSid, String status, String kind, String by, String why, Instant at) {
        db.jdbi().useTransaction(h -> {
            h.createUpdate("""
                            UPDATE recordings SET status = :status, s3_key = NULL, s3_url = NULL, sha256 = NULL, deleted_at = :at,
                                   recording_metadata = jsonb_build_object('deleted_by', :by, 'deleted_why', :why, 'deleted_for', :kind),
                                   updated_at = now()
                            WHERE call_id = (SELECT id FROM calls WHERE call_sid = :call)""")
                    .bind("status", status).bind("at", OffsetDateTime.ofInstant(at, ZoneOffset.UTC)).bind("by", by).bind("why", why)
                    .bind("kind", kind).bind("call", callSid).execute();
            h.createUpdate("""
                            UPDATE calls SET from_number = NULL, to_number = NULL, erased_at = :at, erased_by = :by, erased_why = :why
                            WHERE call_sid = :call""")
                    .bind("at", OffsetDateTime.ofInstant(at, ZoneOffset.UTC)).bind("by", by).bind("why", why).bind("call", callSid).execute();
        });
    }
}
