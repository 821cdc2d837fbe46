package dev.callvault.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.db.RecordingRow;
import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.RecordingStores;
import dev.callvault.testing.Environment;
import dev.callvault.testing.SyntheticCall;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** What the pause tests share: the requests that pause and resume a call, what the daemon says of it, and its tracks. */
final class PauseFixture {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Environment env;
    private final DaemonHarness harness;
    private final ConsoleFixture console;

    PauseFixture(Environment env, DaemonHarness harness, ConsoleFixture console) {
        this.env = env;
        this.harness = harness;
        this.console = console;
    }

    /** POSTs a pause or resume with the API token; gives up after 30 s (a daemon that hangs fails the test, it does not stall it). */
    HttpResponse<String> post(Daemon d, String callSid, String action, String reason) throws Exception {
        return harness.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.port() + "/calls/" + callSid + "/" + action))
                .header("Authorization", "Bearer " + DaemonHarness.API_TOKEN).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"" + reason + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** {@code n} requests sent at the same moment from as many threads; their answers in the order they were sent. */
    static <T> List<T> atOnce(int n, Callable<T> request) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch ready = new CountDownLatch(n);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<T>> answers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                answers.add(threads.submit(() -> {
                    ready.countDown();
                    go.await();
                    return request.call();
                }));
            }
            ready.await();
            go.countDown();
            List<T> out = new ArrayList<>();
            for (Future<T> f : answers) {
                out.add(f.get());
            }
            return out;
        } finally {
            threads.shutdownNow();
        }
    }

    /** Waits until the call's three real-time rows say at least {@code seconds} are recorded (they follow the spool's syncs). */
    void recorded(SyntheticCall call, double seconds) throws InterruptedException {
        DaemonHarness.await(seconds + " s recorded", Duration.ofSeconds(60), () -> DaemonHarness.exactly(3, console.rows(call.callSid),
                r -> r.durationSeconds() != null && r.durationSeconds().doubleValue() >= seconds - 0.021));
    }

    /** The call as {@code /api/v1/calls/{CallSid}} has it (which must answer 200). */
    JsonNode call(Daemon d, String callSid) {
        HttpResponse<byte[]> r;
        try {
            r = harness.get(d, "/api/v1/calls/" + callSid, "Authorization", "Bearer " + DaemonHarness.API_TOKEN);
        } catch (Exception e) {
            throw new IllegalStateException("GET /api/v1/calls/" + callSid, e);
        }
        assertThat(r.statusCode()).as("/api/v1/calls/" + callSid + ": " + new String(r.body())).isEqualTo(200);
        return json(new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The call's one pause, as the API has it. */
    JsonNode pause(Daemon d, String callSid) {
        JsonNode pauses = call(d, callSid).get("pauses");
        assertThat(pauses).as("the call's pauses").hasSize(1);
        return pauses.get(0);
    }

    String metrics(Daemon d) throws Exception {
        return new String(harness.manage(d, "/metrics").body());
    }

    static JsonNode json(HttpResponse<String> r) {
        return json(r.body());
    }

    static JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    /** Waits for the call's three real-time rows to be completed; returns each track's samples by type (16-bit mono WAV). */
    Map<String, short[]> tracks(SyntheticCall call) throws Exception {
        DaemonHarness.await("3 completed rows", Duration.ofSeconds(60), () -> DaemonHarness.exactly(3, console.rows(call.callSid), RecordingRow::completed));
        Map<String, short[]> tracks = new LinkedHashMap<>();
        try (RecordingStore store = RecordingStores.open(env.config().storage())) {
            for (RecordingRow r : console.rows(call.callSid)) {
                try (InputStream in = store.get(r.s3Key(), 0, -1)) {
                    tracks.put(r.recordingType(), samples(in.readAllBytes()));
                }
            }
        }
        return tracks;
    }

    /** The samples of a 16-bit mono WAV (44-byte header). */
    static short[] samples(byte[] wav) {
        ByteBuffer b = ByteBuffer.wrap(wav, 44, wav.length - 44).order(ByteOrder.LITTLE_ENDIAN);
        short[] samples = new short[(wav.length - 44) / 2];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = b.getShort();
        }
        return samples;
    }

    /** The loudest sample in {@code [from, to)} seconds. */
    static int loudest(short[] samples, double from, double to) {
        int loudest = 0;
        for (int i = (int) (from * 8000); i < Math.min(samples.length, (int) (to * 8000)); i++) {
            loudest = Math.max(loudest, Math.abs(samples[i]));
        }
        return loudest;
    }
}
