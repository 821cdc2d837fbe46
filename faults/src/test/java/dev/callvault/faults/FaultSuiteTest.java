package dev.callvault.faults;

import dev.callvault.daemon.DaemonHarness;
import dev.callvault.daemon.MediaClient;
import dev.callvault.daemon.TwilioSigner;
import dev.callvault.storage.Hex;
import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.RecordingStores;
import dev.callvault.config.ConfigLoader;
import dev.callvault.testing.Environment;
import dev.callvault.testing.Immutable;
import dev.callvault.testing.Sids;
import dev.callvault.testing.StandInRecording;
import dev.callvault.testing.SyntheticCall;
import dev.callvault.testing.TestS3;
import dev.callvault.testing.TwilioStandIn;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fault suite (faults/README.md): two daemon replicas on one PostgreSQL and one bucket, signed callbacks and
 * real-time calls flowing, while one replica is killed with -9 every 2 s, S3 is stopped, PostgreSQL is stopped, and
 * Twilio answers 30 % of requests with 429/500 and cuts 5 % of media downloads short. Afterwards nothing acknowledged
 * is lost or doubled, nothing is completed that does not hash right, no valid Twilio request got a 5xx, and no secret
 * reached a log. CI runs the short form; {@code -Dfaults.long=true} runs the long one.
 */
class FaultSuiteTest {
    private static final boolean LONG = Boolean.getBoolean("faults.long");
    private static final Duration KILL_LOOP = Duration.ofSeconds(LONG ? 60 : 14);
    private static final Duration S3_DOWN = Duration.ofSeconds(LONG ? 60 : 8);
    private static final Duration POSTGRES_DOWN = Duration.ofSeconds(LONG ? 30 : 8);
    private static final int CALLBACKS = 500;
    private static final int CALLS = LONG ? 30 : 8;
    private static final String PUBLIC_URL = "https://calls.example.com";
    private static final String API_TOKEN = "fault-suite-api-token-2c9f1e7a";
    private static final String LINK_SECRET = "fault-suite-link-secret-8d3b6e0f";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).version(HttpClient.Version.HTTP_1_1).build();
    private final List<Integer> answers = new CopyOnWriteArrayList<>();
    private final List<String> serverErrors = new CopyOnWriteArrayList<>();
    private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    private final Set<String> sent = ConcurrentHashMap.newKeySet();
    private final AtomicInteger unanswered = new AtomicInteger();
    private final AtomicInteger streamsCut = new AtomicInteger();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private int postgresPort;
    private volatile String sabotaged;
    private EmbeddedPostgres postgres;

    @Test
    void survivesKillsOutagesAndAFlakyTwilioWithNothingLostOrDoubled() throws Exception {
        postgresPort = freePort();
        startPostgres();
        TwilioStandIn twilio = new TwilioStandIn();
        String bucket = TestS3.get().createBucket();
        Map<String, String> settings = new LinkedHashMap<>(Environment.settings(jdbcUrl(), bucket, twilio));
        settings.putAll(Map.of("database.user", "postgres", "public-url", PUBLIC_URL, "http.api-token", API_TOKEN, "http.link-secret", LINK_SECRET,
                "recording.enabled", "true", "recording.format", "wav", "worker.poll-ms", "100", "worker.retry-base-ms", "200",
                "worker.max-attempts", "200", "shutdown.grace-seconds", "5"));
        settings.put("twilio.backoff-ms", "50");
        // a callback that failed through an outage is tried again within 10 s, not after its exponential backoff grew
        // to minutes: the final wait below is then bounded
        settings.put("worker.retry-max-ms", "10000");
        Replica a = new Replica("a", dir, settings);
        Replica b = new Replica("b", dir, settings);
        int kills = 0;
        try (twilio; a; b) {
            a.start();
            b.start();
            twilio.chaos(0.30, 0.05);
            phase("replicas up; load and the kill loop start");
            Duration run = KILL_LOOP.plus(S3_DOWN).plus(POSTGRES_DOWN).plusSeconds(6);
            Thread callbacks = thread("callbacks", () -> sendCallbacks(twilio, List.of(a, b), run));
            Thread calls = thread("calls", () -> streamCalls(List.of(b, a), run));

            long killUntil = System.nanoTime() + KILL_LOOP.toNanos();
            while (System.nanoTime() < killUntil) {
                Thread.sleep(2_000);
                a.kill();
                kills++;
                a.start();
            }
            phase("kill loop over (" + kills + " kills); S3 stopped");
            TestS3.get().stop();
            Thread.sleep(S3_DOWN.toMillis());
            TestS3.get().restart();
            phase("S3 back");
            Thread.sleep(2_000);
            stopPostgres();
            phase("PostgreSQL stopped");
            Thread.sleep(POSTGRES_DOWN.toMillis());
            startPostgres();
            phase("PostgreSQL back");

            callbacks.join();
            calls.join();
            assertThat(failures).as("the load generators themselves").isEmpty();
            DaemonHarness.await("every acknowledged callback archived and every stream's rows completed", Duration.ofSeconds(LONG ? 300 : 150), () ->
                    archived().containsAll(acknowledged)
                            && count("SELECT count(*) FROM recordings WHERE stream_sid IS NOT NULL AND status = 'in-progress'") == 0
                            && count("SELECT count(*) FROM callbacks WHERE state <> 'done'") == 0,
                    () -> "acknowledged but not archived: " + acknowledged.stream().filter(sid -> !archived().contains(sid)).count()
                            + "; stream rows in progress: " + count("SELECT count(*) FROM recordings WHERE stream_sid IS NOT NULL AND status = 'in-progress'")
                            + "; callbacks not done: " + rows("SELECT state || ' attempts=' || attempts || ' next=' || next_attempt_at || ' ' "
                            + "|| coalesce(last_error, '') FROM callbacks WHERE state <> 'done' LIMIT 5"));
            twilio.chaos(0, 0);
            a.close();
            b.close();

            assertInvariants(twilio, settings);
            System.out.printf("fault suite (%s): %d callbacks acknowledged, %d unanswered while both replicas were unreachable, %d kill -9 of "
                            + "replica a, S3 down %d s, PostgreSQL down %d s, %d media downloads cut, %d recordings fetched more than once, "
                            + "%d real-time streams (%d cut by a kill), %d requests journaled during the database outage, %d answers, none 5xx%n",
                    LONG ? "long" : "short", acknowledged.size(), unanswered.get(), kills, S3_DOWN.toSeconds(), POSTGRES_DOWN.toSeconds(),
                    twilio.cutDownloads(), acknowledged.stream().filter(s -> twilio.wholeDownloads(s) > 1).count(),
                    count("SELECT count(DISTINCT stream_sid) FROM recordings WHERE stream_sid IS NOT NULL"), streamsCut.get(), journaled(), answers.size());
        } finally {
            stopPostgres();
            keepLogs();
        }
    }

    private void assertInvariants(TwilioStandIn twilio, Map<String, String> settings) throws Exception {
        assertThat(serverErrors).as("no 5xx answered to a valid Twilio request").isEmpty();
        assertThat(acknowledged).as("callbacks acknowledged").hasSizeGreaterThan(CALLBACKS * 9 / 10);

        Map<String, String> rows = new HashMap<>(); // recording sid -> s3 key
        try (Connection c = connect(); ResultSet rs = c.createStatement().executeQuery(
                "SELECT recording_sid, s3_key, status FROM recordings WHERE recording_sid IS NOT NULL")) {
            while (rs.next()) {
                assertThat(rs.getString(3)).as(rs.getString(1)).isEqualTo("completed");
                assertThat(rows.put(rs.getString(1), rs.getString(2))).as("one row per recording").isNull();
            }
        }
        assertThat(rows.keySet()).as("every acknowledged recording is archived").containsAll(acknowledged);
        assertThat(sent).as("and nothing that was not sent").containsAll(rows.keySet());
        assertThat(count("SELECT count(*) FROM callbacks WHERE state = 'done'")).as("one queued callback each, done").isEqualTo(rows.size());
        for (String sid : acknowledged) {
            assertThat(twilio.wholeDownloads(sid)).as("media of " + sid + " served whole at least once").isGreaterThanOrEqualTo(1);
        }

        try (RecordingStore store = RecordingStores.open(ConfigLoader.of(settings).storage());
             Connection c = connect(); ResultSet rs = c.createStatement().executeQuery(
                     "SELECT s3_key, file_size, sha256, recording_sid FROM recordings WHERE status = 'completed'")) {
            int completed = 0;
            while (rs.next()) {
                completed++;
                String key = rs.getString(1);
                assertThat(contentSha256(store, key)).as("content of " + key).isEqualTo(rs.getString(3));
                assertThat(store.head(key).orElseThrow().size()).as("size of " + key).isEqualTo(rs.getLong(2));
                if (rs.getString(4) != null) {
                    assertThat(rs.getString(3)).as("Twilio's bytes for " + rs.getString(4)).isEqualTo(twilio.sha256Of(rs.getString(4), "mp3"));
                }
            }
            List<String> twilioObjects = store.list(store.prefix() + "recordings/").stream().filter(k -> k.matches(".*/RE[0-9a-f]{32}\\.mp3")).toList();
            assertThat(twilioObjects).as("one object per archived recording").hasSize(archived().size());
            assertThat(completed).isGreaterThan(acknowledged.size());
        }

        try (Connection c = connect(); ResultSet rs = c.createStatement().executeQuery(
                "SELECT stream_sid, count(*) FROM recordings WHERE stream_sid IS NOT NULL GROUP BY stream_sid")) {
            int streams = 0;
            while (rs.next()) {
                streams++;
                assertThat(rs.getInt(2)).as("user, assistant and mixed of stream " + rs.getString(1)).isEqualTo(3);
            }
            assertThat(count("SELECT count(*) FROM recordings WHERE stream_sid IS NOT NULL AND status <> 'completed' AND stream_sid <> '"
                    + sabotaged + "'")).as("every other stream's rows completed").isZero();
            assertThat(count("SELECT count(*) FROM recordings WHERE stream_sid = '" + sabotaged + "' AND status = 'failed' "
                    + "AND recording_metadata->>'failure' LIKE '%could not be written%'")).as("the unwritable spool's rows failed with the reason")
                    .isEqualTo(3);
            assertThat(streams).as("real-time streams recorded").isGreaterThanOrEqualTo(CALLS / 2);
        }

        assertThat(journaled()).as("callbacks acknowledged during the PostgreSQL outage went through the journal").isPositive();
        assertThat(twilio.cutDownloads()).as("Twilio cut downloads short").isPositive();

        List<String> secrets = List.of(TwilioStandIn.AUTH_TOKEN, TestS3.SECRET_KEY, API_TOKEN, LINK_SECRET);
        for (Path log : List.of(dir.resolve("a.log"), dir.resolve("b.log"))) {
            String text = Files.readString(log);
            assertThat(text).as(log + " was written").contains("callvaultd listening");
            for (String secret : secrets) {
                assertThat(text).as("no secret in " + log).doesNotContain(secret);
            }
        }
    }

    /** 500 signed callbacks spread over {@code run}, each to one replica and, when that one does not answer, to the other. */
    private void sendCallbacks(TwilioStandIn twilio, List<Replica> replicas, Duration run) throws Exception {
        long start = System.nanoTime();
        long interval = run.toNanos() / CALLBACKS;
        for (int i = 0; i < CALLBACKS; i++) {
            String callSid = Sids.call();
            String recordingSid = Sids.recording();
            twilio.add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, callSid, recordingSid, Instant.now(), 24_000));
            if (i % 10 == 0) {
                deliver(replicas, i, "/twiml", Map.of("CallSid", callSid, "AccountSid", TwilioStandIn.ACCOUNT_SID, "From", "+15550100",
                        "To", "+15550199"));
            }
            sent.add(recordingSid);
            Integer status = deliver(replicas, i, "/recording/status", DaemonHarness.callback(callSid, recordingSid, "completed"));
            if (status != null && status / 100 == 2) {
                acknowledged.add(recordingSid);
            }
            long next = start + (i + 1) * interval;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
        }
    }

    private Integer deliver(List<Replica> replicas, int i, String path, Map<String, String> params) throws Exception {
        for (int attempt = 0; attempt < replicas.size(); attempt++) {
            Replica r = replicas.get((i + attempt) % replicas.size());
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.port + path))
                    .timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("X-Twilio-Signature", TwilioSigner.sign(TwilioStandIn.AUTH_TOKEN, PUBLIC_URL + path, params))
                    .POST(HttpRequest.BodyPublishers.ofString(TwilioSigner.form(params))).build();
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                answers.add(status);
                if (status >= 500) {
                    serverErrors.add(Instant.now() + " " + r.name + " " + path + " " + status + " " + response.body());
                }
                return status;
            } catch (IOException e) {
                // the replica is down or was killed mid-request: Twilio's side sees a connection error, not an answer
            }
        }
        unanswered.incrementAndGet();
        return null;
    }

    /** Real-time calls of 6 s at the pace Twilio streams them, started one after another over {@code run}. */
    private void streamCalls(List<Replica> replicas, Duration run) throws Exception {
        long gap = run.toMillis() / CALLS;
        List<Thread> running = new ArrayList<>();
        for (int c = 0; c < CALLS; c++) {
            SyntheticCall call = new SyntheticCall(TwilioStandIn.ACCOUNT_SID, 6, new double[][]{{0, 3}}, new double[][]{{3, 6}});
            Replica first = replicas.get(c % replicas.size());
            Replica second = replicas.get((c + 1) % replicas.size());
            if (c == 2) {
                sabotaged = call.streamSid; // on replica b, never killed, while PostgreSQL is up
                running.add(thread("call-" + c, () -> streamOntoAnUnwritableSpool(call, first)));
            } else {
                running.add(thread("call-" + c, () -> stream(call, first, second)));
            }
            Thread.sleep(gap);
        }
        for (Thread t : running) {
            t.join();
        }
    }

    private void stream(SyntheticCall call, Replica first, Replica second) throws Exception {
        MediaClient socket;
        try {
            socket = MediaClient.open(first.port);
        } catch (Exception e) {
            socket = MediaClient.open(second.port);
        }
        try (MediaClient s = socket) {
            s.send(call.connected());
            s.send(call.start(null));
            for (int second0 = 0; second0 < 6; second0++) {
                s.send(call.media(second0, second0 + 1));
                Thread.sleep(1_000);
            }
            s.send(call.stop());
        } catch (Exception e) {
            streamsCut.incrementAndGet(); // its replica was killed: the recording is finished when that replica starts again
        }
    }

    private static void phase(String what) {
        System.out.println(Instant.now() + " fault suite: " + what);
    }

    /** A call whose spool is made unwritable 2 s in: its rows must end failed with the reason, and nothing else stop. */
    private void streamOntoAnUnwritableSpool(SyntheticCall call, Replica replica) throws Exception {
        Path spool = dir.resolve(replica.name).resolve("realtime").resolve(call.streamSid);
        try (MediaClient s = MediaClient.open(replica.port)) {
            s.send(call.connected());
            s.send(call.start(null));
            s.send(call.media(0, 2));
            DaemonHarness.await("the sabotaged stream's rows", Duration.ofSeconds(30), () -> count("SELECT count(*) FROM recordings WHERE stream_sid = '"
                    + call.streamSid + "' AND status = 'in-progress'") == 3 && Files.exists(spool.resolve("progress")));
            Immutable.chattr("+i", spool);
            try {
                for (int second = 2; second < 6; second++) {
                    s.send(call.media(second, second + 1));
                    Thread.sleep(1_000);
                }
                s.send(call.stop());
            } finally {
                Immutable.chattr("-i", spool);
            }
        }
    }

    private Thread thread(String name, ThrowingRunnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Exception e) {
                failures.add(name + ": " + e);
            }
        }, name);
        t.start();
        return t;
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static String contentSha256(RecordingStore store, String key) throws IOException {
        MessageDigest sha = Hex.sha256();
        try (InputStream in = store.get(key, 0, -1)) {
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
            }
        }
        return Hex.of(sha.digest());
    }

    private void startPostgres() throws IOException {
        postgres = EmbeddedPostgres.builder().setPort(postgresPort).setDataDirectory(dir.resolve("pgdata")).setCleanDataDirectory(false).start();
    }

    private void stopPostgres() throws IOException {
        if (postgres != null) {
            postgres.close();
            postgres = null;
        }
    }

    private String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + postgresPort + "/postgres";
    }

    private Connection connect() throws Exception {
        return DriverManager.getConnection(jdbcUrl(), "postgres", null);
    }

    /** The replicas' logs, kept under target/faults/ for a look after a failure (the temporary directory goes). */
    private void keepLogs() throws IOException {
        Path kept = Path.of("target", "faults");
        Files.createDirectories(kept);
        for (String name : List.of("a.log", "b.log")) {
            if (Files.exists(dir.resolve(name))) {
                Files.copy(dir.resolve(name), kept.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** How many requests the replicas moved from their journals into the database, by their logs. */
    private long journaled() throws IOException {
        long n = 0;
        java.util.regex.Pattern moved = java.util.regex.Pattern.compile("moved (\\d+) journaled requests");
        for (Path log : List.of(dir.resolve("a.log"), dir.resolve("b.log"))) {
            java.util.regex.Matcher m = moved.matcher(Files.readString(log));
            while (m.find()) {
                n += Long.parseLong(m.group(1));
            }
        }
        return n;
    }

    /** The RecordingSids with a completed row. */
    private Set<String> archived() {
        Set<String> sids = new java.util.HashSet<>();
        try (Connection c = connect(); ResultSet rs = c.createStatement().executeQuery(
                "SELECT recording_sid FROM recordings WHERE status = 'completed' AND recording_sid IS NOT NULL")) {
            while (rs.next()) {
                sids.add(rs.getString(1));
            }
        } catch (Exception e) {
            return Set.of();
        }
        return sids;
    }

    private List<String> rows(String sql) {
        List<String> out = new ArrayList<>();
        try (Connection c = connect(); ResultSet rs = c.createStatement().executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        } catch (Exception e) {
            out.add(e.toString());
        }
        return out;
    }

    private long count(String sql) {
        try (Connection c = connect(); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            return -1;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
