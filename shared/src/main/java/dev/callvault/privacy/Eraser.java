package dev.callvault.privacy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.db.CallRepository;
import dev.callvault.db.CallRow;
import dev.callvault.db.Database;
import dev.callvault.db.RecordingRepository;
import dev.callvault.db.RecordingRow;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Erasure of a person's recordings on request (DESIGN 9): every call from or to a number (or one call), within an
 * optional window, deleted everywhere by {@link Purge}; a held call refused, naming its hold; a live call erased once it
 * has ended (by the next run or the daily timer). An erasure is resumable: it keeps the calls it found, and the same
 * request (or the timer) carries on where a run stopped, under the same id, until it is complete. Its proof report
 * says what was found, what was deleted where and when, and what was not, and why.
 */
public final class Eraser {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String TWILIO_NOTE = "Twilio keeps a deleted recording's metadata (not its audio) for 40 days, then deletes it too.";

    /** What to erase: the calls of {@code number} (E.164) or the call {@code callSid}, started in {@code [since, until)} when set. */
    public record Request(String number, String callSid, Instant since, Instant until, String reason, String who) {
        public Request {
            if ((number == null) == (callSid == null)) {
                throw new IllegalArgumentException("an erasure names a number or a call");
            }
            if (reason == null || reason.isBlank()) {
                throw new IllegalArgumentException("an erasure needs a reason (the request, a ticket): it goes into the proof");
            }
        }
    }

    /** One call of an erasure: {@code erased}, {@code held}, {@code pending} (live), {@code failed} (to be retried), and why. */
    public record CallOutcome(String callSid, Instant startedAt, String outcome, String detail) {
    }

    /** The proof of an erasure (stored as JSON with it, printed as text). */
    public record Report(UUID id, String state, String who, String reason, String askedFor, Instant started, Instant finished,
                         List<CallOutcome> calls, List<DeletionLog.Entry> deleted) {
        public boolean complete() {
            return state.equals("complete");
        }
    }

    private final Database db;
    private final NumberHash hash;
    private final Holds holds;
    private final Clock clock;
    private final CallRepository calls;
    private final RecordingRepository recordings;
    private final DeletionLog deletions;

    public Eraser(Database db, NumberHash hash, Holds holds, Clock clock) {
        this.db = db;
        this.hash = hash;
        this.holds = holds;
        this.clock = clock;
        this.calls = new CallRepository(db.jdbi());
        this.recordings = new RecordingRepository(db.jdbi());
        this.deletions = new DeletionLog(db.jdbi());
    }

    /** The calls a request names, as the database has them now (already erased ones found by their numbers' hash). */
    public List<CallRow> find(Request r) {
        String h = r.number() == null ? null : hash.of(r.number());
        List<UUID> ids = db.jdbi().withHandle(x -> x.createQuery("""
                        SELECT id FROM calls
                        WHERE (:sid::text IS NOT NULL AND call_sid = :sid
                               OR :number::text IS NOT NULL AND (from_number = :number OR to_number = :number OR from_hash = :hash OR to_hash = :hash))
                          AND (:since::timestamptz IS NULL OR coalesce(started_at, created_at) >= :since)
                          AND (:until::timestamptz IS NULL OR coalesce(started_at, created_at) < :until)
                        ORDER BY coalesce(started_at, created_at)""")
                .bind("sid", r.callSid()).bind("number", r.number()).bind("hash", h)
                .bind("since", r.since() == null ? null : OffsetDateTime.ofInstant(r.since(), ZoneOffset.UTC))
                .bind("until", r.until() == null ? null : OffsetDateTime.ofInstant(r.until(), ZoneOffset.UTC))
                .mapTo(UUID.class).list());
        return ids.stream().map(id -> calls.findById(id).orElseThrow()).toList();
    }

    /** Carries out {@code r}: resumes the same request's unfinished erasure if there is one, else starts one. */
    public Report erase(Request r, Purge purge) {
        String selector = selector(r);
        UUID id = db.jdbi().inTransaction(h -> h.createQuery("SELECT id FROM erasures WHERE selector = :s AND state <> 'complete' FOR UPDATE")
                .bind("s", selector).mapTo(UUID.class).findOne()
                .orElseGet(() -> h.createQuery("""
                                INSERT INTO erasures (selector, requested_by, reason, call_ids, report)
                                VALUES (:s, :by, :why, :calls, jsonb_build_object('asked_for', :asked::text)) RETURNING id""")
                        .bind("s", selector).bind("by", r.who()).bind("why", r.reason()).bind("asked", describe(r))
                        .bind("calls", find(r).stream().map(CallRow::id).toArray(UUID[]::new))
                        .mapTo(UUID.class).one()));
        return resume(id, describe(r), purge);
    }

    /** Carries every unfinished erasure on (the daily timer): a live call that has ended since, a hold removed, a failure. */
    public List<Report> resumeOpen(Purge purge) {
        List<UUID> open = db.jdbi().withHandle(h -> h.createQuery("SELECT id FROM erasures WHERE state <> 'complete' ORDER BY started_at")
                .mapTo(UUID.class).list());
        List<Report> done = new ArrayList<>();
        for (UUID id : open) {
            done.add(resume(id, null, purge));
        }
        return done;
    }

    private Report resume(UUID id, String askedFor, Purge purge) {
        Map<String, Object> row = db.jdbi().withHandle(h -> h.createQuery("SELECT requested_by, reason, call_ids, report->>'asked_for' AS asked FROM erasures WHERE id = :id")
                .bind("id", id).mapToMap().one());
        String who = (String) row.get("requested_by");
        String reason = (String) row.get("reason");
        String asked = askedFor != null ? askedFor : (String) row.get("asked");
        UUID[] callIds = toUuids(row.get("call_ids"));
        List<CallOutcome> outcomes = new ArrayList<>();
        Purge.Actor actor = new Purge.Actor(who, DeletionLog.Kind.ERASURE, reason, id, "erased");
        for (UUID callId : callIds) {
            CallRow call = calls.findById(callId).orElseThrow();
            List<RecordingRow> rows = recordings.findByCall(callId);
            List<Holds.Hold> on = holds.on(call);
            if (!on.isEmpty()) {
                String why = "refused: held by " + String.join("; ", on.stream().map(Holds.Hold::describe).toList());
                outcomes.add(new CallOutcome(call.callSid(), call.startedAt(), "held", why));
                continue;
            }
            if (rows.stream().anyMatch(x -> "in-progress".equals(x.status()))) {
                outcomes.add(new CallOutcome(call.callSid(), call.startedAt(), "pending",
                        "the call is live: it is erased once it has ended (run the same erase again, or the daily timer does)"));
                continue;
            }
            Purge.Result result = purge.purge(call, rows.stream().filter(x -> !Retention.tombstone(x)).toList(), actor, true);
            outcomes.add(new CallOutcome(call.callSid(), call.startedAt(), result.complete() ? "erased" : "failed", result.complete()
                    ? "deleted everywhere" : "not everything could be deleted yet (see the failed steps); the next run tries again"));
        }
        boolean complete = outcomes.stream().allMatch(o -> o.outcome().equals("erased"));
        Instant finished = clock.instant();
        Report report = new Report(id, complete ? "complete" : "partial", who, reason, asked, started(id), complete ? finished : null, outcomes,
                deletions.ofErasure(id));
        db.jdbi().useHandle(h -> h.createUpdate("""
                        UPDATE erasures SET state = :state, finished_at = :finished, report = :report::jsonb WHERE id = :id""")
                .bind("state", report.state()).bind("finished", complete ? OffsetDateTime.ofInstant(finished, ZoneOffset.UTC) : null)
                .bind("report", json(report)).bind("id", id).execute());
        return report;
    }

    /** A stored erasure's proof report, as it was last written. */
    public Optional<String> storedReport(UUID id) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT report::text FROM erasures WHERE id = :id").bind("id", id).mapTo(String.class).findOne());
    }

    private Instant started(UUID id) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT started_at FROM erasures WHERE id = :id").bind("id", id)
                .mapTo(OffsetDateTime.class).one()).toInstant();
    }

    /** The same request, the same selector: the number only as its keyed hash. */
    private String selector(Request r) {
        return (r.number() != null ? "number:" + hash.of(r.number()) : "call:" + r.callSid())
                + "|" + (r.since() == null ? "" : r.since()) + "|" + (r.until() == null ? "" : r.until());
    }

    /** What was asked for, in words kept with the report: no number, only its keyed hash. */
    private String describe(Request r) {
        String what = r.number() != null ? "every call from or to a number (kept as " + hash.of(r.number()) + ")" : "call " + r.callSid();
        return what + (r.since() == null && r.until() == null ? "" : ", started " + (r.since() == null ? "" : "from " + r.since() + " ")
                + (r.until() == null ? "" : "until " + r.until()));
    }

    /** The report as JSON: what a data-protection officer hands over. */
    public static String json(Report r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("erasure", r.id().toString());
        m.put("state", r.state());
        m.put("requested_by", r.who());
        m.put("reason", r.reason());
        m.put("asked_for", r.askedFor());
        m.put("started_at", r.started().toString());
        m.put("finished_at", r.finished() == null ? null : r.finished().toString());
        m.put("calls", r.calls().stream().map(c -> {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("call_sid", c.callSid());
            x.put("started_at", c.startedAt() == null ? null : c.startedAt().toString());
            x.put("outcome", c.outcome());
            x.put("detail", c.detail());
            return x;
        }).toList());
        m.put("steps", r.deleted().stream().map(e -> {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("at", e.at().toString());
            x.put("where", e.place().name().toLowerCase());
            x.put("outcome", e.outcome().name().toLowerCase());
            x.put("call_sid", e.callSid());
            x.put("recording_sid", e.recordingSid());
            x.put("object_key", e.objectKey());
            x.put("bytes", e.bytes());
            x.put("sha256", e.sha256());
            x.put("detail", e.detail());
            return x;
        }).toList());
        m.put("notes", List.of(TWILIO_NOTE, "Only tombstones stay: each erased recording's SIDs, when, by whom and why; the numbers as their keyed hash."));
        try {
            return JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The report as text: the same facts, for a person. */
    public static List<String> text(Report r) {
        List<String> out = new ArrayList<>();
        out.add("proof of erasure " + r.id() + ": " + r.state().toUpperCase());
        out.add("  asked for   " + r.askedFor());
        out.add("  by          " + r.who() + ", because: " + r.reason());
        out.add("  started     " + r.started() + (r.finished() == null ? "" : ", finished " + r.finished()));
        out.add("  calls found " + r.calls().size());
        for (CallOutcome c : r.calls()) {
            out.add("    " + c.callSid() + "  " + c.outcome() + ": " + c.detail());
        }
        out.add("  steps (what was deleted, where, when):");
        for (DeletionLog.Entry e : r.deleted()) {
            out.add("    " + e.at() + "  " + e.place().name().toLowerCase() + "  " + e.outcome().name().toLowerCase()
                    + (e.recordingSid() == null ? "" : "  " + e.recordingSid()) + (e.objectKey() == null ? "" : "  " + e.objectKey())
                    + (e.bytes() == null ? "" : "  " + e.bytes() + " bytes") + (e.sha256() == null ? "" : "  sha256 " + e.sha256())
                    + (e.detail() == null ? "" : "  (" + e.detail() + ")"));
        }
        out.add("  " + TWILIO_NOTE);
        return out;
    }

    private static UUID[] toUuids(Object array) {
        try {
            if (array instanceof java.sql.Array a) {
                return (UUID[]) a.getArray();
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        return (UUID[]) array;
    }
}
