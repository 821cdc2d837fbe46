package dev.callvault.daemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.config.Config;
import dev.callvault.daemon.HttpSupport.Problem;
import dev.callvault.daemon.metrics.Metrics;
import dev.callvault.db.CallRepository;
import dev.callvault.db.CallbackRepository;
import dev.callvault.signature.WebhookSignatures;
import dev.callvault.accounts.Sids;
import dev.callvault.accounts.TwilioCredentials;
import dev.callvault.twiml.CallStartTwiml;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.SameThreadExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * Twilio's webhooks: the voice webhook ({@code POST /twiml}) and the recording status callback
 * ({@code POST /recording/status}). Both are signed by Twilio; nothing unsigned is stored or answered with TwiML. What
 * they store is made durable in batches ({@link GroupCommit}) and each is answered when its batch is on disk.
 */
final class Webhooks {
    private static final Logger log = LoggerFactory.getLogger(Webhooks.class);
    /** Statuses whose callback the workers act on; others (in-progress) are kept for the record only. */
    private static final Set<String> ACTIONABLE = Set.of("completed", "absent", "failed");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Supplier<Config> live;
    private final GroupCommit acks;
    private final DatabaseOutage outage;
    private final Metrics metrics;
    private final Clock clock;

    Webhooks(Supplier<Config> config, GroupCommit acks, DatabaseOutage outage, Metrics metrics, Clock clock) {
        this.live = config;
        this.acks = acks;
        this.outage = outage;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** The configuration now: a reload may have replaced its assistants and Twilio accounts. */
    private Config config() {
        return live.get();
    }

    /**
     * Stores the callback with the others of its batch and answers 204 once the batch is on disk; 503 when it is not
     * within {@code http.ack-timeout-ms} or too many wait already (Twilio does not retry: the reconcile timer's backfill
     * fetches that recording). The wait holds no thread: the answer is sent when the batch commits.
     */
    void recordingStatus(HttpServerExchange ex) {
        receiveSignedForm(ex, p -> recordingStatus(ex, p));
    }

    private void recordingStatus(HttpServerExchange ex, Map<String, String> p) throws Exception {
        require(p, "AccountSid", "CallSid", "RecordingSid", "RecordingStatus");
        String account = p.get("AccountSid");
        String callSid = sid("CA", p.get("CallSid"), "CallSid");
        String recordingSid = sid("RE", p.get("RecordingSid"), "RecordingSid");
        String status = p.get("RecordingStatus");
        metrics.callbackReceived(status);
        Duration timeout = config().http().acks().callbackTimeout();
        CompletableFuture<Boolean> stored = acks.submit(new CallbackRepository.Received(account, callSid, recordingSid, status,
                JSON.writeValueAsString(p), ACTIONABLE.contains(status)));
        whenDone(ex, stored.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS), (fresh, failure) -> {
            if (failure == null) {
                log.info("recording status callback: {} {} of call {}{}", recordingSid, status, callSid, fresh ? "" : " (duplicate, already stored)");
                ex.setStatusCode(204);
                ex.endExchange();
            } else if (failure instanceof TimeoutException || failure instanceof GroupCommit.Full) {
                boolean full = failure instanceof GroupCommit.Full;
                metrics.acknowledgementLate(full ? "callback_full" : "callback_timeout");
                log.warn("recording status callback {} {} answered 503: {}; it is archived if its batch commits later, else fetched by the reconcile timer",
                        recordingSid, status, full ? failure.getMessage() : "not stored within " + timeout.toMillis() + " ms");
                ex.getResponseHeaders().put(Headers.RETRY_AFTER, "5");
                HttpSupport.problem(ex, 503, full ? "too many callbacks waiting to be stored; try again" : "not stored in time; try again");
            } else {
                fail(ex, failure);
            }
        });
    }

    /**
     * Answers the call-start TwiML once the start is stored with its batch; when the batch takes longer than
     * {@code http.twiml-wait-ms} (or too many wait), the start is forced to the local journal instead and the TwiML answered
     * all the same: a slow database never holds up a caller's call, and nothing is answered before it is on disk.
     */
    void voice(HttpServerExchange ex) {
        receiveSignedForm(ex, p -> voice(ex, p));
    }

    private void voice(HttpServerExchange ex, Map<String, String> p) {
        require(p, "CallSid", "AccountSid");
        String callSid = sid("CA", p.get("CallSid"), "CallSid");
        String assistant = HttpSupport.param(ex, "assistant").orElse(null);
        Config config = config();
        var settings = config.assistants().match(assistant, p.get("To"));
        var recorder = settings.records()
                ? new CallStartTwiml.Recorder(CallStartTwiml.mediaUrl(config.http().publicUrl()),
                        settings.id().isEmpty() ? null : settings.id())
                : null;
        String twiml = CallStartTwiml.render(new CallStartTwiml.Options(config.http().publicUrl(), config.http().streamUrl(), false, recorder));
        CallRepository.Start start = CallRepository.Start.of(p, assistant, config.assistants(), clock.instant());
        Duration wait = config.http().acks().twimlWait();
        whenDone(ex, acks.submit(start).orTimeout(wait.toMillis(), TimeUnit.MILLISECONDS), (fresh, failure) -> {
            if (failure == null) {
                answer(ex, callSid, start.assistant(), twiml);
            } else {
                // the journal forces its file to disk: a worker thread's job, never an IO thread's
                ex.getConnection().getWorker().execute(() -> {
                    journalInstead(start, failure);
                    answer(ex, callSid, start.assistant(), twiml);
                });
            }
        });
    }

    private static void answer(HttpServerExchange ex, String callSid, String assistant, String twiml) {
        // the numbers are the caller's personal data: not in the log at INFO
        log.info("call {} started (assistant {})", callSid, assistant);
        ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/xml; charset=utf-8");
        ex.getResponseSender().send(twiml);
    }

    private void journalInstead(CallRepository.Start start, Throwable why) {
        metrics.acknowledgementLate("call_journaled");
        try {
            outage.journal(List.of(start));
            log.warn("call {}: its start was not stored within {} ms ({}); journaled locally, moved into the database later",
                    start.callSid(), config().http().acks().twimlWait().toMillis(), why.getClass().getSimpleName());
        } catch (java.io.IOException | RuntimeException e) {
            // a caller's call must never fail for our bookkeeping: the TwiML is answered, the media stream and the
            // recording's callbacks create the call's row when they come
            log.error("call {}: its start could be neither stored nor journaled ({}); answering the TwiML all the same", start.callSid(), e.toString());
        }
    }

    /** What a webhook does with its form once the form is read and its signature checked. */
    private interface FormHandler {
        void handle(Map<String, String> params) throws Exception;
    }

    /**
     * Reads the form and checks its signature on the connection's IO thread, without a worker thread: a webhook's body
     * is small and its checks take microseconds, and every thread it passes through costs a wait for a CPU when the
     * machine is busy. Problems are answered with their status.
     */
    private void receiveSignedForm(HttpServerExchange ex, FormHandler then) {
        int max = config().http().maxBodyBytes();
        HttpSupport.checkForm(ex, max);
        ex.getRequestReceiver().setMaxBufferSize(max);
        ex.getRequestReceiver().receiveFullBytes((e, body) -> {
            try {
                then.handle(signed(ex, HttpSupport.parseForm(new String(body, java.nio.charset.StandardCharsets.UTF_8))));
            } catch (Problem problem) {
                HttpSupport.problem(ex, problem.status, problem.getMessage());
            } catch (Exception failure) {
                fail(ex, failure);
            }
        }, (e, error) -> {
            if (error instanceof io.undertow.server.RequestTooBigException) {
                HttpSupport.problem(ex, 413, "body larger than " + max + " bytes");
            } else {
                log.debug("{} {}: the request's body could not be read: {}", ex.getRequestMethod(), ex.getRequestPath(), error.toString());
                ex.setStatusCode(400);
                ex.endExchange();
            }
        });
    }

    /**
     * Ends the exchange from {@code answer} once {@code done} completes, on the connection's IO thread (answers are
     * sent without blocking); the handler returns at once, holding no thread while the batch is stored.
     */
    private static void whenDone(HttpServerExchange ex, CompletableFuture<Boolean> done, BiConsumer<Boolean, Throwable> answer) {
        Executor io = ex.getIoThread();
        ex.dispatch(SameThreadExecutor.INSTANCE, () -> done.whenCompleteAsync((value, failure) -> {
            try {
                answer.accept(value, failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure);
            } catch (RuntimeException e) {
                fail(ex, e);
            }
        }, io));
    }

    private static void fail(HttpServerExchange ex, Throwable failure) {
        log.error("{} {} failed", ex.getRequestMethod(), ex.getRequestPath(), failure);
        if (!ex.isResponseStarted()) {
            boolean dependency = failure instanceof dev.callvault.RetryableException;
            HttpSupport.problem(ex, dependency ? 503 : 500, dependency ? "a dependency is unavailable; try again" : "internal error; see the daemon's log");
        } else {
            ex.endExchange();
        }
    }

    /**
     * Checks {@code X-Twilio-Signature} of the form against the public URL this request was made to, keyed with the
     * auth token of the account it claims to come from. 403 unless it is Twilio's signature.
     */
    private Map<String, String> signed(HttpServerExchange ex, Map<String, String> p) {
        if (config().http().publicUrl() == null) {
            throw new Problem(503, "public-url is not configured, so Twilio's signatures cannot be checked; set CALLVAULT_PUBLIC_URL");
        }
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
