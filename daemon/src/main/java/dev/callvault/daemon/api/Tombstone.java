package dev.callvault.daemon.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.daemon.HttpSupport.Problem;
import dev.callvault.db.RecordingRow;
import org.jdbi.v3.core.Jdbi;

import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A recording deleted everywhere, as its tombstone row tells it (privacy/Purge writes it): when, by whom, why, and
 * whether a person erased it or a retention policy deleted it; in a sentence a person can act on, which is what its
 * audio, its download and its waveform answer (410 Gone) and what the console shows in its place.
 */
public record Tombstone(UUID recordingId, Instant at, String by, String why, boolean byRetention) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** True for a row whose audio was deleted on purpose: {@code erased} or {@code expired}. */
    public static boolean is(RecordingRow r) {
        return "erased".equals(r.status()) || "expired".equals(r.status());
    }

    /** The tombstone of {@code row}, when it is one. */
    public static Optional<Tombstone> of(Jdbi jdbi, RecordingRow row) {
        return Optional.ofNullable(of(jdbi, List.of(row)).get(row.id()));
    }

    /** The tombstones among {@code rows}, by recording id (one query: RecordingRow does not carry deleted_at). */
    public static Map<UUID, Tombstone> of(Jdbi jdbi, List<RecordingRow> rows) {
        List<RecordingRow> deleted = rows.stream().filter(Tombstone::is).toList();
        if (deleted.isEmpty()) {
            return Map.of();
        }
        Map<UUID, Instant> when = jdbi.withHandle(h -> h.createQuery("SELECT id, deleted_at FROM recordings WHERE id IN (<ids>)")
                .bindList("ids", deleted.stream().map(RecordingRow::id).toList())
                .reduceRows(new LinkedHashMap<UUID, Instant>(), (m, rv) -> {
                    OffsetDateTime at = rv.getColumn("deleted_at", OffsetDateTime.class);
                    m.put(rv.getColumn("id", UUID.class), at == null ? null : at.toInstant());
                    return m;
                }));
        Map<UUID, Tombstone> out = new LinkedHashMap<>();
        for (RecordingRow r : deleted) {
            JsonNode meta = metadata(r);
            out.put(r.id(), new Tombstone(r.id(), when.get(r.id()), text(meta, "deleted_by"), text(meta, "deleted_why"), "expired".equals(r.status())));
        }
        return out;
    }

    /**
     * "recording X was erased on 2026-11-30T09:15:00Z by bob (GDPR request 2026-400)", or "... was deleted on ... by the
     * retention policy (retention.days = 30)"; what the row does not say is left out rather than called unknown.
     */
    public String sentence() {
        String when = at == null ? "" : " on " + at.truncatedTo(ChronoUnit.SECONDS);
        String who = byRetention ? " by the retention policy" : by == null ? "" : " by " + by;
        return "recording " + recordingId + " was " + (byRetention ? "deleted" : "erased") + when + who + (why == null ? "" : " (" + why + ")");
    }

    /** The answer to a request for its audio: 410, the sentence. */
    public Problem gone() {
        return new Problem(410, sentence());
    }

    /** As a recording's {@code deleted} object in the call's JSON: at, by, why, for (erasure, retention), words. */
    public Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("at", at == null ? null : at.toString());
        m.put("by", by);
        m.put("why", why);
        m.put("for", byRetention ? "retention" : "erasure");
        m.put("words", sentence());
        return m;
    }

    private static String text(JsonNode meta, String field) {
        JsonNode v = meta.path(field);
        return v.isTextual() && !v.asText().isBlank() ? v.asText() : null;
    }

    private static JsonNode metadata(RecordingRow r) {
        try {
            return JSON.readTree(r.metadataJson() == null ? "{}" : r.metadataJson());
        } catch (IOException e) {
            throw new IllegalStateException("recording " + r.id() + " has metadata that is not JSON", e);
        }
    }
}
