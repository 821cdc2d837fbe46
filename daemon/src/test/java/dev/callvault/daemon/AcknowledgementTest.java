package dev.callvault.daemon;

import dev.callvault.testing.Environment;
import dev.callvault.testing.Sids;
import dev.callvault.testing.TwilioStandIn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Twilio's webhooks acknowledged in batches (group commit): an acknowledgement still means "on disk". Call starts and
 * status callbacks sent all at once are answered only after the commit of their batch, survive a kill -9 that follows
 * the last answer, and a call start whose batch is slow is journaled so its caller still gets the TwiML at once.
 */
class AcknowledgementTest {
    private static final Duration PATIENCE = Duration.ofSeconds(120);

    @RegisterExtension
    static final Environment env = new Environment();

    @TempDir
    Path logs;

    private final DaemonHarness harness = new DaemonHarness(env);
    /** Many connections at once, as Twilio's bursts arrive; HTTP/1.1 as Twilio speaks it. */
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** One signed request and what identifies it in the database. */
    private record Webhook(String path, String sid, String body, String signature) {
        static Webhook callback() throws Exception {
            Map<String, String> p = DaemonHarness.callback(Sids.call(), Sids.recording(), "completed");
            return new Webhook("/recording/status", p.get("RecordingSid"), TwilioSigner.form(p),
                    TwilioSigner.sign(TwilioStandIn.AUTH_TOKEN, DaemonHarness.PUBLIC_URL + "/recording/status", p));
        }

        static Webhook callStart() throws Exception {
            Map<String, String> p = Map.of("CallSid", Sids.call(), "AccountSid", TwilioStandIn.ACCOUNT_SID, "From", "+14155550102", "To", "+15550199");
            return new Webhook("/twiml", p.get("CallSid"), TwilioSigner.form(p), TwilioSigner.sign(TwilioStandIn.AUTH_TOKEN, DaemonHarness.PUBLIC_URL + "/twiml", p));
        }

        boolean isCallback() {
            return path.equals("/recording/status");
        }

        CompletableFuture<HttpResponse<String>> send(HttpClient http, int port) {
            return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .header("Content-Type", "application/x-www-form-urlencoded").header("X-Twilio-Signature", signature)
                    .timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private static List<Webhook> burst(int each) throws Exception {
        List<Webhook> all = new ArrayList<>();
        for (int i = 0; i < each; i++) {
            all.add(Webhook.callback());
            all.add(Webhook.callStart());
        }
        return all;
    }

    private static boolean acknowledged(Webhook w, HttpResponse<String> r) {
        return w.isCallback() ? r.statusCode() == 204 : r.statusCode() == 200 && r.body().contains("<Response>");
    }

    @Test
    void nothingIsAnsweredBeforeItsBatchIsCommitted() throws Exception {
        // the voice webhook waits for its batch as long as the callbacks do here: this test is about the batch path
        try (Daemon d = harness.start(Map.of("http.twiml-wait-ms", "10000", "http.ack-timeout-ms", "14000"))) {
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger held = new AtomicInteger();
            d.acknowledgements().beforeCommit(size -> {
                held.addAndGet(size);
                await(release);
            });
            List<Webhook> burst = burst(250);
            List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            for (Webhook w : burst) {
                answers.add(w.send(http, d.port()));
            }
            // every request has reached the daemon: in a batch held before its commit, or waiting behind one
            DaemonHarness.await("all 500 requests held at their commit or waiting", PATIENCE,
                    () -> held.get() + d.acknowledgements().waiting() == burst.size(),
                    () -> held.get() + " held, " + d.acknowledgements().waiting() + " waiting");

            assertThat(answers.stream().filter(CompletableFuture::isDone).toList()).as("answered before their batch committed").isEmpty();
            assertThat(count("SELECT count(*) FROM callbacks") + count("SELECT count(*) FROM calls")).as("visible before the commit").isZero();

            release.countDown();
            for (int i = 0; i < burst.size(); i++) {
                HttpResponse<String> r = answers.get(i).get(60, TimeUnit.SECONDS);
                assertThat(acknowledged(burst.get(i), r)).as(burst.get(i).path() + " answered " + r.statusCode() + ": " + r.body()).isTrue();
            }
            assertThat(count("SELECT count(*) FROM callbacks")).isEqualTo(250);
            assertThat(count("SELECT count(*) FROM calls")).isEqualTo(250);
            assertThat(metric(d, "callvault_acks_batch_size_count")).as("batches, not one commit per request").isLessThan(250);
        }
    }

    @Test
    void aCallStartWhoseBatchIsSlowIsJournaledAndItsTwimlAnsweredAtOnce() throws Exception {
        try (Daemon d = harness.start(Map.of("http.twiml-wait-ms", "200"))) {
            CountDownLatch release = new CountDownLatch(1);
            d.acknowledgements().beforeCommit(size -> await(release));
            Webhook start = Webhook.callStart();

            HttpResponse<String> r = start.send(http, d.port()).get(60, TimeUnit.SECONDS);

            assertThat(acknowledged(start, r)).as(r.body()).isTrue();
            assertThat(journal(d)).as("the start is in the journal on disk").contains(start.sid());
            assertThat(metric(d, "callvault_acks_late_total{outcome=\"call_journaled\"}")).isEqualTo(1);
            release.countDown();
            DaemonHarness.await("the call's row", PATIENCE, () -> count("SELECT count(*) FROM calls WHERE call_sid = '" + start.sid() + "'") == 1);
        }
    }

    @Test
    void everyAcknowledgedWebhookSurvivesAKill9RightAfterTheLastAnswer() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, String> settings = harness.settings();
        settings.put("http.port", Integer.toString(port));
        // patient answers, so that a loaded test machine acknowledges all of them and every one is checked after the kill
        settings.put("http.twiml-wait-ms", "10000");
        settings.put("http.ack-timeout-ms", "14000");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        settings.forEach((k, v) -> cmd.add("--set=" + k + "=" + v));
        Path log = logs.resolve("daemon.log");
        Process daemon = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        List<Webhook> burst = burst(1000);
        Set<String> acknowledgedCallbacks = ConcurrentHashMap.newKeySet();
        Set<String> acknowledgedStarts = ConcurrentHashMap.newKeySet();
        try {
            DaemonHarness.await("the daemon to listen", PATIENCE, () -> read(log).contains("callvaultd listening"), () -> read(log));
            List<CompletableFuture<?>> answers = new ArrayList<>();
            for (Webhook w : burst) {
                answers.add(w.send(http, port).thenAccept(r -> {
                    if (acknowledged(w, r)) {
                        (w.isCallback() ? acknowledgedCallbacks : acknowledgedStarts).add(w.sid());
                    }
                }).exceptionally(e -> null));
            }
            CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        } finally {
            daemon.destroyForcibly(); // SIGKILL, right after the last answer: nothing runs after it
            daemon.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(acknowledgedCallbacks).hasSize(1000);
        assertThat(acknowledgedStarts).hasSize(1000);

        // a call start journaled on local disk moves into the database when a daemon starts on the same state directory
        try (Daemon restarted = harness.start()) {
            Set<String> callbacks = new HashSet<>(strings("SELECT recording_sid FROM callbacks"));
            Set<String> calls = new HashSet<>(strings("SELECT call_sid FROM calls"));
            assertThat(acknowledgedCallbacks).as("acknowledged callbacks missing from the queue").allMatch(callbacks::contains);
            assertThat(acknowledgedStarts).as("acknowledged call starts missing").allMatch(calls::contains);
        }
        assertThat(read(log)).as("no caller's number in the daemon's log").doesNotContain("4155550102");
    }

    private static void await(CountDownLatch release) {
        try {
            if (!release.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never released the held flush");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String journal(Daemon d) throws Exception {
        StringBuilder all = new StringBuilder();
        try (var files = Files.list(Path.of(harness.settings().get("state-dir")).resolve("journal"))) {
            for (Path f : files.toList()) {
                all.append(Files.readString(f));
            }
        }
        return all.toString();
    }

    private double metric(Daemon d, String name) throws Exception {
        String body = new String(harness.manage(d, "/metrics").body());
        return body.lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst().orElseThrow(() -> new AssertionError(name + " not in /metrics"));
    }

    private long count(String sql) {
        return env.db().jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    private List<String> strings(String sql) {
        return env.db().jdbi().withHandle(h -> h.createQuery(sql).mapTo(String.class).list());
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
