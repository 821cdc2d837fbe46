package dev.callvault.db;

import org.jdbi.v3.core.Jdbi;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/** The {@code audit_events} table: every play and download, who made it, when and from where. */
public final class AuditRepository {
    /** One play or download. {@code who} is a signed-in user's name, or "api token" / "signed link" for scripts. */
    public record Event(Instant at, String who, String action, UUID callId, UUID recordingId, String remote, String userAgent) {
    }

    private final Jdbi jdbi;

    public AuditRepository(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public void record(String who, String action, UUID callId, UUID recordingId, String remote, String userAgent) {
        jdbi.useHandle(h -> h.createUpdate("""
                        INSERT INTO audit_events (who, action, call_id, recording_id, remote, user_agent)
                        VALUES (:who, :action, :call, :recording, :remote, :agent)""")
                .bind("who", who).bind("action", action).bind("call", callId).bind("recording", recordingId)
                .bind("remote", remote).bind("agent", userAgent == null ? null : userAgent.substring(0, Math.min(200, userAgent.length())))
                .execute());
    }

    /** A call's events, newest first. */
    public List<Event> forCall(UUID callId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT at, who, action, call_id, recording_id, remote, user_agent FROM audit_events
                        WHERE call_id = :call ORDER BY at DESC, id DESC""")
                .bind("call", callId)
                .map((rs, ctx) -> new Event(rs.getObject("at", OffsetDateTime.class).toInstant(), rs.getString("who"), rs.getString("action"),
                        rs.getObject("call_id", UUID.class), rs.getObject("recording_id", UUID.class), rs.getString("remote"), rs.getString("user_agent")))
                .list());
    }
}
