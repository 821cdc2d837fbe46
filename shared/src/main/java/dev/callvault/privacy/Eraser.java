package dev.callvault.privacy;

import dev.callvault.CallvaultException;
import dev.callvault.db.CallRepository;
import dev.callvault.db.CallRow;
import dev.callvault.db.Database;
import dev.callvault.db.DeletionLog;
import dev.callvault.twilio.RecordingNotFoundException;
import dev.callvault.twilio.TwilioRecordings;
import org.jdbi.v3.core.Handle;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Erasure of a person's recordings on request (DESIGN 9): every call from or to a number (or one call), within an
 * optional window, deleted everywhere by {@link Purge}. Each request is a record of its own (who, why, when, what became
 * of each call); a request that carries on an unfinished one of the same selector supersedes it, and what it deletes is
 * credited to it alone. The same person re-running the same request (after a kill, a failure) carries on under the same
 * id. Before anything is deleted, the request marks its calls in one transaction; a held call is refused, naming its
 * hold; a live call (one Twilio has not said has ended) stays pending until it has. Its proof is told from the database
 * at any time: what was found, what was deleted where and when, what is left and why.
 */
public final class Eraser {
    
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

    private final Database db;
    private final NumberHash hash;
    private final Holds holds;
    private final Purge purge;
    private final TwilioRecordings twilio;
    private final Clock clock;
    private final CallRepository calls;

    public Eraser(Database db, NumberHash hash, Holds holds, Purge purge, TwilioRecordings twilio, Clock clock) {
        this.db = db;
        this.hash = hash;
        this.holds = holds;
        this.purge = purge;
        this.twilio = twilio;
        this.clock = clock;
        this.calls = new CallRepository(db.jdbi());
    }

    /** The calls a request names, as the database has them now (already erased ones found by their numbers' hash). */
    public List<CallRow> find(Request r) {
        return db.jdbi().withHandle(h -> find(h, r)).stream().map(id -> calls.findById(id).orElseThrow()).toList();
    }

    private List<UUID> find(Handle h, Request r) {
        String numberHash = r.number() == null ? null : hash.of(r.number());
        return h.createQuery("""
                        SELECT id FROM calls
                        WHERE (:sid::text IS NOT NULL AND call_sid = :sid
                               OR :number::text IS NOT NULL AND (from_number = :number OR to_number = :number OR from_hash = :hash OR to_hash = :hash))
                          AND (:since::timestamptz IS NULL OR coalesce(started_at, created_at) >= :since)
                          AND (:until::timestamptz IS NULL OR coalesce(started_at, created_at) < :until)
                        ORDER BY coalesce(started_at, created_at), id""")
                .bind("sid", r.callSid()).bind("number", r.number()).bind("hash", numberHash)
                .bind("since", r.since() == null ? null : OffsetDateTime.ofInstant(r.since(), ZoneOffset.UTC))
                .bind("until", r.until() == null ? null : OffsetDateTime.ofInstant(r.until(), ZoneOffset.UTC))
                .mapTo(UUID.class).list();
    }

    /**
     * Carries out {@code r} as a request of its own: one that carries on an unfinished erasure of the same selector by
     * another person or for another reason supersedes it; the same person with the same reason carries on under its id.
     */
    public Proof erase(Request r) {
        String selector = selector(r);
        UUID id = db.jdbi().inTransaction(h -> {
            Optional<Map<String, Object>> open = h.createQuery("""
                            SELECT id, requested_by, reason FROM erasures WHERE selector = :s AND state IN ('running', 'partial') FOR UPDATE""")
                    .bind("s", selector).mapToMap().findOne();
            if (open.isPresent() && r.who().equals(open.get().get("requested_by")) && r.reason().equals(open.get().get("reason"))) {
                UUID same = (UUID) open.get().get("id");
                addCalls(h, same, find(h, r)); // calls of the number made since it began join it
                return same;
            }
            UUID continues = open.map(o -> (UUID) o.get("id")).orElse(null);
            List<UUID> found = new ArrayList<>(find(h, r));
            if (continues != null) { // first, so that the selector has one open request at a time
                h.createUpdate("UPDATE erasures SET state = 'superseded', finished_at = :at WHERE id = :old")
                        .bind("at", now()).bind("old", continues).execute();
            }
            UUID created = h.createQuery("""
                            INSERT INTO erasures (selector, requested_by, reason, asked_for, call_ids, continues, started_at)
                            VALUES (:s, :by, :why, :asked, :calls, :continues, :at) RETURNING id""")
                    .bind("s", selector).bind("by", r.who()).bind("why", r.reason()).bind("asked", describe(r))
                    .bind("calls", found.toArray(UUID[]::new)).bind("continues", continues).bind("at", now()).mapTo(UUID.class).one();
            if (continues != null) {
                supersede(h, continues, created, found);
            }
            addCalls(h, created, found);
            return created;
        });
        return run(id);
    }

    /** The earlier request (superseded now) stops here; its calls not erased yet are carried on by {@code by}. */
    private void supersede(Handle h, UUID old, UUID by, List<UUID> found) {
        List<UUID> unfinished = h.createQuery("SELECT call_id FROM erasure_calls WHERE erasure_id = :old AND outcome <> 'erased'")
                .bind("old", old).mapTo(UUID.class).list();
        for (UUID call : unfinished) {
            if (!found.contains(call)) {
                found.add(call);
            }
        }
        h.createUpdate("""
                        UPDATE erasure_calls SET outcome = 'carried_on', detail = :detail, updated_at = now()
                        WHERE erasure_id = :old AND outcome <> 'erased'""")
                .bind("old", old).bind("detail", "carried on by erasure " + by + " (a request of its own)").execute();
    }

    private static void addCalls(Handle h, UUID erasure, List<UUID> found) {
        for (UUID call : found) {
            h.createUpdate("INSERT INTO erasure_calls (erasure_id, call_id, outcome) VALUES (:e, :c, 'found') ON CONFLICT DO NOTHING")
                    .bind("e", erasure).bind("c", call).execute();
        }
        h.createUpdate("UPDATE erasures SET call_ids = ARRAY(SELECT call_id FROM erasure_calls WHERE erasure_id = :e) WHERE id = :e")
                .bind("e", erasure).execute();
    }

    /** Carries every unfinished erasure on (the daily timer): a live call that has ended since, a hold removed, a failure. */
    public List<Proof> resumeOpen() {
        List<UUID> open = db.jdbi().withHandle(h -> h.createQuery("SELECT id FROM erasures WHERE state IN ('running', 'partial') ORDER BY started_at")
                .mapTo(UUID.class).list());
        List<Proof> done = new ArrayList<>();
        for (UUID id : open) {
            done.add(run(id));
        }
        return done;
    }

    /** One call of a request as a run sees it. */
    private record Step(CallRow call, String outcome, String detail) {
    }

    private Proof run(UUID id) {
        Map<String, Object> e = db.jdbi().withHandle(h -> h.createQuery("SELECT requested_by, reason FROM erasures WHERE id = :id")
                .bind("id", id).mapToMap().one());
        Purge.Actor actor = Purge.Actor.erasure(id, (String) e.get("requested_by"), (String) e.get("reason"));
        // running until this run has looked at every call: one killed half-way says so, and its next run carries it on
        db.jdbi().useHandle(h -> h.createUpdate("UPDATE erasures SET state = 'running' WHERE id = :id AND state = 'partial'").bind("id", id).execute());
        for (Step s : mark(id)) {
            String outcome = s.outcome();
            String detail = s.detail();
            if (outcome == null) {
                Optional<String> live = live(s.call());
                if (live.isPresent()) {
                    outcome = "pending";
                    detail = live.get() + ": it is erased once it has ended (run the same erase again, or the daily timer does)";
                } else {
                    Purge.Result result = purge.call(s.call().id(), actor);
                    outcome = result.complete() ? "erased" : result.released() ? "held" : "failed";
                    detail = result.complete() ? erased(s.call(), result) : result.problem();
                }
            }
            String o = outcome;
            String d = detail;
            db.jdbi().useHandle(h -> h.createUpdate("""
                            UPDATE erasure_calls SET outcome = :o, detail = :d, updated_at = now() WHERE erasure_id = :e AND call_id = :c""")
                    .bind("o", o).bind("d", d).bind("e", id).bind("c", s.call().id()).execute());
        }
        db.jdbi().useHandle(h -> {
            boolean complete = h.createQuery("SELECT bool_and(outcome = 'erased') FROM erasure_calls WHERE erasure_id = :e").bind("e", id)
                    .mapTo(Boolean.class).findOne().map(b -> b == null || b).orElse(true);
            h.createUpdate("UPDATE erasures SET state = :state, finished_at = :at WHERE id = :id AND state IN ('running', 'partial')")
                    .bind("state", complete ? "complete" : "partial").bind("at", complete ? now() : null).bind("id", id).execute();
        });
        Proof report = proof(id).orElseThrow();
        db.jdbi().useHandle(h -> h.createUpdate("UPDATE erasures SET report = :r::jsonb WHERE id = :id").bind("r", report.json()).bind("id", id).execute());
        return report;
    }

    /**
     * In one transaction, before anything is deleted: every call of the request not yet erased by it is marked for it,
     * unless held (refused, naming the hold) or marked by a newer request (which carries it). Returns each call with its
     * outcome already known, or a null outcome for the calls to erase now.
     */
    private List<Step> mark(UUID id) {
        return db.jdbi().inTransaction(h -> {
            h.execute("SELECT pg_advisory_xact_lock(?)", Holds.MARKING_LOCK);
            List<UUID> ids = h.createQuery("""
                            SELECT ec.call_id FROM erasure_calls ec JOIN calls c ON c.id = ec.call_id
                            WHERE ec.erasure_id = :e AND ec.outcome <> 'erased' ORDER BY coalesce(c.started_at, c.created_at), c.id""")
                    .bind("e", id).mapTo(UUID.class).list();
            List<CallRow> rows = ids.stream().map(c -> calls.findById(c).orElseThrow()).toList();
            Map<UUID, List<Holds.Hold>> held = holds.on(h, rows);
            List<Step> steps = new ArrayList<>();
            for (CallRow c : rows) {
                List<Holds.Hold> on = held.getOrDefault(c.id(), List.of());
                if (!on.isEmpty()) {
                    steps.add(new Step(c, "held", "refused: held by " + String.join("; ", on.stream().map(Holds.Hold::describe).toList())));
                    continue;
                }
                int marked = h.createUpdate("""
                                UPDATE calls c SET marked_at = coalesce(c.marked_at, :at), marked_for = 'erasure', marked_by = :e, marked_why = NULL
                                WHERE c.id = :c AND (c.marked_by IS NULL OR c.marked_by = :e
                                    OR (SELECT started_at FROM erasures WHERE id = c.marked_by) <= (SELECT started_at FROM erasures WHERE id = :e))""")
                        .bind("at", now()).bind("e", id).bind("c", c.id()).execute();
                if (marked == 1) {
                    steps.add(new Step(c, null, null));
                } else {
                    UUID by = h.createQuery("SELECT marked_by FROM calls WHERE id = :c").bind("c", c.id()).mapTo(UUID.class).one();
                    boolean erased = h.createQuery("SELECT erased_at IS NOT NULL FROM calls WHERE id = :c").bind("c", c.id()).mapTo(Boolean.class).one();
                    steps.add(new Step(c, erased ? "erased" : "carried_on", erased ? "erased by erasure " + by : "erasure " + by
                            + " (asked for later) erases it"));
                }
            }
            return steps;
        });
    }

    /**
     * Why the call is live, or empty when it has ended: our real-time tracks are still recording, or Twilio has not said it
     * ended (a recording's final callback, or its Calls resource asked now). A call Twilio does not know cannot be live.
     */
    private Optional<String> live(CallRow c) {
        Map<String, Object> row = db.jdbi().withHandle(h -> h.createQuery("""
                        SELECT twilio_ended_at IS NOT NULL AS ended,
                               EXISTS (SELECT 1 FROM recordings r WHERE r.call_id = c.id AND r.status = 'in-progress') AS recording
                        FROM calls c WHERE c.id = :id""").bind("id", c.id()).mapToMap().one());
        if ((Boolean) row.get("recording")) {
            return Optional.of("the call is live: its real-time tracks are still being recorded");
        }
        if ((Boolean) row.get("ended")) {
            return Optional.empty();
        }
        Instant ended;
        try {
            TwilioRecordings.CallStatus status = twilio.callStatus(c.accountSid(), c.callSid());
            if (!status.ended()) {
                return Optional.of("the call is live: Twilio says it is " + status.status());
            }
            ended = status.endTime() != null ? status.endTime() : clock.instant();
        } catch (RecordingNotFoundException unknown) {
            ended = c.startedAt() != null ? c.startedAt() : clock.instant(); // Twilio has no such call: nothing of it can come any more
        } catch (CallvaultException e) {
            return Optional.of("it may be live: Twilio could not be asked whether the call has ended (" + e.getMessage() + ")");
        }
        new CallRepository(db.jdbi()).ended(c.callSid(), ended, true);
        return Optional.empty();
    }

    /** What erasing a call did, in words: deleted now, or found deleted before (by retention, or an earlier erasure). */
    private String erased(CallRow c, Purge.Result result) {
        if (result.deletedSomething()) {
            return "deleted everywhere";
        }
        return db.jdbi().withHandle(h -> h.createQuery("SELECT erased_at, erased_by, erased_why FROM calls WHERE id = :id").bind("id", c.id())
                .map((rs, ctx) -> rs.getObject("erased_at") == null ? "nothing of it was left to delete"
                        : "already deleted everywhere on " + rs.getObject("erased_at", OffsetDateTime.class).toInstant() + " by "
                        + rs.getString("erased_by") + " (" + rs.getString("erased_why") + "); nothing of it was left")
                .one());
    }

    /** An erasure request's proof as it stands now in the database. */
    public Optional<Proof> proof(UUID id) {
        return Proof.read(db.jdbi(), id);
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

    private OffsetDateTime now() {
        return OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    }
}
