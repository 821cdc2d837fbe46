package dev.callvault.privacy;

import dev.callvault.db.CallRow;
import org.jdbi.v3.core.Jdbi;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Legal holds (table {@code legal_holds}): a hold on a call, or on a number (every call from or to it, later ones too),
 * beats every retention policy and every erasure until it is removed or its date passes. Placing and removing one is
 * recorded with the deletions, with who and why.
 */
public final class Holds {
    /** One hold; {@code callSid} or {@code number} says what it holds. {@code until} null: until removed. */
    public record Hold(long id, String callSid, String number, String reason, String placedBy, Instant placedAt, LocalDate until,
                       Instant removedAt, String removedBy, String removedWhy) {
        public boolean active(LocalDate today) {
            return removedAt == null && (until == null || !until.isBefore(today));
        }

        /** "hold 3 (placed by alice on 2026-11-20: dispute 4411)". */
        public String describe() {
            return "hold " + id + " (placed by " + placedBy + " on " + placedAt.toString().substring(0, 10) + ": " + reason
                    + (until == null ? "" : ", until " + until) + ")";
        }
    }

    private static final String SELECT = """
            SELECT h.id, c.call_sid, h.number, h.reason, h.placed_by, h.placed_at, h.until_date, h.removed_at, h.removed_by, h.removed_why
            FROM legal_holds h LEFT JOIN calls c ON c.id = h.call_id""";

    private final Jdbi jdbi;
    private final Clock clock;
    private final DeletionLog log;

    public Holds(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.log = new DeletionLog(jdbi);
    }

    /** Holds {@code call} (set) or every call of {@code number} (E.164); recorded. */
    public Hold place(CallRow call, String number, String reason, String by, LocalDate until) {
        if ((call == null) == (number == null)) {
            throw new IllegalArgumentException("a hold is on a call or on a number");
        }
        requireReason(reason);
        long id = jdbi.withHandle(h -> {
            long placed = h.createQuery("""
                            INSERT INTO legal_holds (call_id, number, reason, placed_by, placed_at, until_date)
                            VALUES (:call, :number, :reason, :by, :at, :until) RETURNING id""")
                    .bind("call", call == null ? null : call.id()).bind("number", number).bind("reason", reason).bind("by", by)
                    .bind("at", OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC)).bind("until", until)
                    .mapTo(Long.class).one();
            log.record(h, new DeletionLog.Entry(clock.instant(), by, DeletionLog.Kind.HOLD_PLACED, reason, null, call == null ? null : call.callSid(),
                    null, null, null, null, DeletionLog.Place.HOLDS, DeletionLog.Outcome.PLACED,
                    "hold " + placed + (call == null ? " on a number" : "") + (until == null ? "" : " until " + until)));
            return placed;
        });
        return find(id).orElseThrow();
    }

    /** Ends hold {@code id}; recorded. Empty when there is no such active hold. */
    public Optional<Hold> remove(long id, String reason, String by) {
        requireReason(reason);
        return jdbi.inTransaction(h -> {
            int n = h.createUpdate("UPDATE legal_holds SET removed_at = :at, removed_by = :by, removed_why = :why WHERE id = :id AND removed_at IS NULL")
                    .bind("at", OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC)).bind("by", by).bind("why", reason).bind("id", id).execute();
            if (n == 0) {
                return Optional.<Hold>empty();
            }
            Hold hold = h.createQuery(SELECT + " WHERE h.id = :id").bind("id", id).map((rs, ctx) -> hold(rs)).one();
            log.record(h, new DeletionLog.Entry(clock.instant(), by, DeletionLog.Kind.HOLD_REMOVED, reason, null, hold.callSid(), null, null, null,
                    null, DeletionLog.Place.HOLDS, DeletionLog.Outcome.REMOVED, "hold " + id + " placed by " + hold.placedBy() + ": " + hold.reason()));
            return Optional.of(hold);
        });
    }

    public Optional<Hold> find(long id) {
        return jdbi.withHandle(h -> h.createQuery(SELECT + " WHERE h.id = :id").bind("id", id).map((rs, ctx) -> hold(rs)).findOne());
    }

    /** Every hold, active ones first, newest first; removed ones too when {@code all}. */
    public List<Hold> list(boolean all) {
        return jdbi.withHandle(h -> h.createQuery(SELECT + (all ? "" : " WHERE h.removed_at IS NULL")
                        + " ORDER BY (h.removed_at IS NULL) DESC, h.placed_at DESC, h.id DESC")
                .map((rs, ctx) -> hold(rs)).list()).stream().filter(x -> all || x.active(today())).toList();
    }

    /** The active holds on {@code call}: on the call itself, or on its From or To number. */
    public List<Hold> on(CallRow call) {
        return jdbi.withHandle(h -> h.createQuery(SELECT + """
                         WHERE h.removed_at IS NULL AND (h.call_id = :id OR (h.number IS NOT NULL AND h.number IN (:from, :to)))
                        ORDER BY h.id""")
                .bind("id", call.id()).bind("from", call.fromNumber() == null ? "" : call.fromNumber()).bind("to", call.toNumber() == null ? "" : call.toNumber())
                .map((rs, ctx) -> hold(rs)).list()).stream().filter(x -> x.active(today())).toList();
    }

    private LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    private static void requireReason(String reason) {
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("a reason is required (a ticket, a case number): it is kept with the record");
        }
    }

    private static Hold hold(java.sql.ResultSet rs) throws java.sql.SQLException {
        OffsetDateTime removed = rs.getObject("removed_at", OffsetDateTime.class);
        return new Hold(rs.getLong("id"), rs.getString("call_sid"), rs.getString("number"), rs.getString("reason"), rs.getString("placed_by"),
                rs.getObject("placed_at", OffsetDateTime.class).toInstant(), rs.getObject("until_date", LocalDate.class),
                removed == null ? null : removed.toInstant(), rs.getString("removed_by"), rs.getString("removed_why"));
    }
}
