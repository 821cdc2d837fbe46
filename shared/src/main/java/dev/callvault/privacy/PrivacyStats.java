package dev.callvault.privacy;

import org.jdbi.v3.core.Jdbi;

import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * The lifecycle in numbers, for the metrics and their alerts: recordings deleted by policy and by erasure (their
 * tombstones), erasures not yet complete, holds in force, and when retention last finished a run.
 */
public record PrivacyStats(long expired, long erased, long openErasures, long activeHolds, Instant lastRetentionRun) {
    public static final PrivacyStats NONE = new PrivacyStats(0, 0, 0, 0, null);

    public static PrivacyStats read(Jdbi jdbi) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT (SELECT count(*) FROM recordings WHERE status = 'expired') AS expired,
                               (SELECT count(*) FROM recordings WHERE status = 'erased') AS erased,
                               (SELECT count(*) FROM erasures WHERE state IN ('running', 'partial')) AS open_erasures,
                               (SELECT count(*) FROM legal_holds WHERE removed_at IS NULL AND (until_date IS NULL OR until_date >= current_date)) AS holds,
                               (SELECT max(finished_at) FROM retention_runs WHERE NOT dry_run) AS last_run""")
                .map((rs, ctx) -> {
                    OffsetDateTime last = rs.getObject("last_run", OffsetDateTime.class);
                    return new PrivacyStats(rs.getLong("expired"), rs.getLong("erased"), rs.getLong("open_erasures"), rs.getLong("holds"),
                            last == null ? null : last.toInstant());
                }).one());
    }
}
