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
        Map<String, String> error = twilioError(r);
        if (meta.hasNonNull("twilio_status") && r.recordingSid() == null) {
            base += "; Twilio's recording " + meta.path("twilio_recording_sid").asText(UNKNOWN) + " is " + meta.get("twilio_status").asText()
                    + (error != null ? " (" + error.get("meaning") + ")" : "");
        } else if (error != null) {
            base += "; Twilio reported " + error.get("meaning");
        }
        if (meta.path("encryption").isObject()) {
            base += "; encrypted by Twilio with public key " + meta.path("encryption").path("public_key_sid").asText(UNKNOWN) + " (kept encrypted here)";
        }
        return base;
    }

    /**
     * The error Twilio's status callback gave the recording, kept with its row ({@code code}, and its {@code meaning}: what
     * callvault knows of it, as "16105: Twilio did not store the recording: ..."); null when Twilio reported none.
     */
    public static Map<String, String> twilioError(RecordingRow r) {
        JsonNode meta = metadata(r);
        String code = meta.hasNonNull("twilio_error_code") ? meta.get("twilio_error_code").asText() : null;
        if (!dev.callvault.twilio.TwilioErrors.isError(code)) {
            return null;
        }
        String meaning = meta.hasNonNull("twilio_error") ? meta.get("twilio_error").asText() : dev.callvault.twilio.TwilioErrors.meaning(code);
        Map<String, String> m = new LinkedHashMap<>();
        m.put("code", code);
        m.put("meaning", meaning != null ? meaning : code + ": Twilio's error " + code + " (its error dictionary says what it means)");
        return m;
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

    /** What a person calls a recording: "mixed (Twilio's dual-channel)", "caller (real-time)", ... */
    public static String name(RecordingRow r) {
        if (r.recordingSid() != null) {
            return r.recordingType().equals("mixed") ? "mixed (Twilio's dual-channel)" : "Twilio's recording";
        }
        return switch (r.recordingType()) {
            case "user" -> "caller (real-time)";
            case "assistant" -> "assistant (real-time)";
            case "mixed" -> "mixed (real-time)";
            default -> r.recordingType();
        };
    }

    /** The file a recording is downloaded as: {@code CA..._mixed-twilio.mp3}, {@code CA..._caller-realtime.wav}. */
    public static String fileName(CallRow c, RecordingRow r) {
        String what = r.recordingSid() != null ? (r.recordingType().equals("mixed") ? "mixed-twilio" : "twilio")
                : (r.recordingType().equals("user") ? "caller" : r.recordingType()) + "-realtime";
        return c.callSid() + "_" + what + "." + (r.format() == null ? "bin" : r.format());
    }

    /** The order recordings are shown in, whatever order they were made in: Twilio's mixed, real-time mixed, caller, assistant. */
    public static final java.util.Comparator<RecordingRow> ORDER = java.util.Comparator.comparingInt((RecordingRow r) ->
            r.recordingSid() != null ? 0 : switch (r.recordingType()) {
                case "mixed" -> 1;
                case "user" -> 2;
                case "assistant" -> 3;
                default -> 4;
            }).thenComparing(RecordingRow::createdAt, java.util.Comparator.nullsLast(java.util.Comparator.naturalOrder()));

    /** When a recording's audio starts: Twilio's start time, else (real-time) when its row was made at the stream's start. */
    public static java.time.Instant startOf(RecordingRow r) {
        JsonNode start = metadata(r).path("start_time");
        if (start.isTextual()) {
            try {
                return java.time.Instant.parse(start.asText());
            } catch (java.time.format.DateTimeParseException e) {
                // fall through: the row's own time
            }
        }
        return r.createdAt();
    }

    /** A recording as a JSON object, with its name and origin in words, and where it starts on the call's timeline. */
    public static Map<String, Object> recording(CallRow c, RecordingRow r, java.time.Instant zero) {
        Map<String, Object> m = recording(r);
        java.time.Instant start = startOf(r);
        m.put("offset_seconds", zero == null || start == null ? 0.0 : Math.max(0, java.time.Duration.between(zero, start).toMillis() / 1000.0));
        m.put("file_name", fileName(c, r));
        return m;
    }

    /** A recording as a JSON object, with its origin in words. */
    public static Map<String, Object> recording(RecordingRow r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id().toString());
        m.put("name", name(r));
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
        m.put("twilio_error", twilioError(r));
        return m;
    }

    /** A listen or download as a JSON object. */
    public static Map<String, Object> audit(dev.callvault.db.AuditRepository.Event e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("at", e.at().toString());
        m.put("who", e.who());
        m.put("action", e.action());
        m.put("recording_id", e.recordingId().toString());
        if (e.action().equals("listen")) {
            m.put("heard_seconds", e.heardSeconds());
            m.put("spans", e.spans().stream().map(s -> java.util.List.of(s.start(), s.end())).toList());
        }
        m.put("remote", e.remote());
        m.put("user_agent", e.userAgent());
        return m;
    }

    /** An audit entry in words: "alice listened to 0:05 (0:00-0:03, 0:20-0:22)", "api token downloaded it". */
    public static String auditWords(dev.callvault.db.AuditRepository.Event e) {
        return switch (e.action()) {
            case "listen" -> e.who() + " listened to " + clock(e.heardSeconds() == null ? 0 : e.heardSeconds()) + " ("
                    + String.join(", ", e.spans().stream().map(s -> clock(s.start()) + "-" + clock(s.end())).toList()) + ")";
            case "download" -> e.who() + " downloaded it";
            default -> e.who() + " fetched it for playing (before listens were reported by the player)";
        };
    }

    /** A pause of the call's recording as a JSON object, with its span in the stream's seconds where known. */
    public static Map<String, Object> pause(dev.callvault.db.PauseRepository.Pause p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("started_at", p.startedAt().toString());
        m.put("ended_at", p.endedAt() == null ? null : p.endedAt().toString());
        m.put("ended_with_call", p.endedWithCall());
        m.put("stream_from", p.streamFrom());
        m.put("stream_to", p.streamTo());
        m.put("by", p.by());
        m.put("reason", p.reason());
        m.put("realtime", p.realtime());
        m.put("twilio", p.twilio().paused());
        m.put("twilio_confirmed_at", p.twilio().pausedAt() == null ? null : p.twilio().pausedAt().toString());
        m.put("twilio_tries", p.twilio().pauseTries());
        m.put("twilio_resumed", p.twilio().resumed());
        m.put("twilio_resume_confirmed_at", p.twilio().resumedAt() == null ? null : p.twilio().resumedAt().toString());
        m.put("twilio_resume_tries", p.twilio().resumeTries());
        m.put("twilio_may_hold_it", p.twilioMayHold());
        m.put("words", pauseWords(p));
        return m;
    }

    /**
     * "paused 0:10-0:20 by support-bot (card payment): the real-time recorder and Twilio's recording paused", with a
     * warning when Twilio's recording may hold the span, and what ended it when the call did.
     */
    public static String pauseWords(dev.callvault.db.PauseRepository.Pause p) {
        String span = p.streamFrom() != null ? clock(p.streamFrom()) + "-" + (p.streamTo() != null ? clock(p.streamTo()) : (p.endedAt() == null ? "now" : "the end"))
                : p.startedAt() + " to " + (p.endedAt() == null ? "now" : p.endedAt());
        String realtime = p.realtime() ? "; the real-time recorder paused" : "";
        var twilio = p.twilio();
        String recorders;
        if (!p.twilioMayHold()) {
            boolean none = "no recording".equals(twilio.paused());
            recorders = (p.realtime() ? "the real-time recorder" : "") + (p.realtime() && !none ? " and " : "") + (none ? "" : "Twilio's recording") + " paused";
        } else if (twilio.pausedAt() != null) {
            recorders = "WARNING: Twilio confirmed the pause only at " + twilio.pausedAt() + ", " + seconds(p.startedAt(), twilio.pausedAt())
                    + " s after it was asked (" + tries(twilio.pauseTries()) + "): its recording may hold this span up to then" + realtime;
        } else if (twilio.paused().startsWith("not confirmed: ")) {
            recorders = "WARNING: Twilio never confirmed the pause (" + twilio.paused().substring("not confirmed: ".length()) + ", "
                    + tries(twilio.pauseTries()) + "): its recording may hold this span" + realtime;
        } else {
            String last = twilio.paused().startsWith("failed: ") ? twilio.paused().substring("failed: ".length()) : "no answer yet";
            recorders = "WARNING: Twilio has not confirmed the pause (" + last + ", " + tries(twilio.pauseTries())
                    + "): its recording may hold this span" + (p.endedAt() == null ? "; it is asked again until it confirms or the call ends" : "") + realtime;
        }
        return "paused " + span + " by " + p.by() + " (" + p.reason() + "): " + recorders + (p.endedWithCall() ? "; the call ended while paused" : "");
    }

    private static String tries(int n) {
        return n == 1 ? "1 request" : n + " requests";
    }

    private static String seconds(java.time.Instant from, java.time.Instant to) {
        return String.format(java.util.Locale.ROOT, "%.1f", java.time.Duration.between(from, to).toMillis() / 1000.0);
    }

    /** Seconds as m:ss (or h:mm:ss). */
    public static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s % 3600 / 60, s % 60) : String.format("%d:%02d", s / 60, s % 60);
    }

    /** A call's conversation analytics as a JSON object (null values where there was nothing to measure). */
    public static Map<String, Object> analytics(dev.callvault.db.AnalyticsRepository.Stored a) {
        var c = a.conversation();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", a.source());
        m.put("recording_ids", a.recordingIds().stream().map(Object::toString).toList());
        m.put("analyzer_version", a.analyzerVersion());
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
        m.put("replies", c.replies().stream().map(r -> java.util.List.of(r[0], r[1])).toList());
        m.put("barge_ins_at", c.bargeInTimes());
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
