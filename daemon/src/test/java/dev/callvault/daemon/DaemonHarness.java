package dev.callvault.daemon;

import dev.callvault.testing.Environment;
import dev.callvault.testing.TwilioStandIn;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** Starts callvaultd in-process against a test {@link Environment} and talks to it over real HTTP. */
public final class DaemonHarness {
    static final String PUBLIC_URL = "https://calls.example.com";
    static final String API_TOKEN = "test-api-token-0123456789";
    static final String LINK_SECRET = "test-link-secret-0123456789";

    final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private final Environment env;

    private final java.nio.file.Path state;

    DaemonHarness(Environment env) {
        this.env = env;
        try {
            this.state = java.nio.file.Files.createTempDirectory("callvaultd-test-state");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>(env.settings());
        s.put("http.port", "0");
        s.put("http.management-address", "127.0.0.1:0");
        s.put("public-url", PUBLIC_URL);
        s.put("http.api-token", API_TOKEN);
        s.put("http.link-secret", LINK_SECRET);
        s.put("worker.poll-ms", "50");
        s.put("worker.retry-base-ms", "200");
        s.put("shutdown.grace-seconds", "5");
        s.put("state-dir", state.toString()); // a test's own journal and spool: what one test journals never reaches another
        return s;
    }

    Daemon start() {
        return start(Map.of());
    }

    Daemon start(Map<String, String> extra) {
        Map<String, String> s = settings();
        s.putAll(extra);
        return Daemon.start(dev.callvault.config.ConfigLoader.of(s));
    }

    public static Map<String, String> callback(String callSid, String recordingSid, String status) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("AccountSid", TwilioStandIn.ACCOUNT_SID);
        p.put("CallSid", callSid);
        p.put("RecordingSid", recordingSid);
        p.put("RecordingUrl", "https://api.twilio.com/2010-04-01/Accounts/" + TwilioStandIn.ACCOUNT_SID + "/Recordings/" + recordingSid);
        p.put("RecordingStatus", status);
        p.put("RecordingDuration", "187");
        p.put("RecordingChannels", "2");
        p.put("RecordingStartTime", "Tue, 24 Nov 2026 14:03:11 +0000");
        p.put("RecordingSource", "StartCallRecordingAPI");
        p.put("RecordingTrack", "both");
        p.put("ErrorCode", "0");
        return p;
    }

    /** POSTs {@code params} to {@code path}, signed by Twilio for {@code signedUrl} (null: no signature). */
    HttpResponse<String> post(Daemon d, String path, Map<String, String> params, String signedUrl) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.port() + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(TwilioSigner.form(params)));
        if (signedUrl != null) {
            b.header("X-Twilio-Signature", TwilioSigner.sign(TwilioStandIn.AUTH_TOKEN, signedUrl, params));
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> postSigned(Daemon d, Map<String, String> params) throws Exception {
        return post(d, "/recording/status", params, PUBLIC_URL + "/recording/status");
    }

    HttpResponse<byte[]> get(Daemon d, String pathAndQuery, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.port() + pathAndQuery));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** True when there are exactly {@code count} items and every one satisfies {@code each}: never true of an empty list. */
    public static <T> boolean exactly(int count, java.util.List<T> items, java.util.function.Predicate<T> each) {
        return items.size() == count && items.stream().allMatch(each);
    }

    /** GET on the daemon's management listener (/healthz, /readyz, /metrics). */
    HttpResponse<byte[]> manage(Daemon d, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.managementPort() + path)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    public static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        await(what, timeout, condition, () -> "");
    }

    /** Polls {@code condition} until it holds; on time-out, the error says what was awaited and what {@code seen} shows. */
    public static void await(String what, Duration timeout, BooleanSupplier condition, java.util.function.Supplier<Object> seen) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what + "; last seen: " + seen.get());
            }
            Thread.sleep(25);
        }
    }
}
