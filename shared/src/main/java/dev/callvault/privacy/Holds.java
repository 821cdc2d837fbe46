package dev.callvault.privacy;

import dev.callvault.db.CallRow;
import dev.callvault.db.DeletionLog;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Legal holds (table {@code legal_holds}): a hold on a call, or on a number (every call from or to it, later ones too),
 * beats every retention policy and every erasure until it is removed or its date passes. A hold on a number keeps the
 * number's keyed hash and its last digits, never the number. Placing a hold takes away the deletion marks of the calls
 * it holds (an erasure or a retention run that had begun stops for them); placing and removing one is recorded.
 */
public final class Holds {
    /** One hold; {@code callSid} or {@code numberHint} says what it holds. {@code until} null: until removed. */
    public record Hold(long id, String callSid, String numberHint, String reason, String placedBy, Instant placedAt, LocalDate until,
                       Instant removedAt, String removedBy, String removedWhy) {
        public boolean active(LocalDate today) {
            return removedAt == null && (until == null || !until.isBefore(today));
        }

        /** "hold 3 (placed by alice on 2026-11-20: dispute 4411)". */
        public String describe() {
            return "hold " + id + " (placed by " + placedBy + " on " + placedAt.toString().substring(0, 10) + ": " + reason
                    + (until == null ? "" : ", until " + until) + ")";
        }

        /** What it holds, in words: "call CA...", "every call from or to the number ending …02". */
        public String on() {
            return callSid != null ? "call " + callSid : "every call from or to the number ending " + numberHint;
        }
    }

    /**
     * Taken by the transaction that places a hold and by the one that marks calls for deletion: a hold is never placed
     * between a marking's look at the holds and its marks.
     */
    static final long MARKING_LOCK = 0x63616c6c5f6d6bL;

    private static final String SELECT = """
            SELECT h.id, h.call_id, c.call_sid, h.number_hash, h.number_hint, h.number, h.reason, h.placed_by, h.placed_at, h.until_date,
                   h.removed_at, h.removed_by, h.removed_why
            FROM legal_holds h LEFT JOIN calls c ON c.id = h.call_id""";

    private final Jdbi jdbi;
    private final Clock clock;
    private final NumberHash hash;
    private final DeletionLog log;

    public Holds(Jdbi jdbi, NumberHash hash, Clock clock) {
        this.jdbi = jdbi;
        this.hash = hash;
        this.clock = clock;
        this.log = new DeletionLog(jdbi);
    }

    /**
     * Holds {@code call} (set) or every call of {@code number} (E.164); recorded. A call that was erased or expired already
     * cannot be held (nothing of it is left): refused with what happened to it.
     */
    public Hold place(CallRow call, String number, String reason, String by, LocalDate until) {
        if ((call == null) == (number == null)) {
            throw new IllegalArgumentException("a hold is on a call or on a number");
        }
        requireReason(reason);
        String numberHash = number == null ? null : hash.of(number);
        long id = jdbi.inTransaction(h -> {
            h.execute("SELECT pg_advisory_xact_lock(?)", MARKING_LOCK);
            if (call != null) {
                h.createQuery("SELECT erased_at, erased_by, erased_why FROM calls WHERE id = :id AND erased_at IS NOT NULL")
                        .bind("id", call.id()).map((rs, ctx) -> "call " + call.callSid() + " was erased or expired on "
                                + rs.getObject("erased_at", OffsetDateTime.class).toInstant() + " (" + rs.getString("erased_by") + ": "
                                + rs.getString("erased_why") + "): nothing of it is left to hold")
                        .findOne().ifPresent(gone -> {
                            throw new NothingToHold(gone);
                        });
            }
            long placed = h.createQuery("""
                            INSERT INTO legal_holds (call_id, number_hash, number_hint, reason, placed_by, placed_at, until_date)
                            VALUES (:call, :hash, :hint, :reason, :by, :at, :until) RETURNING id""")
                    .bind("call", call == null ? null : call.id()).bind("hash", numberHash).bind("hint", number == null ? null : NumberHash.hint(number))
                    .bind("reason", reason).bind("by", by).bind("at", OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC)).bind("until", until)
                    .mapTo(Long.class).one();
            int unmarked = unmark(h, call, number, numberHash);
            log.record(h, new DeletionLog.Entry(clock.instant(), by, DeletionLog.Kind.HOLD_PLACED, reason, null, call == null ? null : call.callSid(),
                    null, null, null, null, DeletionLog.Place.HOLDS, DeletionLog.Outcome.PLACED,
                    "hold " + placed + (call == null ? " on a number" : "") + (until == null ? "" : " until " + until)
                            + (unmarked == 0 ? "" : "; " + unmarked + " call" + (unmarked == 1 ? "" : "s") + " being deleted kept from now on")));
            return placed;
        });
        return find(id).orElseThrow();
    }

    /** A hold asked for a call of which nothing is left. */
    public static final class NothingToHold extends dev.callvault.PermanentException {
        NothingToHold(String message) {
            super(message);
        }
    }

    /** The marks of the calls a new hold holds go: what an erasure or retention run had begun stops there for them. */
    private static int unmark(Handle h, CallRow call, String number, String numberHash) {
        var update = h.createQuery("UPDATE calls SET marked_at = NULL, marked_for = NULL, marked_by = NULL, marked_why = NULL WHERE "
                + (call != null ? "id = :id" : "(from_number = :n OR to_number = :n OR from_hash = :hash OR to_hash = :hash)")
                + " AND marked_at IS NOT NULL AND erased_at IS NULL RETURNING id");
        List<UUID> ids = (call != null ? update.bind("id", call.id()) : update.bind("n", number).bind("hash", numberHash)).mapTo(UUID.class).list();
        if (!ids.isEmpty()) {
            h.createUpdate("""
                            UPDATE recordings SET marked_at = NULL, marked_for = NULL, marked_why = NULL
                            WHERE call_id = ANY(:ids) AND marked_at IS NOT NULL AND status NOT IN ('erased', 'expired')""")
                    .bindArray("ids", UUID.class, ids).execute();
        }
        return ids.size();
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
        return jdbi.withHandle(h -> on(h, List.of(call))).getOrDefault(call.id(), List.of());
    }

    /** The active holds on each of {@code calls} that has any, in two queries whatever their number. */
    Map<UUID, List<Hold>> on(Handle h, Collection<CallRow> calls) {
        Map<String, Set<UUID>> byHash = new HashMap<>();
        Map<String, Set<UUID>> byPlain = new HashMap<>();
        for (CallRow c : calls) {
            for (String n : new String[]{c.fromNumber(), c.toNumber()}) {
                if (n != null && !n.isBlank()) {
                    byPlain.computeIfAbsent(n, k -> new HashSet<>()).add(c.id());
                    if (hash.available()) {
                        byHash.computeIfAbsent(hash.of(n), k -> new HashSet<>()).add(c.id());
                    }
                }
            }
        }
        List<UUID> ids = calls.stream().map(CallRow::id).toList();
        Map<UUID, List<Hold>> out = new HashMap<>();
        h.createQuery(SELECT + """
                         WHERE h.removed_at IS NULL
                           AND (h.call_id = ANY(:ids) OR h.number_hash = ANY(:hashes) OR h.number = ANY(:plain))
                        ORDER BY h.id""")
                .bindArray("ids", UUID.class, ids).bindArray("hashes", String.class, List.copyOf(byHash.keySet()))
                .bindArray("plain", String.class, List.copyOf(byPlain.keySet()))
                .map((rs, ctx) -> {
                    Hold hold = hold(rs);
                    Set<UUID> holds = new HashSet<>();
                    UUID call = rs.getObject("call_id", UUID.class);
                    if (call != null) {
                        holds.add(call);
                    }
                    holds.addAll(byHash.getOrDefault(rs.getString("number_hash"), Set.of()));
                    holds.addAll(byPlain.getOrDefault(rs.getString("number"), Set.of()));
                    return Map.entry(hold, holds);
                }).forEach(e -> {
                    if (e.getKey().active(today())) {
                        e.getValue().forEach(call -> out.computeIfAbsent(call, k -> new ArrayList<>()).add(e.getKey()));
                    }
                });
        return out;
    }

    /**
     * Holds placed on a number before holds kept only its hash: their number becomes its keyed hash and last digits. Run
     * where privacy.hash-secret is known (the daemon's start, the privacy commands); returns how many were changed.
     */
    public int hashStoredNumbers() {
        if (!hash.available()) {
            return 0;
        }
        return jdbi.inTransaction(h -> {
            List<Map.Entry<Long, String>> plain = h.createQuery("SELECT id, number FROM legal_holds WHERE number IS NOT NULL FOR UPDATE")
                    .map((rs, ctx) -> Map.entry(rs.getLong(1), rs.getString(2))).list();
            for (var e : plain) {
                h.createUpdate("UPDATE legal_holds SET number_hash = :hash, number_hint = :hint, number = NULL WHERE id = :id")
                        .bind("hash", hash.of(e.getValue())).bind("hint", NumberHash.hint(e.getValue())).bind("id", e.getKey()).execute();
            }
            return plain.size();
        });
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
        String hint = rs.getString("number_hint");
        if (hint == null && rs.getString("number") != null) {
            hint = NumberHash.hint(rs.getString("number")); // a hold from before hints, until its number is hashed
        }
        return new Hold(rs.getLong("id"), rs.getString("call_sid"), hint, rs.getString("reason"), rs.getString("placed_by"),
                rs.getObject("placed_at", OffsetDateTime.class).toInstant(), rs.getObject("until_date", LocalDate.class),
                removed == null ? null : removed.toInstant(), rs.getString("removed_by"), rs.getString("removed_why"));
    }
}
