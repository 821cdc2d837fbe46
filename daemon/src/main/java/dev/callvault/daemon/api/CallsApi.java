package dev.callvault.daemon.api;

import dev.callvault.calls.CallSearch;
import dev.callvault.calls.CallView;
import dev.callvault.daemon.console.ConsoleAuth;
import dev.callvault.db.RecordingRow;
import dev.callvault.derived.Waveforms;
import dev.callvault.daemon.HttpSupport;
import dev.callvault.daemon.HttpSupport.Problem;
import dev.callvault.db.AuditRepository;
import dev.callvault.db.CallRepository;
import dev.callvault.db.CallRow;
import dev.callvault.db.RecordingRepository;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code /api/v1/calls} (the calls list: filters, newest first, cursor paging) and {@code /api/v1/calls/{call}} (a call
 * with its recordings), in the words of {@link CallView}. For scripts with the bearer token; the console uses them too.
 */
public final class CallsApi {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private static final int DEFAULT_LIMIT = 50;
    private static final int MAX_LIMIT = 200;

    private final ConsoleAuth auth;
    private final CallSearch search;
    private final Waveforms waveforms;
    private final dev.callvault.db.AnalyticsRepository analytics;
    private final CallRepository calls;
    private final RecordingRepository recordings;
    private final AuditRepository audit;

    private final java.util.function.Supplier<String> phoneRegion;
    private final PrivacyApi privacy;

    public CallsApi(ConsoleAuth auth, CallSearch search, CallRepository calls, RecordingRepository recordings, AuditRepository audit,
                    dev.callvault.db.AnalyticsRepository analytics, Waveforms waveforms, java.util.function.Supplier<String> phoneRegion,
                    PrivacyApi privacy) {
        this.privacy = privacy;
        this.phoneRegion = phoneRegion;
        this.audit = audit;
        this.auth = auth;
        this.waveforms = waveforms;
        this.analytics = analytics;
        this.search = search;
        this.calls = calls;
        this.recordings = recordings;
    }

    public void list(HttpServerExchange ex) {
        authenticate(ex);
        CallSearch.Filter filter = new CallSearch.Filter(
                HttpSupport.param(ex, "call_sid").filter(s -> !s.isBlank()).map(CallsApi::sidPrefix).orElse(null),
                HttpSupport.param(ex, "number").filter(s -> !s.isBlank()).map(this::number).orElse(null),
                HttpSupport.param(ex, "assistant").filter(s -> !s.isBlank()).orElse(null),
                instant(ex, "since"), instant(ex, "until"), state(ex),
                HttpSupport.param(ex, "realtime").filter(s -> !s.isBlank()).map(CallsApi::realtimeFailed).orElse(false));
        int limit = HttpSupport.param(ex, "limit").map(CallsApi::limit).orElse(DEFAULT_LIMIT);
        CallSearch.Page page;
        try {
            page = search.find(filter, HttpSupport.param(ex, "cursor").orElse(null), limit);
        } catch (IllegalArgumentException e) {
            throw new Problem(400, e.getMessage());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("calls", page.calls().stream().map(l -> {
            Map<String, Object> m = CallView.call(l.call());
            m.put("live", l.live());
            m.put("duration_seconds", l.seconds());
            m.put("archive", l.archive());
            m.put("realtime", l.realtime());
            return m;
        }).toList());
        body.put("next_cursor", page.next().orElse(null));
        HttpSupport.json(ex, 200, "application/json", body);
    }

    public void one(HttpServerExchange ex) {
        ConsoleAuth.Who who = auth.require(ex);
        String id = HttpSupport.param(ex, "call_id").orElse("");
        CallRow c = calls.find(id).orElseThrow(() -> new Problem(404, "no call " + id));
        Map<String, Object> body = CallView.call(c);
        var rows = recordings.findByCall(c.id()).stream().sorted(CallView.ORDER).toList();
        // the call's timeline starts when Twilio told us of it, or with its first recording
        Instant zero = c.startedAt() != null ? c.startedAt()
                : rows.stream().map(CallView::startOf).filter(java.util.Objects::nonNull).min(Instant::compareTo).orElse(null);
        boolean live = rows.stream().anyMatch(r -> "in-progress".equals(r.status()));
        body.put("live", live);
        body.put("duration_seconds", live ? null : rows.stream().filter(RecordingRow::completed).map(RecordingRow::durationSeconds)
                .filter(java.util.Objects::nonNull).map(java.math.BigDecimal::doubleValue).max(Double::compare).orElse(null));
        var tombstones = Tombstone.of(recordings.jdbi(), rows);
        body.put("recordings", rows.stream().map(r -> {
            Map<String, Object> m = CallView.recording(c, r, zero);
            m.put("deleted", tombstones.containsKey(r.id()) ? tombstones.get(r.id()).json() : null);
            return m;
        }).toList());
        body.put("analytics", analytics.find(c.id()).map(CallView::analytics).orElse(null));
        body.put("privacy", privacy.about(c, rows, who));
        var pauses = dev.callvault.pause.Pauses.of(recordings.jdbi(), c.id());
        // on the call's timeline: the stream's seconds placed where the real-time tracks start, else the wall clock
        Instant streamStart = rows.stream().filter(r -> r.streamSid() != null && r.recordingSid() == null).map(CallView::startOf)
                .filter(java.util.Objects::nonNull).min(Instant::compareTo).orElse(null);
        double offset = streamStart != null && zero != null ? seconds(zero, streamStart) : 0;
        body.put("pauses", pauses.stream().map(p -> {
            Map<String, Object> m = CallView.pause(p);
            m.put("call_from", p.streamFrom() != null ? offset + p.streamFrom() : zero == null ? 0 : seconds(zero, p.startedAt()));
            m.put("call_to", callTo(p, offset, zero));
            return m;
        }).toList());
        body.put("twilio_may_hold_paused_audio", pauses.stream().anyMatch(dev.callvault.db.PauseRepository.Pause::twilioMayHold));
        body.put("audit", audit.forCall(c.id()).stream().map(e -> {
            Map<String, Object> m = CallView.audit(e);
            m.put("words", CallView.auditWords(e));
            rows.stream().filter(r -> r.id().equals(e.recordingId())).findFirst().ifPresent(r -> m.put("recording", CallView.name(r)));
            return m;
        }).toList());
        HttpSupport.json(ex, 200, "application/json", body);
    }

    /**
     * {@code POST /api/v1/calls/{call}/recordings/{recording}/listens}: what a signed-in person's player heard, as it
     * reports it (JSON {@code {"listen": UUID, "spans": [[start, end], ...], "csrf": token}}; the token may come in the
     * {@code X-CSRF-Token} header instead). Only people listen: the API token and signed links download.
     */
    public void listened(HttpServerExchange ex) throws java.io.IOException {
        ConsoleAuth.Who who = auth.require(ex);
        if (who.session() == null && !who.person()) {
            throw new Problem(403, "listens are reported by the console's player for a signed-in person; scripts download");
        }
        byte[] body = ex.getInputStream().readNBytes(64 * 1024 + 1);
        if (body.length > 64 * 1024) {
            throw new Problem(413, "a listen report is at most 64 KiB");
        }
        com.fasterxml.jackson.databind.JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (java.io.IOException e) {
            throw new Problem(400, "a listen report is JSON: {\"listen\": id, \"spans\": [[start, end], ...]}");
        }
        if (who.session() != null) {
            String token = ex.getRequestHeaders().getFirst("X-CSRF-Token");
            auth.checkSameOrigin(ex, token != null ? token : json.path("csrf").asText(null), who.session().csrf());
        }
        String id = HttpSupport.param(ex, "call_id").orElse("");
        CallRow c = calls.find(id).orElseThrow(() -> new Problem(404, "no call " + id));
        String rid = HttpSupport.param(ex, "recording_id").orElse("");
        RecordingRow row = recordings.findByCall(c.id()).stream().filter(r -> r.id().toString().equals(rid)).findFirst()
                .orElseThrow(() -> new Problem(404, "no recording " + rid + " in call " + id));
        java.util.UUID listen;
        try {
            listen = java.util.UUID.fromString(json.path("listen").asText(""));
        } catch (IllegalArgumentException e) {
            throw new Problem(400, "listen: the id the player made for this listen (a UUID)");
        }
        java.util.List<AuditRepository.Span> spans = new java.util.ArrayList<>();
        var array = json.path("spans");
        if (!array.isArray() || array.isEmpty() || array.size() > 1000) {
            throw new Problem(400, "spans: 1 to 1000 pairs of seconds [start, end] that the person heard");
        }
        double limit = row.durationSeconds() == null ? Double.MAX_VALUE : row.durationSeconds().doubleValue() + 1;
        for (var pair : array) {
            if (!pair.isArray() || pair.size() != 2 || !pair.get(0).isNumber() || !pair.get(1).isNumber()) {
                throw new Problem(400, "spans: each is a pair of seconds [start, end]");
            }
            double start = pair.get(0).asDouble();
            double end = Math.min(pair.get(1).asDouble(), limit);
            if (end - start < 0.05) {
                continue; // a play stopped at once: nothing was heard
            }
            try {
                spans.add(new AuditRepository.Span(start, end));
            } catch (IllegalArgumentException e) {
                throw new Problem(400, "spans: " + e.getMessage());
            }
        }
        if (!spans.isEmpty()) {
            var source = ex.getSourceAddress();
            audit.listened(listen, who.name(), c.id(), row.id(), spans, source == null ? null : source.getAddress().getHostAddress(),
                    ex.getRequestHeaders().getFirst(Headers.USER_AGENT));
        }
        ex.setStatusCode(204);
        ex.endExchange();
    }

    /**
     * {@code /api/v1/calls/{call}/recordings/{recording}/peaks}: the recording's waveform as audiowaveform JSON
     * (version 2), computed now when it has none yet; 410 for a recording erased or deleted by retention.
     */
    public void peaks(HttpServerExchange ex) throws java.io.IOException {
        authenticate(ex);
        String id = HttpSupport.param(ex, "call_id").orElse("");
        CallRow c = calls.find(id).orElseThrow(() -> new Problem(404, "no call " + id));
        String rid = HttpSupport.param(ex, "recording_id").orElse("");
        RecordingRow row = recordings.findByCall(c.id()).stream().filter(r -> r.id().toString().equals(rid)).findFirst()
                .orElseThrow(() -> new Problem(404, "no recording " + rid + " in call " + id));
        var deleted = Tombstone.of(recordings.jdbi(), row);
        if (deleted.isPresent()) {
            throw deleted.get().gone();
        }
        if (dev.callvault.crypto.RecordingCipher.details(row.metadataJson()) != null) {
            throw new Problem(409, "recording " + rid + " is encrypted (Twilio's Voice Recording Encryption): no waveform is made of it; play it to hear it");
        }
        if (row.s3Key() == null || !row.completed()) {
            throw new Problem(409, "recording " + rid + " has no stored audio yet (status " + row.status() + "); its waveform comes when it is completed");
        }
        String json;
        try {
            json = waveforms.of(row);
        } catch (java.io.IOException e) {
            throw new Problem(422, "the audio of recording " + rid + " cannot be decoded: " + e.getMessage());
        }
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        ex.getResponseHeaders().put(Headers.CACHE_CONTROL, "private, max-age=3600");
        ex.getResponseSender().send(json);
    }

    /** Where a pause ends on the call's timeline (seconds from {@code zero}); null while it is open. */
    private static Double callTo(dev.callvault.db.PauseRepository.Pause p, double offset, Instant zero) {
        if (p.streamTo() != null) {
            return offset + p.streamTo();
        }
        return p.endedAt() == null || zero == null ? null : seconds(zero, p.endedAt());
    }

    private static double seconds(Instant from, Instant to) {
        return java.time.Duration.between(from, to).toMillis() / 1000.0;
    }

    private void authenticate(HttpServerExchange ex) {
        auth.require(ex);
    }

    /** A CallSid, or the start of one, in any case: "CA" and up to 32 hex digits. */
    private static String sidPrefix(String s) {
        String t = s.strip();
        String prefix = t.length() >= 2 ? "CA" + t.substring(2).toLowerCase(Locale.ROOT) : t.toUpperCase(Locale.ROOT);
        if (!t.toUpperCase(Locale.ROOT).startsWith("CA") || !prefix.matches("CA[0-9a-f]{0,32}") || prefix.length() < 4) {
            throw new Problem(400, "Call SID: a Call SID starts with CA followed by letters a-f and digits (CA1f2e3d...); '"
                    + t + "' is not one. The first few characters are enough.");
        }
        return prefix;
    }

    /** A whole number in any common format matches exactly (as E.164); anything else with digits matches as a part. */
    private CallSearch.NumberMatch number(String typed) {
        var e164 = dev.callvault.calls.PhoneNumbers.e164(typed, phoneRegion.get());
        String digits = dev.callvault.calls.PhoneNumbers.digits(typed);
        if (e164.isEmpty() && digits.isEmpty()) {
            throw new Problem(400, "Number: '" + typed.strip() + "' has no digits; type a phone number, or a part of one, such as 415 555 0102 or 0102.");
        }
        return new CallSearch.NumberMatch(e164.orElse(null), digits);
    }

    private static boolean realtimeFailed(String s) {
        if (s.equals("failed")) {
            return true;
        }
        throw new Problem(400, "realtime: the only filter is 'failed' (calls whose real-time recording failed), not '" + s + "'");
    }

    private static Instant instant(HttpServerExchange ex, String name) {
        return HttpSupport.param(ex, name).filter(s -> !s.isBlank()).map(s -> {
            try {
                return Instant.parse(s);
            } catch (DateTimeParseException e) {
                throw new Problem(400, (name.equals("since") ? "From date" : "To date") + ": '" + s
                        + "' is not a date and time such as 2026-11-24T09:00:00Z (ISO 8601)");
            }
        }).orElse(null);
    }

    private static CallSearch.State state(HttpServerExchange ex) {
        return HttpSupport.param(ex, "state").filter(s -> !s.isBlank()).map(s -> {
            try {
                return CallSearch.State.valueOf(s.toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new Problem(400, "State: '" + s + "' is not one of live, archived, missing_twilio, erased, expired"
                        + " (and realtime=failed for failed real-time recordings)");
            }
        }).orElse(null);
    }

    private static int limit(String s) {
        try {
            int n = Integer.parseInt(s);
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new Problem(400, "limit: expected 1 to " + MAX_LIMIT + ", got '" + s + "'");
    }
}
