package dev.callvault.db;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.PreparedBatch;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The {@code callbacks} table: every recording status callback received, and the durable queue workers claim from.
 * A claim is a row lock held by the claiming transaction, so a worker that dies releases its work at once.
 */
public final class CallbackRepository {
    private static final String COLUMNS = """
            id, received_at, account_sid, call_sid, recording_sid, recording_status, params::text AS params, state, attempts,
            next_attempt_at, last_error""";
    static final RowMapper<CallbackRow> MAPPER = (rs, ctx) -> new CallbackRow(
            rs.getLong("id"), instant(rs.getTimestamp("received_at")), rs.getString("account_sid"), rs.getString("call_sid"),
            rs.getString("recording_sid"), rs.getString("recording_status"), rs.getString("params"), rs.getString("state"),
            rs.getInt("attempts"), instant(rs.getTimestamp("next_attempt_at")), rs.getString("last_error"));

    private final Jdbi jdbi;

    public CallbackRepository(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** A callback as received: {@code queued} false means it is only kept (in-progress), not archived. */
    public record Received(String accountSid, String callSid, String recordingSid, String status, String paramsJson, boolean queued) {
    }

    /** Stores a callback; false when the same RecordingSid and status was already stored (Twilio retried, or a replica got it first). */
    public boolean store(Received callback) {
        return jdbi.inTransaction(h -> store(h, List.of(callback))[0]);
    }

    /**
     * Stores callbacks in {@code h}'s transaction, one statement each sent together: many made durable by one commit.
     * Returns, for each, whether it was new. Callers that write concurrently pass them in (RecordingSid, status) order,
     * so two transactions wait on each other's keys in the same order.
     */
    public boolean[] store(Handle h, List<Received> callbacks) {
        PreparedBatch batch = h.prepareBatch("""
                INSERT INTO callbacks (account_sid, call_sid, recording_sid, recording_status, params, state)
                VALUES (:account, :call, :recording, :status, :params::jsonb, :state)
                ON CONFLICT (recording_sid, recording_status) DO NOTHING""");
        for (Received c : callbacks) {
            batch.bind("account", c.accountSid()).bind("call", c.callSid()).bind("recording", c.recordingSid()).bind("status", c.status())
                    .bind("params", c.paramsJson()).bind("state", c.queued() ? "pending" : "done")
                    .add();
        }
        int[] counts = batch.execute();
        boolean[] fresh = new boolean[counts.length];
        for (int i = 0; i < counts.length; i++) {
            fresh[i] = counts[i] == 1;
        }
        return fresh;
    }

    /** Locks and returns up to {@code limit} due callbacks that no other worker holds. Run inside a transaction. */
    public List<CallbackRow> claim(Handle h, int limit) {
        return h.createQuery("""
                        SELECT %s FROM callbacks
                        WHERE state = 'pending' AND next_attempt_at <= now()
                        ORDER BY next_attempt_at, id
                        LIMIT :limit
                        FOR UPDATE SKIP LOCKED""".formatted(COLUMNS))
                .bind("limit", limit).map(MAPPER).list();
    }

    public void markDone(Handle h, long id) {
        h.createUpdate("UPDATE callbacks SET state = 'done', attempts = attempts + 1, last_error = NULL, updated_at = now() WHERE id = :id")
                .bind("id", id).execute();
    }

    public void reschedule(Handle h, long id, Duration delay, String error) {
        h.createUpdate("""
                        UPDATE callbacks SET attempts = attempts + 1, last_error = :error, updated_at = now(),
                               next_attempt_at = now() + make_interval(secs => :delay)
                        WHERE id = :id""")
                .bind("id", id).bind("error", error).bind("delay", delay.toMillis() / 1000.0).execute();
    }

    public void markDead(Handle h, long id, String error) {
        h.createUpdate("UPDATE callbacks SET state = 'dead', attempts = attempts + 1, last_error = :error, updated_at = now() WHERE id = :id")
                .bind("id", id).bind("error", error).execute();
    }

    public Optional<CallbackRow> findById(long id) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM callbacks WHERE id = :id").bind("id", id).map(MAPPER).findOne());
    }

    public List<CallbackRow> findByRecordingSid(String recordingSid) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM callbacks WHERE recording_sid = :sid ORDER BY id")
                .bind("sid", recordingSid).map(MAPPER).list());
    }

    /** Which stored callbacks to pick; every field may be null (no condition). */
    public record Filter(List<Long> ids, String callSid, String recordingSid, String state, Instant since, Instant until) {
    }

    public List<CallbackRow> find(Filter f) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM callbacks WHERE true");
        if (f.ids() != null && !f.ids().isEmpty()) {
            sql.append(" AND id IN (<ids>)");
        }
        if (f.callSid() != null) {
            sql.append(" AND call_sid = :call");
        }
        if (f.recordingSid() != null) {
            sql.append(" AND recording_sid = :recording");
        }
        if (f.state() != null) {
            sql.append(" AND state = :state");
        }
        if (f.since() != null) {
            sql.append(" AND received_at >= :since");
        }
        if (f.until() != null) {
            sql.append(" AND received_at < :until");
        }
        sql.append(" ORDER BY id");
        return jdbi.withHandle(h -> {
            var q = h.createQuery(sql.toString());
            if (f.ids() != null && !f.ids().isEmpty()) {
                q.bindList("ids", f.ids());
            }
            q.bind("call", f.callSid()).bind("recording", f.recordingSid()).bind("state", f.state())
                    .bind("since", f.since() == null ? null : java.time.OffsetDateTime.ofInstant(f.since(), java.time.ZoneOffset.UTC))
                    .bind("until", f.until() == null ? null : java.time.OffsetDateTime.ofInstant(f.until(), java.time.ZoneOffset.UTC));
            return q.map(MAPPER).list();
        });
    }

    /** After a replay: done when it worked, else the error kept (and the state left as it was). */
    public void recordReplay(long id, boolean ok, String error) {
        jdbi.useHandle(h -> h.createUpdate(ok
                        ? "UPDATE callbacks SET state = 'done', attempts = attempts + 1, last_error = NULL, updated_at = now() WHERE id = :id"
                        : "UPDATE callbacks SET attempts = attempts + 1, last_error = :error, updated_at = now() WHERE id = :id")
                .bind("id", id).bind("error", error).execute());
    }

    /** Queue depth and the age of the oldest pending callback, for metrics and readiness. */
    public QueueStats stats() {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT count(*) FILTER (WHERE state = 'pending') AS pending,
                               count(*) FILTER (WHERE state = 'dead') AS dead,
                               coalesce(extract(epoch FROM now() - min(received_at) FILTER (WHERE state = 'pending')), 0) AS oldest
                        FROM callbacks""")
                .map((rs, ctx) -> new QueueStats(rs.getLong("pending"), rs.getLong("dead"), rs.getDouble("oldest"))).one());
    }

    public record QueueStats(long pending, long dead, double oldestPendingSeconds) {
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
