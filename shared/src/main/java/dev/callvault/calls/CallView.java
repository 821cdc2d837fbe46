package dev.callvault.calls;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.db.CallRow;
import dev.callvault.db.RecordingRow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A call and its recordings as people read them, in one set of words for the CLI and the console: what is not known
 * is said to be unknown, and a mixed recording is "upgraded from the real-time recording" only where one existed.
 */
public final class CallView {
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String UNKNOWN = "unknown";

    private CallView() {
    }

    /** One line: "call CA... (id) from +1555... to +1555..., assistant x, started 2026-...". */
    public static String summary(CallRow c) {
        return "call " + c.callSid() + " (" + c.id() + ") from " + known(c.fromNumber()) + " to " + known(c.toNumber())
                + (c.assistant() == null ? "" : ", assistant " + c.assistant()) + ", started " + known(c.startedAt());
    }

    /** Where a recording's audio comes from, in words. */
    public static String origin(RecordingRow r) {
        JsonNode meta = metadata(r);
        String base;
        if (r.recordingSid() != null) {
            base = meta.hasNonNull("original_s3_key") ? "Twilio's recording " + r.recordingSid() + ", upgraded from the real-time recording "
                    + meta.get("original_s3_key").asText() : "Twilio's recording " + r.recordingSid();
        } else if (r.streamSid() != null) {
            base = "real-time recording of stream " + r.streamSid();
        } else {
            base = "recording";
        }
        if (meta.hasNonNull("failure")) {
            base += "; failed: " + meta.get("failure").asText();
        }
        if (meta.hasNonNull("twilio_status") && r.recordingSid() == null) {
            base += "; Twilio's recording " + meta.path("twilio_recording_sid").asText(UNKNOWN) + " is " + meta.get("twilio_status").asText();
        }
        return base;
    }

    /** The real-time object a mixed row was upgraded from, or null when it never had one. */
    public static String upgradedFrom(RecordingRow r) {
        JsonNode meta = metadata(r);
        return r.recordingSid() != null && meta.hasNonNull("original_s3_key") ? meta.get("original_s3_key").asText() : null;
    }

    /** The call as a JSON object (unknown values are null). */
    public static Map<String, Object> call(CallRow c) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("id", c.id().toString());
        doc.put("call_sid", c.callSid());
        doc.put("account_sid", c.accountSid());
        doc.put("from", c.fromNumber());
        doc.put("to", c.toNumber());
        doc.put("assistant", c.assistant());
        doc.put("started_at", c.startedAt() == null ? null : c.startedAt().toString());
        return doc;
    }

    /** A recording as a JSON object, with its origin in words. */
    public static Map<String, Object> recording(RecordingRow r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id().toString());
        m.put("type", r.recordingType());
        m.put("status", r.status());
        m.put("source", r.recordingSource());
        m.put("recording_sid", r.recordingSid());
        m.put("stream_sid", r.streamSid());
        m.put("key", r.s3Key());
        m.put("format", r.format());
        m.put("channels", r.channels());
        m.put("duration_seconds", r.durationSeconds());
        m.put("file_size", r.fileSize());
        m.put("sha256", r.sha256());
        m.put("upgraded_from", upgradedFrom(r));
        m.put("origin", origin(r));
        return m;
    }

    /** A play or download as a JSON object. */
    public static Map<String, Object> audit(dev.callvault.db.AuditRepository.Event e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("at", e.at().toString());
        m.put("who", e.who());
        m.put("action", e.action());
        m.put("recording_id", e.recordingId().toString());
        m.put("remote", e.remote());
        m.put("user_agent", e.userAgent());
        return m;
    }

    /** A call's conversation analytics as a JSON object (null values where there was nothing to measure). */
    public static Map<String, Object> analytics(dev.callvault.db.AnalyticsRepository.Stored a) {
        var c = a.conversation();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", a.source());
        m.put("recording_ids", a.recordingIds().stream().map(Object::toString).toList());
        m.put("computed_at", a.computedAt().toString());
        m.put("seconds", c.seconds());
        m.put("caller_talk_seconds", c.callerTalk());
        m.put("assistant_talk_seconds", c.assistantTalk());
        m.put("silence_seconds", c.silence());
        m.put("overlap_seconds", c.overlap());
        m.put("longest_silence_seconds", c.longestSilence());
        m.put("turns", c.turns());
        m.put("barge_ins", c.bargeIns());
        Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("p50", c.latency(50));
        latency.put("p95", c.latency(95));
        latency.put("max", c.maxLatency());
        latency.put("each", c.latencies());
        m.put("response_latency_seconds", latency);
        m.put("caller_segments", c.caller().stream().map(x -> java.util.List.of(x.start(), x.end())).toList());
        m.put("assistant_segments", c.assistant().stream().map(x -> java.util.List.of(x.start(), x.end())).toList());
        return m;
    }

    /** The analytics in a few lines of text. */
    public static java.util.List<String> analyticsText(dev.callvault.db.AnalyticsRepository.Stored a) {
        var c = a.conversation();
        String latency = c.latencies().isEmpty() ? "none (the assistant never answered the caller)"
                : String.format("p50 %.2f s, p95 %.2f s, max %.2f s over %d replies", c.latency(50), c.latency(95), c.maxLatency(), c.latencies().size());
        return java.util.List.of(
                "conversation (from " + (a.source().equals("twilio") ? "Twilio's dual-channel recording" : "the real-time tracks") + "):",
                String.format("  talk      caller %.1f s, assistant %.1f s, overlap %.1f s, silence %.1f s (longest %.1f s) of %.1f s",
                        c.callerTalk(), c.assistantTalk(), c.overlap(), c.silence(), c.longestSilence(), c.seconds()),
                "  turns     " + c.turns() + ", barge-ins " + c.bargeIns(),
                "  latency   " + latency);
    }

    private static String known(Object value) {
        return value == null ? UNKNOWN : value.toString();
    }

    private static JsonNode metadata(RecordingRow r) {
        try {
            return JSON.readTree(r.metadataJson() == null ? "{}" : r.metadataJson());
        } catch (IOException e) {
            throw new UncheckedIOException("recording " + r.id() + " has metadata that is not JSON", e);
        }
    }
}
