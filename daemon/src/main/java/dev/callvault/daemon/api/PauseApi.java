package dev.callvault.daemon.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.calls.CallView;
import dev.callvault.daemon.HttpSupport;
import dev.callvault.daemon.HttpSupport.Problem;
import dev.callvault.daemon.console.ConsoleAuth;
import dev.callvault.daemon.metrics.Metrics;
import dev.callvault.db.CallRow;
import dev.callvault.pause.Pauses;
import dev.callvault.accounts.Sids;
import io.undertow.server.HttpServerExchange;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code POST /calls/{CallSid}/pause} and {@code .../resume}: the voice application that knows a card is being read
 * pauses both recorders of the call (API token, or a signed-in person with the session's CSRF token; the reason in the
 * body). The real-time recorder pauses (or resumes) at once; the answer waits for Twilio at most
 * {@code recording.pause-deadline-ms}. 200 paused or resumed (or already, or the call has ended: a no-op that says so);
 * 502 when Twilio has not confirmed in time (its recording may hold the span; it is asked again in the background until
 * it confirms or the call ends), the real-time recorder paused all the same; 409 naming the daemon that records the call
 * when it is another.
 */
public final class PauseApi {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ConsoleAuth auth;
    private final Pauses pauses;
    private final Metrics metrics;

    public PauseApi(ConsoleAuth auth, Pauses pauses, Metrics metrics) {
        this.auth = auth;
        this.pauses = pauses;
        this.metrics = metrics;
    }

    public void pause(HttpServerExchange ex) throws java.io.IOException {
        Request r = request(ex);
        answer(ex, pauses.pause(r.call(), r.reason(), r.who()), "pause");
    }

    public void resume(HttpServerExchange ex) throws java.io.IOException {
        Request r = request(ex);
        answer(ex, pauses.resume(r.call(), r.who()), "resume");
    }

    private record Request(CallRow call, String reason, String who) {
    }

    private Request request(HttpServerExchange ex) throws java.io.IOException {
        ConsoleAuth.Who who = auth.require(ex);
        byte[] bytes = ex.getInputStream().readNBytes(16 * 1024 + 1);
        if (bytes.length > 16 * 1024) {
            throw new Problem(413, "at most 16 KiB");
        }
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        Map<String, String> body = new LinkedHashMap<>();
        if (type != null && type.startsWith("application/x-www-form-urlencoded")) {
            body.putAll(HttpSupport.parseForm(new String(bytes, java.nio.charset.StandardCharsets.UTF_8)));
        } else if (bytes.length > 0) {
            try {
                JsonNode json = JSON.readTree(bytes);
                json.fields().forEachRemaining(e -> body.put(e.getKey(), e.getValue().asText()));
            } catch (java.io.IOException e) {
                throw new Problem(400, "the body is JSON ({\"reason\": ...}) or a form (reason=...)");
            }
        }
        if (who.person()) {
            auth.checkRequest(ex, who, ex.getRequestHeaders().getFirst("X-CSRF-Token"));
        }
        String sid = HttpSupport.param(ex, "call_sid").orElse("");
        if (!Sids.isValid("CA", sid)) {
            throw new Problem(400, "'" + sid + "' is not a CallSid (CA + 32 hex digits)");
        }
        CallRow call = pauses.call(sid).orElseThrow(() -> new Problem(404, "no call " + sid + " here"));
        String reason = body.getOrDefault("reason", "").strip();
        if (reason.isEmpty() && ex.getRequestPath().endsWith("/pause")) {
            throw new Problem(400, "reason: say why the recording pauses (card payment, ...): it is kept as the evidence");
        }
        return new Request(call, reason.isEmpty() ? "resumed" : reason, who.name());
    }

    private void answer(HttpServerExchange ex, Pauses.Result r, String action) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("call_sid", HttpSupport.param(ex, "call_sid").orElse(""));
        body.put("state", switch (r.outcome()) {
            case PAUSED, ALREADY_PAUSED -> "paused";
            case RESUMED, ALREADY_RESUMED, NOT_PAUSED -> "recording";
            case CALL_ENDED -> "ended";
            case ELSEWHERE -> "elsewhere";
        });
        body.put("realtime", r.realtime());
        body.put("twilio", r.twilio());
        body.put("twilio_asked_again", r.asking());
        r.pause().ifPresent(p -> body.put("pause", CallView.pause(p)));
        body.put("detail", detail(r, action));
        if (r.outcome() == Pauses.Outcome.PAUSED) {
            metrics.paused(r.twilioFailed() ? "refused" : "paused".equals(r.twilio()) ? "paused" : "none");
        }
        int status = r.outcome() == Pauses.Outcome.ELSEWHERE ? 409 : r.twilioFailed() ? 502 : 200;
        HttpSupport.json(ex, status, status == 200 ? "application/json" : "application/problem+json", withStatus(body, status));
    }

    /** The answer in words: what each recorder did, and when Twilio has not confirmed, what it answered and what happens next. */
    private static String detail(Pauses.Result r, String action) {
        return switch (r.outcome()) {
            case PAUSED -> r.twilioFailed() ? pauseNotConfirmed(r) : paused(r);
            case ALREADY_PAUSED -> "already paused" + (r.twilioFailed() ? ": " + pauseNotConfirmed(r) : "");
            case RESUMED -> r.twilioFailed() ? resumeNotConfirmed(r) : "recording again";
            case ALREADY_RESUMED -> "already resumed" + (r.twilioFailed() ? ": " + resumeNotConfirmed(r) : "");
            case NOT_PAUSED -> "not paused: nothing to resume";
            case CALL_ENDED -> "the call has ended: nothing to " + action;
            case ELSEWHERE -> "the call is recorded by daemon " + r.holder() + ": send the " + action + " there";
        };
    }

    private static String pauseNotConfirmed(Pauses.Result r) {
        String recorder = r.realtime() ? "; the real-time recorder is paused" : "";
        if ("paused".equals(r.twilio())) {
            return "Twilio confirmed the pause of its recording only after the answer went out: it may hold the start of this span" + recorder;
        }
        return "Twilio has not confirmed the pause of its recording (" + r.twilio() + "): it may hold this span" + askedAgain(r) + recorder;
    }

    private static String resumeNotConfirmed(Pauses.Result r) {
        return (r.realtime() ? "the real-time recorder is recording again; " : "") + "Twilio has not confirmed the resume of its recording ("
                + r.twilio() + ")" + askedAgain(r);
    }

    private static String askedAgain(Pauses.Result r) {
        return r.asking() ? ". It is asked again in the background until it confirms or the call ends" : "";
    }

    /** A pause Twilio confirmed in time, or that has nothing to pause at Twilio. */
    private static String paused(Pauses.Result r) {
        if ("no recording".equals(r.twilio())) {
            return r.realtime() ? "the real-time recorder paused; Twilio records nothing of this call" : "nothing records this call";
        }
        return r.realtime() ? "both recorders paused" : "Twilio's recording paused (no real-time recorder records this call)";
    }

    private static Map<String, Object> withStatus(Map<String, Object> body, int status) {
        if (status != 200) {
            body.put("status", status);
        }
        return body;
    }
}
