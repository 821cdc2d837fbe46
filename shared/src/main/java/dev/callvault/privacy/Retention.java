package dev.callvault.privacy;

import dev.callvault.config.Assistant;
import dev.callvault.config.Config;
import dev.callvault.db.CallRow;
import dev.callvault.db.Database;
import dev.callvault.db.DeletionLog;
import dev.callvault.db.RecordingRow;
import org.jdbi.v3.core.Handle;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Retention policies (DESIGN 9): a call's recordings are deleted a number of days after the call ended, by the policies
 * that apply to it ({@code retention.days} for every call, {@code assistant.ID.retention.days} for an assistant's calls,
 * whether the call named its assistant or reached it by the number it called; the longest wins; a call no policy names
 * is kept forever), the real-time caller and assistant tracks sooner when {@code retention.realtime-days} says so. A
 * held call is never deleted. Each policy's due calls are read from the database in batches, by index, so a daily run
 * costs what it deletes, not what is kept; each batch is marked in one transaction before anything of it is deleted.
 */
public final class Retention {
    private static final int BATCH = 500;
    /** The moment a call's retention clock starts, as the index on calls has it. */
    private static final String ENDED = "coalesce(c.ended_at, c.started_at, c.created_at)";

    /** When something of a call goes, and which policy says so. */
    public record Deadline(Instant at, String policy) {
    }

    /**
     * A call's retention: when it ended ({@code endKnown}: as Twilio said; else as far as we know, and the policies count
     * from a day later, the longest a call lasts at Twilio, so that nothing is deleted early), when its recordings go
     * ({@code whole}) and when its real-time tracks go.
     */
    public record Schedule(Instant ended, boolean endKnown, Optional<Deadline> whole, Optional<Deadline> realtimeTracks) {
    }

    /** How long after its last known end a call Twilio has not said has ended is taken to have ended, at the latest. */
    static final Duration UNSURE = Duration.ofDays(1);

    /** One call, or its real-time tracks, due now: {@code recordings} how many of its recordings hold audio. */
    public record Due(CallRow call, int recordings, boolean wholeCall, Deadline deadline) {
    }

    /** What a run did (or, dry, would do); {@code held} the calls due but held, with their holds. */
    public record Report(boolean dryRun, List<Due> due, List<String> held, List<DeletionLog.Entry> entries, int recordingsDeleted, int failed) {
    }

    /** The calls one policy deletes: an SQL condition on {@code c} with its parameters, after how many days, in words. */
    private record Group(String where, Map<String, Object> params, int days, String policy) {
    }

    private final Config.Privacy policy;
    private final Config.Assistants assistants;
    private final Database db;
    private final Holds holds;
    private final Purge purge;
    private final Clock clock;

    public Retention(Config.Privacy policy, Config.Assistants assistants, Database db, Holds holds, Purge purge, Clock clock) {
        this.policy = policy;
        this.assistants = assistants;
        this.db = db;
        this.holds = holds;
        this.purge = purge;
        this.clock = clock;
    }

    /** The assistant whose policy a call falls under: the one it named, else the one whose number it called; null for none. */
    private String assistantOf(String stored, String calledNumber) {
        if (stored != null) {
            return stored;
        }
        Assistant byNumber = calledNumber == null ? null : assistants.match(null, calledNumber);
        return byNumber == null || byNumber.id().isEmpty() ? null : byNumber.id();
    }

    /** How many days a call of {@code assistant} is kept, and by which policy: the longest that applies; empty when none does. */
    private Optional<Map.Entry<Integer, String>> days(String assistant) {
        Integer days = policy.days();
        String name = days == null ? null : "retention.days = " + days;
        Integer mine = assistant == null ? null : policy.assistantDays().get(assistant);
        if (mine != null && (days == null || mine > days)) {
            days = mine;
            name = "assistant." + assistant + ".retention.days = " + mine;
        }
        return days == null ? Optional.empty() : Optional.of(Map.entry(days, name));
    }

    /** When {@code call}'s recordings go, by which policy, as the database has the call now. */
    public Schedule schedule(CallRow call) {
        Map.Entry<Instant, Boolean> row = db.jdbi().withHandle(h -> h.createQuery("SELECT " + ENDED + " AS ended, c.twilio_ended_at IS NOT NULL AS known FROM calls c WHERE c.id = :id")
                .bind("id", call.id()).map((rs, ctx) -> Map.entry(rs.getObject("ended", OffsetDateTime.class).toInstant(), rs.getBoolean("known"))).one());
        Instant ended = row.getKey();
        boolean known = row.getValue();
        Instant clock = known ? ended : ended.plus(UNSURE);
        Optional<Deadline> whole = days(assistantOf(call.assistant(), call.toNumber()))
                .map(d -> new Deadline(clock.plus(Duration.ofDays(d.getKey())), d.getValue()));
        Optional<Deadline> realtime = whole;
        if (policy.realtimeDays() != null) {
            Deadline rt = new Deadline(clock.plus(Duration.ofDays(policy.realtimeDays())), "retention.realtime-days = " + policy.realtimeDays());
            if (whole.isEmpty() || rt.at().isBefore(whole.get().at())) {
                realtime = Optional.of(rt);
            }
        }
        return new Schedule(ended, known, whole, realtime);
    }

    /**
     * The policies as groups of calls, each read by index: every assistant the configuration names; calls that named no
     * assistant but called one's number; calls of no (or an unknown) assistant under {@code retention.days}.
     */
    private List<Group> groups(Handle h) {
        List<Group> out = new ArrayList<>();
        Set<String> named = new LinkedHashSet<>(assistants.byId().keySet());
        named.addAll(policy.assistantDays().keySet());
        List<String> allNumbers = new ArrayList<>();
        for (String a : named) {
            days(a).ifPresent(d -> out.add(new Group("c.assistant = :a", Map.of("a", a), d.getKey(), d.getValue())));
            Assistant settings = assistants.byId().get(a);
            if (settings != null && !settings.numbers().isEmpty()) {
                allNumbers.addAll(settings.numbers());
                days(a).ifPresent(d -> out.add(new Group("c.assistant IS NULL AND c.to_number = ANY(:numbers)",
                        Map.of("numbers", settings.numbers().toArray(String[]::new)), d.getKey(), d.getValue() + " (by the number it called)")));
            }
        }
        if (policy.days() != null) {
            String name = "retention.days = " + policy.days();
            out.add(new Group("c.assistant IS NULL AND (c.to_number IS NULL OR NOT (c.to_number = ANY(:numbers)))",
                    Map.of("numbers", allNumbers.toArray(String[]::new)), policy.days(), name));
            for (String other : otherAssistants(h, named)) {
                out.add(new Group("c.assistant = :a", Map.of("a", other), policy.days(), name));
            }
        }
        return out;
    }

    /** Assistants of calls not yet deleted that the configuration does not name, by a skip scan of the index (a few reads each). */
    private static List<String> otherAssistants(Handle h, Set<String> named) {
        return h.createQuery("""
                        WITH RECURSIVE a(v) AS (
                            SELECT min(assistant) FROM calls WHERE erased_at IS NULL AND assistant IS NOT NULL
                            UNION ALL
                            SELECT (SELECT min(assistant) FROM calls WHERE erased_at IS NULL AND assistant > a.v) FROM a WHERE a.v IS NOT NULL)
                        SELECT v FROM a WHERE v IS NOT NULL""")
                .mapTo(String.class).list().stream().filter(v -> !named.contains(v)).toList();
    }

    /** One batch of a group's calls due now, after {@code after} in the index's order. */
    private List<Object[]> batch(Handle h, Group g, Instant cutoff, Object[] after) {
        var q = h.createQuery("""
                        SELECT c.id, c.call_sid, c.account_sid, c.from_number, c.to_number, c.assistant, c.started_at, c.ended_at, %1$s AS ended,
                               c.twilio_ended_at IS NOT NULL AS known,
                               (SELECT count(*) FROM recordings r WHERE r.call_id = c.id AND r.status NOT IN ('erased', 'expired')) AS recordings
                        FROM calls c
                        WHERE c.erased_at IS NULL AND %2$s AND %1$s < :cutoff AND (%1$s, c.id) > (:afterAt, :afterId)
                          AND (c.twilio_ended_at IS NOT NULL OR %1$s < :unsure)
                          AND (c.marked_for IS NULL OR c.marked_for = 'retention')
                          AND NOT EXISTS (SELECT 1 FROM recordings r WHERE r.call_id = c.id AND r.status = 'in-progress')
                        ORDER BY %1$s, c.id LIMIT :batch""".formatted(ENDED, g.where()))
                .bind("cutoff", utc(cutoff)).bind("unsure", utc(cutoff.minus(UNSURE))).bind("afterAt", (OffsetDateTime) after[0])
                .bind("afterId", (UUID) after[1]).bind("batch", BATCH);
        g.params().forEach((k, v) -> {
            if (v instanceof String[] a) {
                q.bindArray(k, String.class, (Object[]) a);
            } else {
                q.bind(k, v);
            }
        });
        return q.map((rs, ctx) -> new Object[]{new CallRow(rs.getObject("id", UUID.class), rs.getString("call_sid"), rs.getString("account_sid"),
                rs.getString("from_number"), rs.getString("to_number"), rs.getString("assistant"), instant(rs.getObject("started_at", OffsetDateTime.class)),
                instant(rs.getObject("ended_at", OffsetDateTime.class))), rs.getBoolean("known") ? rs.getObject("ended", OffsetDateTime.class)
                : rs.getObject("ended", OffsetDateTime.class).plus(UNSURE), rs.getInt("recordings"), rs.getObject("ended", OffsetDateTime.class)}).list();
    }

    /** Deletes what is due (not what is held), everywhere, and records it; with {@code dryRun} only says what it would. */
    public Report apply(boolean dryRun) {
        long run = db.jdbi().withHandle(h -> h.createQuery("INSERT INTO retention_runs (dry_run) VALUES (:dry) RETURNING id")
                .bind("dry", dryRun).mapTo(Long.class).one());
        Totals t = new Totals(dryRun);
        if (policy.anyPolicy()) {
            Instant now = clock.instant();
            for (Group g : db.jdbi().withHandle(this::groups)) {
                Instant cutoff = now.minus(Duration.ofDays(g.days()));
                Object[] after = {utc(Instant.EPOCH), new UUID(0, 0)};
                while (true) {
                    Object[] from = after;
                    List<Object[]> batch = db.jdbi().withHandle(h -> batch(h, g, cutoff, from));
                    if (batch.isEmpty()) {
                        break;
                    }
                    Object[] last = batch.get(batch.size() - 1);
                    after = new Object[]{last[3], ((CallRow) last[0]).id()};
                    wholeCalls(batch, g, t);
                }
            }
            if (policy.realtimeDays() != null) {
                realtimeTracks(now.minus(Duration.ofDays(policy.realtimeDays())), t);
            }
        }
        db.jdbi().useHandle(h -> h.createUpdate("UPDATE retention_runs SET finished_at = now(), deleted = :d, failed = :f WHERE id = :id")
                .bind("d", t.deleted).bind("f", t.failed).bind("id", run).execute());
        return new Report(dryRun, t.due, t.held, t.entries, t.deleted, t.failed);
    }

    /** What a run has found and done so far. */
    private static final class Totals {
        final boolean dryRun;
        final List<Due> due = new ArrayList<>();
        final List<String> held = new ArrayList<>();
        final List<DeletionLog.Entry> entries = new ArrayList<>();
        int deleted;
        int failed;

        Totals(boolean dryRun) {
            this.dryRun = dryRun;
        }

        void purged(Purge.Result r) {
            entries.addAll(r.entries());
            deleted += r.recordings();
            failed += r.complete() || r.released() ? 0 : 1;
        }
    }

    /** One batch of whole calls due: the held ones said, the others marked in one transaction, then deleted one by one. */
    private void wholeCalls(List<Object[]> batch, Group g, Totals t) {
        Map<UUID, Due> due = new LinkedHashMap<>();
        for (Object[] row : batch) {
            CallRow c = (CallRow) row[0];
            Instant ended = ((OffsetDateTime) row[1]).toInstant();
            due.put(c.id(), new Due(c, (Integer) row[2], true, new Deadline(ended.plus(Duration.ofDays(g.days())), g.policy())));
        }
        t.due.addAll(due.values());
        List<UUID> marked = db.jdbi().inTransaction(h -> {
            if (!t.dryRun) {
                h.execute("SELECT pg_advisory_xact_lock(?)", Holds.MARKING_LOCK);
            }
            Map<UUID, List<Holds.Hold>> held = holds.on(h, due.values().stream().map(Due::call).toList());
            held.forEach((id, on) -> t.held.add(due.get(id).call().callSid() + ": " + String.join("; ", on.stream().map(Holds.Hold::describe).toList())));
            List<UUID> free = due.keySet().stream().filter(id -> !held.containsKey(id)).toList();
            if (t.dryRun || free.isEmpty()) {
                return List.<UUID>of();
            }
            return h.createQuery("""
                            UPDATE calls SET marked_at = coalesce(marked_at, :at), marked_for = 'retention', marked_why = :why
                            WHERE id = ANY(:ids) AND erased_at IS NULL AND (marked_for IS NULL OR marked_for = 'retention') RETURNING id""")
                    .bind("at", utc(clock.instant())).bind("why", g.policy()).bindArray("ids", UUID.class, free).mapTo(UUID.class).list();
        });
        for (UUID id : due.keySet()) {
            if (marked.contains(id)) {
                t.purged(purge.call(id, Purge.Actor.retention(due.get(id).deadline().policy())));
            }
        }
    }

    /** The real-time caller and assistant tracks older than {@code cutoff}, where that comes before the call's own deletion. */
    private void realtimeTracks(Instant cutoff, Totals t) {
        String rtPolicy = "retention.realtime-days = " + policy.realtimeDays();
        Object[] after = {utc(Instant.EPOCH), new UUID(0, 0)};
        while (true) {
            Object[] from = after;
            List<Object[]> rows = db.jdbi().withHandle(h -> h.createQuery("""
                            SELECT r.id, r.created_at, c.id AS call_id, c.call_sid, c.account_sid, c.from_number, c.to_number, c.assistant, c.started_at,
                                   c.ended_at, %1$s + CASE WHEN c.twilio_ended_at IS NULL THEN interval '1 day' ELSE interval '0' END AS ended
                            FROM recordings r JOIN calls c ON c.id = r.call_id
                            WHERE r.stream_sid IS NOT NULL AND r.recording_sid IS NULL AND r.recording_type IN ('user', 'assistant')
                              AND r.status NOT IN ('erased', 'expired', 'in-progress') AND r.created_at < :cutoff AND %1$s < :cutoff
                              AND (r.created_at, r.id) > (:afterAt, :afterId) AND c.erased_at IS NULL
                              AND (c.twilio_ended_at IS NOT NULL OR %1$s < :unsure)
                              AND (c.marked_for IS NULL OR c.marked_for = 'retention')
                            ORDER BY r.created_at, r.id LIMIT :batch""".formatted(ENDED))
                    .bind("cutoff", utc(cutoff)).bind("unsure", utc(cutoff.minus(UNSURE))).bind("afterAt", (OffsetDateTime) from[0])
                    .bind("afterId", (UUID) from[1]).bind("batch", BATCH)
                    .map((rs, ctx) -> new Object[]{rs.getObject("id", UUID.class), rs.getObject("created_at", OffsetDateTime.class),
                            new CallRow(rs.getObject("call_id", UUID.class), rs.getString("call_sid"), rs.getString("account_sid"), rs.getString("from_number"),
                                    rs.getString("to_number"), rs.getString("assistant"), instant(rs.getObject("started_at", OffsetDateTime.class)),
                                    instant(rs.getObject("ended_at", OffsetDateTime.class))),
                            rs.getObject("ended", OffsetDateTime.class).toInstant()}).list());
            if (rows.isEmpty()) {
                return;
            }
            Object[] last = rows.get(rows.size() - 1);
            after = new Object[]{last[1], last[0]};
            Map<UUID, List<UUID>> tracks = new LinkedHashMap<>();
            Map<UUID, Due> due = new LinkedHashMap<>();
            for (Object[] r : rows) {
                CallRow c = (CallRow) r[2];
                Instant ended = (Instant) r[3];
                Optional<Map.Entry<Integer, String>> whole = days(assistantOf(c.assistant(), c.toNumber()));
                if (whole.isPresent() && whole.get().getKey() <= policy.realtimeDays()) {
                    continue; // the whole call goes first, by its own policy
                }
                tracks.computeIfAbsent(c.id(), k -> new ArrayList<>()).add((UUID) r[0]);
                due.put(c.id(), new Due(c, tracks.get(c.id()).size(), false, new Deadline(ended.plus(Duration.ofDays(policy.realtimeDays())), rtPolicy)));
            }
            t.due.addAll(due.values());
            Map<UUID, List<UUID>> marked = db.jdbi().inTransaction(h -> {
                if (!t.dryRun) {
                    h.execute("SELECT pg_advisory_xact_lock(?)", Holds.MARKING_LOCK);
                }
                Map<UUID, List<Holds.Hold>> held = holds.on(h, due.values().stream().map(Due::call).toList());
                held.forEach((id, on) -> t.held.add(due.get(id).call().callSid() + ": " + String.join("; ", on.stream().map(Holds.Hold::describe).toList())));
                Map<UUID, List<UUID>> out = new LinkedHashMap<>();
                if (t.dryRun) {
                    return out;
                }
                tracks.forEach((call, ids) -> {
                    if (!held.containsKey(call)) {
                        out.put(call, h.createQuery("""
                                        UPDATE recordings SET marked_at = coalesce(marked_at, :at), marked_for = 'retention', marked_why = :why
                                        WHERE id = ANY(:ids) AND status NOT IN ('erased', 'expired') RETURNING id""")
                                .bind("at", utc(clock.instant())).bind("why", rtPolicy).bindArray("ids", UUID.class, ids).mapTo(UUID.class).list());
                    }
                });
                return out;
            });
            marked.forEach((call, ids) -> t.purged(purge.tracks(call, ids, Purge.Actor.retention(rtPolicy))));
        }
    }

    static boolean tombstone(RecordingRow r) {
        return "erased".equals(r.status()) || "expired".equals(r.status());
    }

    private static OffsetDateTime utc(Instant i) {
        return OffsetDateTime.ofInstant(i, ZoneOffset.UTC);
    }

    private static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }
}
