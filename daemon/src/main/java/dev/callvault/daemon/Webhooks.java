package dev.callvault.daemon;

import dev.callvault.config.Config;
import dev.callvault.daemon.HttpSupport.Problem;
import dev.callvault.daemon.metrics.Metrics;
import dev.callvault.signature.WebhookSignatures;
import dev.callvault.twilio.Sids;
import dev.callvault.twilio.TwilioCredentials;
import dev.callvault.twiml.CallStartTwiml;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Twilio's webhooks: the voice webhook ({@code POST /twiml}) and the recording status callback
 * ({@code POST /recording/status}). Both are signed by Twilio; nothing unsigned is stored or answered with TwiML.
 */
final class Webhooks {
    private static final Logger log = LoggerFactory.getLogger(Webhooks.class);
    /** Statuses whose callback the workers act on; others (in-progress) are kept for the record only. */
    private static final Set<String> ACTIONABLE = Set.of("completed", "absent", "failed");

    private final java.util.function.Supplier<Config> live;

    /** The configuration now: a reload may have replaced its assistants and Twilio accounts. */
    private Config config() {
        return live.get();
    }
    private final DatabaseOutage database;
    private final Metrics metrics;
    private final Clock clock;

    Webhooks(java.util.function.Supplier<Config> config, DatabaseOutage database, Metrics metrics, Clock clock) {
        this.live = config;
        this.database = database;
        this.metrics = metrics;
        this.clock = clock;
    }

    void recordingStatus(HttpServerExchange ex) throws Exception {
        Map<String, String> p = signedForm(ex);
        require(p, "AccountSid", "CallSid", "RecordingSid", "RecordingStatus");
        String account = p.get("AccountSid");
        String callSid = sid("CA", p.get("CallSid"), "CallSid");
        String recordingSid = sid("RE", p.get("RecordingSid"), "RecordingSid");
        String status = p.get("RecordingStatus");
        boolean fresh = database.storeCallback(account, callSid, recordingSid, status, p, ACTIONABLE.contains(status));
        metrics.callbackReceived(status);
        log.info("recording status callback: {} {} of call {}{}", recordingSid, status, callSid, fresh ? "" : " (duplicate, already stored)");
        ex.setStatusCode(204);
        ex.endExchange();
    }

    void voice(HttpServerExchange ex) throws Exception {
        Map<String, String> p = signedForm(ex);
        require(p, "CallSid", "AccountSid");
        String callSid = sid("CA", p.get("CallSid"), "CallSid");
        String assistant = HttpSupport.param(ex, "assistant").orElse(null);
        // a database outage must never fail a caller's call: the start is journaled and the TwiML answered all the same
        database.recordCallStart(callSid, p.get("AccountSid"), p.get("From"), p.get("To"), assistant, clock.instant());
        var settings = config().assistants().match(assistant, p.get("To"));
        var recorder = settings.records()
                ? new CallStartTwiml.Recorder(CallStartTwiml.mediaUrl(config().http().publicUrl()),
                        settings.id().isEmpty() ? null : settings.id())
                : null;
        String twiml = CallStartTwiml.render(new CallStartTwiml.Options(config().http().publicUrl(), config().http().streamUrl(), false, recorder));
        log.info("call {} started (from {} to {}, assistant {})", callSid, p.get("From"), p.get("To"), assistant);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/xml; charset=utf-8");
        ex.getResponseSender().send(twiml);
    }

    /**
     * Reads the form and checks {@code X-Twilio-Signature} against the public URL this request was made to, keyed
     * with the auth token of the account it claims to come from. 403 unless it is Twilio's signature.
     */
    private Map<String, String> signedForm(HttpServerExchange ex) throws Exception {
        if (config().http().publicUrl() == null) {
            throw new Problem(503, "public-url is not configured, so Twilio's signatures cannot be checked; set CALLVAULT_PUBLIC_URL");
        }
        Map<String, String> p = HttpSupport.readForm(ex, config().http().maxBodyBytes());
        String signature = ex.getRequestHeaders().getFirst("X-Twilio-Signature");
        if (signature == null) {
            metrics.callbackRejected("unsigned");
            throw new Problem(403, "missing X-Twilio-Signature");
        }
        Optional<TwilioCredentials> account = Optional.ofNullable(p.get("AccountSid")).flatMap(a -> config().twilio().account(a));
        if (account.isEmpty() || account.get().authToken() == null) {
            metrics.callbackRejected("unknown_account");
            throw new Problem(403, "signature cannot be checked: unknown AccountSid");
        }
        String url = signedUrl(ex);
        if (!WebhookSignatures.valid(account.get().authToken().reveal(), url, p, signature)) {
            metrics.callbackRejected("bad_signature");
            log.warn("rejected {} {}: X-Twilio-Signature does not match {}", ex.getRequestMethod(), ex.getRequestPath(), url);
            throw new Problem(403, "X-Twilio-Signature does not match");
        }
        return p;
    }

    /** The URL Twilio called, as it signed it: our public URL, this request's path and query. */
    private String signedUrl(HttpServerExchange ex) {
        String base = config().http().publicUrl().toString();
        if (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        String query = ex.getQueryString();
        return base + ex.getRequestPath() + (query == null || query.isEmpty() ? "" : "?" + query);
    }

    private void require(Map<String, String> p, String... names) {
        List<String> missing = new ArrayList<>();
        for (String n : names) {
            if (p.get(n) == null || p.get(n).isBlank()) {
                missing.add(n);
            }
        }
        if (!missing.isEmpty()) {
            metrics.callbackRejected("missing_params");
            throw new Problem(400, "missing parameters: " + String.join(", ", missing));
        }
    }

    private String sid(String prefix, String value, String name) {
        if (!Sids.isValid(prefix, value)) {
            metrics.callbackRejected("bad_sid");
            throw new Problem(400, name + " is not a valid SID");
        }
        return value;
    }
}
