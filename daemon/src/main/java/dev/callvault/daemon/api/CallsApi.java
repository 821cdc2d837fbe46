package dev.callvault.daemon.api;

import dev.callvault.calls.CallSearch;
import dev.callvault.calls.CallView;
import dev.callvault.daemon.console.ConsoleAuth;
import dev.callvault.db.RecordingRow;
import dev.callvault.peaks.Waveforms;
import dev.callvault.daemon.HttpSupport;
import dev.callvault.daemon.HttpSupport.Problem;
import dev.callvault.db.AuditRepository;
import dev.callvault.db.CallRepository;
import dev.callvault.db.CallRow;
import dev.callvault.db.RecordingRepository;
import dev.callvault.twilio.Sids;
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
    private static final int DEFAULT_LIMIT = 50;
    private static final int MAX_LIMIT = 200;

    private final ConsoleAuth auth;
    private final CallSearch search;
    private final Waveforms waveforms;
    private final dev.callvault.db.AnalyticsRepository analytics;
    private final CallRepository calls;
    private final RecordingRepository recordings;
    private final AuditRepository audit;

    public CallsApi(ConsoleAuth auth, CallSearch search, CallRepository calls, RecordingRepository recordings, AuditRepository audit,
                    dev.callvault.db.AnalyticsRepository analytics, Waveforms waveforms) {
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
                HttpSupport.param(ex, "call_sid").map(s -> sid(s)).orElse(null),
                HttpSupport.param(ex, "number").filter(s -> !s.isBlank()).orElse(null),
                HttpSupport.param(ex, "assistant").filter(s -> !s.isBlank()).orElse(null),
                instant(ex, "since"), instant(ex, "until"), state(ex));
        int limit = HttpSupport.param(ex, "limit").map(CallsApi::limit).orElse(DEFAULT_LIMIT);
        CallSearch.Page page;
        try {
            page = search.find(filter, HttpSupport.param(ex, "cursor").orElse(null), limit);
        } catch (IllegalArgumentException e) {
            throw new Problem(400, e.getMessage());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("calls", page.calls().stream().map(c -> {
            Map<String, Object> m = CallView.call(c);
            m.put("live", page.live().contains(c.id()));
            return m;
        }).toList());
        body.put("next_cursor", page.next().orElse(null));
        HttpSupport.json(ex, 200, "application/json", body);
    }

    public void one(HttpServerExchange ex) {
        authenticate(ex);
        String id = HttpSupport.param(ex, "call_id").orElse("");
        CallRow c = calls.find(id).orElseThrow(() -> new Problem(404, "no call " + id));
        Map<String, Object> body = CallView.call(c);
        var rows = recordings.findByCall(c.id());
        body.put("live", rows.stream().anyMatch(r -> "in-progress".equals(r.status())));
        body.put("recordings", rows.stream().map(CallView::recording).toList());
        body.put("analytics", analytics.find(c.id()).map(CallView::analytics).orElse(null));
        body.put("audit", audit.forCall(c.id()).stream().map(CallView::audit).toList());
        HttpSupport.json(ex, 200, "application/json", body);
    }

    /**
     * {@code /api/v1/calls/{call}/recordings/{recording}/peaks}: the recording's waveform as audiowaveform JSON
     * (version 2), computed now when it has none yet.
     */
    public void peaks(HttpServerExchange ex) throws java.io.IOException {
        authenticate(ex);
        String id = HttpSupport.param(ex, "call_id").orElse("");
        CallRow c = calls.find(id).orElseThrow(() -> new Problem(404, "no call " + id));
        String rid = HttpSupport.param(ex, "recording_id").orElse("");
        RecordingRow row = recordings.findByCall(c.id()).stream().filter(r -> r.id().toString().equals(rid)).findFirst()
                .orElseThrow(() -> new Problem(404, "no recording " + rid + " in call " + id));
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

    private void authenticate(HttpServerExchange ex) {
        auth.require(ex);
    }

    private static String sid(String s) {
        if (!Sids.isValid("CA", s)) {
            throw new Problem(400, "call_sid: '" + s + "' is not a CallSid (CA and 32 hex digits)");
        }
        return s;
    }

    private static Instant instant(HttpServerExchange ex, String name) {
        return HttpSupport.param(ex, name).filter(s -> !s.isBlank()).map(s -> {
            try {
                return Instant.parse(s);
            } catch (DateTimeParseException e) {
                throw new Problem(400, name + ": '" + s + "' is not an ISO-8601 instant such as 2026-11-24T09:00:00Z");
            }
        }).orElse(null);
    }

    private static CallSearch.State state(HttpServerExchange ex) {
        return HttpSupport.param(ex, "state").filter(s -> !s.isBlank()).map(s -> {
            try {
                return CallSearch.State.valueOf(s.toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new Problem(400, "state: '" + s + "' is not one of live, archived, missing_twilio, realtime_failed");
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
