package dev.callvault.db;

import org.jdbi.v3.core.Handle;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * What an erasure or a retention run has marked for deletion, and the tombstones it leaves (DESIGN 9): every path that
 * creates or restores audio asks here first and refuses a marked call or recording, so a deletion that stopped halfway
 * is never undone by a repair, a late callback or a backfill. Marks are set by {@code privacy/} in one transaction
 * before anything is deleted anywhere, and a legal hold placed on a call takes its mark away.
 */
public final class Marks {
    /** Whose deletion a mark is, for the record of what is deleted under it: an erasure request, or a retention policy. */
    public record Mark(DeletionLog.Kind kind, UUID erasureId, String actor, String why) {
    }

    private static final String CALL_MARK = """
            SELECT c.marked_for, c.marked_by, e.requested_by, coalesce(e.reason, c.marked_why) AS why
            FROM calls c LEFT JOIN erasures e ON e.id = c.marked_by
            WHERE c.call_sid = :call AND c.marked_at IS NOT NULL""";

    private Marks() {
    }

    /**
     * True when no audio may be written for recording {@code recordingSid} of call {@code callSid} (either may be null):
     * the recording is a tombstone or marked, or its call is marked or erased. Run it in the transaction that writes, after
     * the call's row is locked ({@link CallRepository#upsert}), so it is ordered against the marking transaction.
     */
    public static boolean refuses(Handle h, String recordingSid, String callSid) {
        return h.createQuery("""
                        SELECT EXISTS (SELECT 1 FROM recordings WHERE recording_sid = :rec
                                       AND (status IN ('erased', 'expired') OR marked_at IS NOT NULL))
                            OR EXISTS (SELECT 1 FROM calls WHERE call_sid = :call AND (marked_at IS NOT NULL OR erased_at IS NOT NULL))""")
                .bind("rec", recordingSid).bind("call", callSid).mapTo(Boolean.class).one();
    }

    /** True when the call with this id is marked or erased: nothing of it may be recorded or stored. */
    public static boolean refusesCall(Handle h, UUID callId) {
        return h.createQuery("SELECT marked_at IS NOT NULL OR erased_at IS NOT NULL FROM calls WHERE id = :id")
                .bind("id", callId).mapTo(Boolean.class).findOne().orElse(false);
    }

    /** Which of these recordings (RecordingSid to its CallSid, which may be null) {@link #refuses} refuses, in two queries. */
    public static Set<String> refusedOf(Handle h, Map<String, String> callOfRecording) {
        Set<String> out = new HashSet<>(h.createQuery("""
                        SELECT recording_sid FROM recordings
                        WHERE recording_sid = ANY(:sids) AND (status IN ('erased', 'expired') OR marked_at IS NOT NULL)""")
                .bindArray("sids", String.class, List.copyOf(callOfRecording.keySet())).mapTo(String.class).list());
        Collection<String> callSids = callOfRecording.values().stream().filter(java.util.Objects::nonNull).distinct().toList();
        Set<String> refusedCalls = new HashSet<>(h.createQuery("""
                        SELECT call_sid FROM calls WHERE call_sid = ANY(:calls) AND (marked_at IS NOT NULL OR erased_at IS NOT NULL)""")
                .bindArray("calls", String.class, List.copyOf(callSids)).mapTo(String.class).list());
        callOfRecording.forEach((rec, call) -> {
            if (call != null && refusedCalls.contains(call)) {
                out.add(rec);
            }
        });
        return out;
    }

    /**
     * Which of these calls are marked for deletion or erased: true when deleted everywhere already (erased or expired), false
     * while the deletion is under way. Calls neither marked nor erased are absent.
     */
    public static Map<String, Boolean> calls(Handle h, Collection<String> callSids) {
        Map<String, Boolean> out = new java.util.HashMap<>();
        h.createQuery("SELECT call_sid, erased_at IS NOT NULL FROM calls WHERE call_sid = ANY(:sids) AND (marked_at IS NOT NULL OR erased_at IS NOT NULL)")
                .bindArray("sids", String.class, List.copyOf(callSids))
                .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getBoolean(2))).forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /**
     * The mark of call {@code callSid}: whose deletion a recording of it that Twilio finishes later joins. Empty when the
     * call is not marked (a hold took its mark away, or it was never marked).
     */
    public static Optional<Mark> ofCall(Handle h, String callSid) {
        return h.createQuery(CALL_MARK).bind("call", callSid).map((rs, ctx) -> {
            boolean erasure = "erasure".equals(rs.getString("marked_for"));
            return new Mark(erasure ? DeletionLog.Kind.ERASURE : DeletionLog.Kind.RETENTION, rs.getObject("marked_by", UUID.class),
                    erasure ? rs.getString("requested_by") : "retention policy", rs.getString("why"));
        }).findOne();
    }
}
