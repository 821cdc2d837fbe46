package dev.callvault.db;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

/** The record of every deletion (table {@code deletions}): who, when, why, what, where, and how it went. */
public final class DeletionLog {
    /** What a deletion is part of. */
    public enum Kind { RETENTION, ERASURE, HOLD_PLACED, HOLD_REMOVED, BACKFILL }

    /** Where it happened. */
    public enum Place { STORE, DATABASE, TWILIO, HOLDS }

    /** How it went: {@code ALREADY_GONE} is a success (nothing was left to delete). */
    public enum Outcome { DELETED, ALREADY_GONE, FAILED, HELD, PENDING, PLACED, REMOVED }

    /** One line of the record. {@code actor} is a person's name, or "retention policy"; the other fields may be null. */
    public record Entry(Instant at, String actor, Kind kind, String why, UUID erasureId, String callSid, String recordingSid, String objectKey,
                        Long bytes, String sha256, Place place, Outcome outcome, String detail) {
        public boolean failed() {
            return outcome == Outcome.FAILED;
        }
    }

    private final Jdbi jdbi;

    public DeletionLog(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public void record(Entry e) {
        jdbi.useHandle(h -> record(h, e));
    }

    public void record(Handle h, Entry e) {
        h.createUpdate("""
                        INSERT INTO deletions (at, actor, kind, why, erasure_id, call_sid, recording_sid, object_key, bytes, sha256, place, outcome, detail)
                        VALUES (:at, :actor, :kind, :why, :erasure, :call, :recording, :key, :bytes, :sha, :place, :outcome, :detail)""")
                .bind("at", OffsetDateTime.ofInstant(e.at(), ZoneOffset.UTC)).bind("actor", e.actor()).bind("kind", name(e.kind()))
                .bind("why", e.why()).bind("erasure", e.erasureId()).bind("call", e.callSid()).bind("recording", e.recordingSid())
                .bind("key", e.objectKey()).bind("bytes", e.bytes()).bind("sha", e.sha256()).bind("place", name(e.place()))
                .bind("outcome", name(e.outcome())).bind("detail", e.detail())
                .execute();
    }

    /**
     * True when the record says that recording {@code recordingSid} (at Twilio) or object {@code key} (in the store) was
     * deleted already, or found gone: a purge carried on later does not ask again, nor record it twice.
     */
    public static boolean gone(Handle h, Place place, String recordingSid, String key) {
        return h.createQuery("""
                        SELECT EXISTS (SELECT 1 FROM deletions WHERE place = :place AND outcome IN ('deleted', 'already_gone')
                                       AND (recording_sid = :rec OR object_key = :key))""")
                .bind("place", name(place)).bind("rec", recordingSid).bind("key", key).mapTo(Boolean.class).one();
    }

    /** Everything recorded since {@code since} (null: all), newest first, at most {@code limit}. */
    public List<Entry> since(Instant since, int limit) {
        return jdbi.withHandle(h -> h.createQuery(SELECT + " WHERE at >= :since ORDER BY at DESC, id DESC LIMIT :limit")
                .bind("since", OffsetDateTime.ofInstant(since == null ? Instant.EPOCH : since, ZoneOffset.UTC)).bind("limit", limit)
                .map((rs, ctx) -> entry(rs)).list());
    }

    /** What one erasure did, in the order it did it. */
    public List<Entry> ofErasure(UUID erasureId) {
        return jdbi.withHandle(h -> h.createQuery(SELECT + " WHERE erasure_id = :id ORDER BY at, id").bind("id", erasureId)
                .map((rs, ctx) -> entry(rs)).list());
    }

    private static final String SELECT = "SELECT at, actor, kind, why, erasure_id, call_sid, recording_sid, object_key, bytes, sha256, place, outcome, detail FROM deletions";

    private static Entry entry(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new Entry(rs.getObject("at", OffsetDateTime.class).toInstant(), rs.getString("actor"), Kind.valueOf(rs.getString("kind").toUpperCase()),
                rs.getString("why"), rs.getObject("erasure_id", UUID.class), rs.getString("call_sid"), rs.getString("recording_sid"),
                rs.getString("object_key"), rs.getObject("bytes") == null ? null : rs.getLong("bytes"), rs.getString("sha256"),
                Place.valueOf(rs.getString("place").toUpperCase()), Outcome.valueOf(rs.getString("outcome").toUpperCase()), rs.getString("detail"));
    }

    static String name(Enum<?> e) {
        return e.name().toLowerCase();
    }
}
