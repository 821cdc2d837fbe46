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
