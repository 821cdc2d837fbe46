package dev.callvault.db;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.analysis.Conversation;
import dev.callvault.analysis.Segment;
import org.jdbi.v3.core.Jdbi;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** The {@code call_analytics} table: a call's conversation analytics, and which recordings they were read from. */
public final class AnalyticsRepository {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A stored analysis: where from, by which version of the analyser (null: before versions were kept), when, and what it found. */
    public record Stored(String source, List<UUID> recordingIds, Integer analyzerVersion, Conversation conversation, Instant computedAt) {
    }

    private final Jdbi jdbi;

    public AnalyticsRepository(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public void save(UUID callId, String source, List<UUID> recordingIds, int analyzerVersion, Conversation c) {
        Map<String, Object> segments = new LinkedHashMap<>();
        segments.put("caller", c.caller().stream().map(s -> List.of(s.start(), s.end())).toList());
        segments.put("assistant", c.assistant().stream().map(s -> List.of(s.start(), s.end())).toList());
        segments.put("paused", c.paused().stream().map(s -> List.of(s.start(), s.end())).toList());
        jdbi.useHandle(h -> h.createUpdate("""
                        INSERT INTO call_analytics (call_id, source, recording_ids, analyzer_version, seconds, caller_talk, assistant_talk, silence,
                                                    overlap, barge_ins, turns, longest_silence, latency_p50, latency_p95, latency_max, latencies, segments)
                        VALUES (:call, :source, :ids, :version, :seconds, :callerTalk, :assistantTalk, :silence, :overlap, :bargeIns, :turns, :longest,
                                :p50, :p95, :max, CAST(:latencies AS jsonb), CAST(:segments AS jsonb))
                        ON CONFLICT (call_id) DO UPDATE SET source = EXCLUDED.source, recording_ids = EXCLUDED.recording_ids,
                            analyzer_version = EXCLUDED.analyzer_version,
                            seconds = EXCLUDED.seconds, caller_talk = EXCLUDED.caller_talk, assistant_talk = EXCLUDED.assistant_talk,
                            silence = EXCLUDED.silence, overlap = EXCLUDED.overlap, barge_ins = EXCLUDED.barge_ins, turns = EXCLUDED.turns,
                            longest_silence = EXCLUDED.longest_silence, latency_p50 = EXCLUDED.latency_p50, latency_p95 = EXCLUDED.latency_p95,
                            latency_max = EXCLUDED.latency_max, latencies = EXCLUDED.latencies, segments = EXCLUDED.segments, computed_at = now()""")
                .bind("call", callId).bind("source", source).bind("ids", recordingIds.toArray(new UUID[0])).bind("version", analyzerVersion)
                .bind("seconds", c.seconds()).bind("callerTalk", c.callerTalk()).bind("assistantTalk", c.assistantTalk())
                .bind("silence", c.silence()).bind("overlap", c.overlap()).bind("bargeIns", c.bargeIns()).bind("turns", c.turns())
                .bind("longest", c.longestSilence()).bind("p50", c.latency(50)).bind("p95", c.latency(95)).bind("max", c.maxLatency())
                .bind("latencies", json(c.latencies())).bind("segments", json(segments)).execute());
    }

    public Optional<Stored> find(UUID callId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT source, recording_ids, analyzer_version, seconds, segments::text AS segments, computed_at
                        FROM call_analytics WHERE call_id = :call""")
                .bind("call", callId)
                .map((rs, ctx) -> {
                    UUID[] ids = (UUID[]) rs.getArray("recording_ids").getArray();
                    var segments = read(rs.getString("segments"));
                    Conversation c = Conversation.of(rs.getDouble("seconds"), segments(segments.path("caller")), segments(segments.path("assistant")),
                            segments(segments.path("paused")));
                    return new Stored(rs.getString("source"), List.of(ids), rs.getObject("analyzer_version", Integer.class), c,
                            rs.getObject("computed_at", OffsetDateTime.class).toInstant());
                }).findOne());
    }

    private static List<Segment> segments(com.fasterxml.jackson.databind.JsonNode list) {
        List<Segment> out = new ArrayList<>();
        list.forEach(s -> out.add(new Segment(s.get(0).asDouble(), s.get(1).asDouble())));
        return out;
    }

    private static com.fasterxml.jackson.databind.JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
