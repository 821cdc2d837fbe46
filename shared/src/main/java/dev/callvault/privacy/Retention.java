package dev.callvault.privacy;

import dev.callvault.calls.CallView;
import dev.callvault.config.Config;
import dev.callvault.db.CallRepository;
import dev.callvault.db.CallRow;
import dev.callvault.db.Database;
import dev.callvault.db.RecordingRepository;
import dev.callvault.db.RecordingRow;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Retention policies (DESIGN 9): a call's recordings are deleted a number of days after the call ended, by the policies
 * that apply to it ({@code retention.days} for every call, {@code assistant.ID.retention.days} for an assistant's; the
 * longest wins; a call no policy names is kept forever), the real-time caller and assistant tracks sooner when
 * {@code retention.realtime-days} says so. A held call is never deleted. Nothing is deleted unless a policy says so.
 */
public final class Retention {
    /** When something of a call goes, and which policy says so. */
    public record Deadline(Instant at, String policy) {
    }

    /** A call's retention: when it ended, when its recordings go ({@code whole}) and when its real-time tracks go. */
    public record Schedule(Instant ended, Optional<Deadline> whole, Optional<Deadline> realtimeTracks) {
    }

    /** One call, or its real-time tracks, due now. */
    public record Due(CallRow call, List<RecordingRow> rows, boolean wholeCall, Deadline deadline) {
    }

    /** What a run did (or, dry, would do); {@code held} the calls due but held, with their holds. */
    public record Report(boolean dryRun, List<Due> due, List<String> held, List<DeletionLog.Entry> entries, int recordingsDeleted, int failed) {
    }

    private final Config.Privacy policy;
    private final Database db;
    private final Holds holds;
    private final Clock clock;
    private final CallRepository calls;
    private final RecordingRepository recordings;

    public Retention(Config.Privacy policy, Database db, Holds holds, Clock clock) {
        this.policy = policy;
        this.db = db;
        this.holds = holds;
        this.clock = clock;
        this.calls = new CallRepository(db.jdbi());
        this.recordings = new RecordingRepository(db.jdbi());
    }

    /** The policies that apply to a call of {@code assistant}: the longest, named; empty when none does. */
    Optional<Deadline> callPolicy(String assistant, Instant ended) {
        Integer days = policy.days();
        String name = days == null ? null : "retention.days = " + days;
        Integer mine = assistant == null ? null : policy.assistantDays().get(assistant);
        if (mine != null && (days == null || mine > days)) {
            days = mine;
            name = "assistant." + assistant + ".retention.days = " + mine;
        }
        return days == null ? Optional.empty() : Optional.of(new Deadline(ended.plus(Duration.ofDays(days)), name));
    }

    /** When {@code call}'s recordings go, by which policy (its rows as now). */
    public Schedule schedule(CallRow call, List<RecordingRow> rows) {
        Instant ended = ended(call, rows);
        Optional<Deadline> whole = callPolicy(call.assistant(), ended);
        Optional<Deadline> realtime = whole;
        if (policy.realtimeDays() != null) {
            Deadline rt = new Deadline(ended.plus(Duration.ofDays(policy.realtimeDays())), "retention.realtime-days = " + policy.realtimeDays());
            if (whole.isEmpty() || rt.at().isBefore(whole.get().at())) {
                realtime = Optional.of(rt);
            }
        }
        return new Schedule(ended, whole, realtime);
    }

    /**
     * When the call ended: the end of its last recording (its start and length), or its start. The clock of every
     * policy starts here.
     */
    static Instant ended(CallRow call, List<RecordingRow> rows) {
        Instant end = call.startedAt();
        for (RecordingRow r : rows) {
            Instant start = CallView.startOf(r);
            if (start != null && r.durationSeconds() != null) {
                Instant e = start.plusMillis(r.durationSeconds().movePointRight(3).longValue());
                end = end == null || e.isAfter(end) ? e : end;
            }
        }
        return end != null ? end : rows.stream().map(RecordingRow::createdAt).filter(java.util.Objects::nonNull).max(Instant::compareTo).orElse(Instant.EPOCH);
    }

    /** Every call with something due now (held ones included: {@link #apply} skips them and says so). */
    public List<Due> due() {
        if (!policy.anyPolicy()) {
            return List.of();
        }
        Instant now = clock.instant();
        int shortest = java.util.stream.Stream.concat(java.util.stream.Stream.of(policy.days(), policy.realtimeDays()), policy.assistantDays().values().stream())
                .filter(java.util.Objects::nonNull).mapToInt(Integer::intValue).min().orElse(0);
        // calls old enough for the shortest policy, with audio left and nothing live
        List<UUID> candidates = db.jdbi().withHandle(h -> h.createQuery("""
                        SELECT c.id FROM calls c
                        WHERE coalesce(c.started_at, c.created_at) < :cutoff
                          AND EXISTS (SELECT 1 FROM recordings r WHERE r.call_id = c.id AND r.status NOT IN ('erased', 'expired'))
                          AND NOT EXISTS (SELECT 1 FROM recordings r WHERE r.call_id = c.id AND r.status = 'in-progress')
                        ORDER BY coalesce(c.started_at, c.created_at)""")
                .bind("cutoff", OffsetDateTime.ofInstant(now.minus(Duration.ofDays(shortest)), ZoneOffset.UTC))
                .mapTo(UUID.class).list());
        List<Due> due = new ArrayList<>();
        for (UUID id : candidates) {
            CallRow call = calls.findById(id).orElseThrow();
            List<RecordingRow> rows = recordings.findByCall(id).stream().filter(r -> !tombstone(r)).toList();
            Schedule s = schedule(call, rows);
            if (s.whole().isPresent() && !now.isBefore(s.whole().get().at())) {
                due.add(new Due(call, rows, true, s.whole().get()));
            } else if (s.realtimeTracks().isPresent() && !now.isBefore(s.realtimeTracks().get().at())) {
                List<RecordingRow> tracks = rows.stream().filter(Retention::realtimeTrack).toList();
                if (!tracks.isEmpty()) {
                    due.add(new Due(call, tracks, false, s.realtimeTracks().get()));
                }
            }
        }
        return due;
    }

    /** Deletes what is due (not what is held), everywhere, and records it; with {@code dryRun} only says what it would. */
    public Report apply(Purge purge, boolean dryRun) {
        long run = db.jdbi().withHandle(h -> h.createQuery("INSERT INTO retention_runs (dry_run) VALUES (:dry) RETURNING id")
                .bind("dry", dryRun).mapTo(Long.class).one());
        List<Due> due = due();
        List<String> held = new ArrayList<>();
        List<DeletionLog.Entry> entries = new ArrayList<>();
        int failed = 0;
        int deleted = 0;
        for (Due d : due) {
            List<Holds.Hold> on = holds.on(d.call());
            if (!on.isEmpty()) {
                held.add(d.call().callSid() + ": " + String.join("; ", on.stream().map(Holds.Hold::describe).toList()));
                continue;
            }
            if (dryRun) {
                continue;
            }
            Purge.Result r = purge.purge(d.call(), d.rows(), new Purge.Actor("retention policy", DeletionLog.Kind.RETENTION, d.deadline().policy(), null,
                    "expired"), d.wholeCall());
            entries.addAll(r.entries());
            failed += r.complete() ? 0 : 1;
            deleted += r.recordings();
        }
        int deletedCount = deleted;
        int failedCount = failed;
        db.jdbi().useHandle(h -> h.createUpdate("UPDATE retention_runs SET finished_at = now(), deleted = :d, failed = :f WHERE id = :id")
                .bind("d", deletedCount).bind("f", failedCount).bind("id", run).execute());
        return new Report(dryRun, due, held, entries, deleted, failed);
    }

    static boolean tombstone(RecordingRow r) {
        return "erased".equals(r.status()) || "expired".equals(r.status());
    }

    static boolean realtimeTrack(RecordingRow r) {
        return r.streamSid() != null && r.recordingSid() == null && (r.recordingType().equals("user") || r.recordingType().equals("assistant"));
    }
}
