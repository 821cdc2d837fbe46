package dev.callvault.db;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jdbi.v3.core.Jdbi;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/**
 * The {@code audit_events} table: who listened to which recording (the spans they heard, as their player reported them)
 * and who downloaded it, when and from where.
 */
public final class AuditRepository {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Seconds of a recording heard, from {@code start} to {@code end}. */
    public record Span(double start, double end) {
        public Span {
            if (!(start >= 0 && end > start && Double.isFinite(end))) {
                throw new IllegalArgumentException("a span runs from a time to a later one, not " + start + " to " + end);
            }
        }

        double seconds() {
            return end - start;
        }
    }

    /**
     * One listen or download. {@code who} is a signed-in user's name, or "api token" / "signed link" for scripts;
     * {@code spans} and {@code heardSeconds} are set for a listen ({@code action} "listen"), empty otherwise.
     */
    public record Event(Instant at, String who, String action, UUID callId, UUID recordingId, String remote, String userAgent,
                        List<Span> spans, Double heardSeconds) {
    }

    private final Jdbi jdbi;

    public AuditRepository(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** A download (the download link, the API with its token, a signed link). */
    public void download(String who, UUID callId, UUID recordingId, String remote, String userAgent) {
        jdbi.useHandle(h -> h.createUpdate("""
                        INSERT INTO audit_events (who, action, call_id, recording_id, remote, user_agent)
                        VALUES (:who, 'download', :call, :recording, :remote, :agent)""")
                .bind("who", who).bind("call", callId).bind("recording", recordingId)
                .bind("remote", remote).bind("agent", agent(userAgent))
                .execute());
    }

    /**
     * What a person's player reports they heard, under the id the player made for this listen: the first report makes
     * the entry, later ones replace its spans (merged: overlapping or touching spans become one). A report under
     * another person's or another recording's listen id changes nothing. Returns the seconds heard now.
     */
    public double listened(UUID listenId, String who, UUID callId, UUID recordingId, List<Span> spans, String remote, String userAgent) {
        List<Span> merged = merge(spans);
        double heard = Math.round(merged.stream().mapToDouble(Span::seconds).sum() * 1000) / 1000.0;
        String json;
        try {
            json = JSON.writeValueAsString(merged.stream().map(s -> List.of(s.start(), s.end())).toList());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        jdbi.useHandle(h -> h.createUpdate("""
                        INSERT INTO audit_events (who, action, call_id, recording_id, remote, user_agent, listen_id, spans, heard_seconds, updated_at)
                        VALUES (:who, 'listen', :call, :recording, :remote, :agent, :listen, :spans::jsonb, :heard, now())
                        ON CONFLICT (listen_id) DO UPDATE SET spans = EXCLUDED.spans, heard_seconds = EXCLUDED.heard_seconds, updated_at = now()
                        WHERE audit_events.who = EXCLUDED.who AND audit_events.recording_id = EXCLUDED.recording_id""")
                .bind("who", who).bind("call", callId).bind("recording", recordingId).bind("remote", remote).bind("agent", agent(userAgent))
                .bind("listen", listenId).bind("spans", json).bind("heard", heard)
                .execute());
        return heard;
    }

    /** A call's events, newest first. */
    public List<Event> forCall(UUID callId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT at, who, action, call_id, recording_id, remote, user_agent, spans::text AS spans, heard_seconds FROM audit_events
                        WHERE call_id = :call ORDER BY at DESC, id DESC""")
                .bind("call", callId)
                .map((rs, ctx) -> new Event(rs.getObject("at", OffsetDateTime.class).toInstant(), rs.getString("who"), rs.getString("action"),
                        rs.getObject("call_id", UUID.class), rs.getObject("recording_id", UUID.class), rs.getString("remote"), rs.getString("user_agent"),
                        spans(rs.getString("spans")), rs.getObject("heard_seconds") == null ? null : rs.getDouble("heard_seconds")))
                .list());
    }

    /** Overlapping or touching spans as one, in order. */
    static List<Span> merge(List<Span> spans) {
        List<Span> sorted = spans.stream().sorted(Comparator.comparingDouble(Span::start)).toList();
        List<Span> merged = new ArrayList<>();
        for (Span s : sorted) {
            Span last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && s.start() <= last.end()) {
                merged.set(merged.size() - 1, new Span(last.start(), Math.max(last.end(), s.end())));
            } else {
                merged.add(s);
            }
        }
        return merged;
    }

    private static List<Span> spans(String json) {
        if (json == null) {
            return List.of();
        }
        try {
            List<Span> out = new ArrayList<>();
            for (var pair : JSON.readTree(json)) {
                out.add(new Span(pair.get(0).asDouble(), pair.get(1).asDouble()));
            }
            return out;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("audit spans that are not JSON: " + json, e);
        }
    }

    private static String agent(String userAgent) {
        return userAgent == null ? null : userAgent.substring(0, Math.min(200, userAgent.length()));
    }
}
