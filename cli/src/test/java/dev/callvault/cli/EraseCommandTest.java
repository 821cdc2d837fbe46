package dev.callvault.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.config.ConfigLoader;
import dev.callvault.daemon.Daemon;
import dev.callvault.daemon.DaemonHarness;
import dev.callvault.daemon.TwilioSigner;
import dev.callvault.db.CallRepository;
import dev.callvault.db.RecordingRepository;
import dev.callvault.db.RecordingRow;
import dev.callvault.privacy.Holds;
import dev.callvault.privacy.NumberHash;
import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.RecordingStores;
import dev.callvault.testing.ArchivedCalls;
import dev.callvault.testing.Environment;
import dev.callvault.testing.TestS3Mock;
import dev.callvault.testing.TwilioStandIn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code callvault erase}: a person's calls found by their number in any format, deleted everywhere (store, every object
 * version, Twilio, the database's audio and numbers), a held call refused naming its hold, a proof that lists every key
 * and SID, nothing brought back by a late callback, and an erasure killed halfway finished by running it again.
 */
class EraseCommandTest {
    private static final Instant DAY = Instant.parse("2026-11-20T10:00:00Z");
    private static final String SECRET = "erase-test-secret-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final Environment env = new Environment();

    private final Cli cli = new Cli(env);

    private Map<String, String> settings() {
        return Map.of("privacy.hash-secret", SECRET);
    }

    private RecordingRow row(String recordingSid) {
        return new RecordingRepository(env.db().jdbi()).findByRecordingSid(recordingSid).orElseThrow();
    }

    @Test
    void aNumberInAnyFormatFindsItsCallsAcrossAssistantsHeldOnesAreRefusedTheRestGoEverywhere() throws Exception {
        List<String> keys;
        ArchivedCalls.Call sales;
        ArchivedCalls.Call support;
        ArchivedCalls.Call held;
        ArchivedCalls.Call other;
        try (RecordingStore store = RecordingStores.open(env.config().storage())) {
            ArchivedCalls calls = new ArchivedCalls(env, store, Clock.fixed(DAY, ZoneOffset.UTC));
            sales = calls.add("+14155550102", "+18005550199", "sales", DAY);
            support = calls.add("+18005550188", "+14155550102", "support", DAY.plusSeconds(3600));
            held = calls.add("+14155550102", "+18005550199", "sales", DAY.plusSeconds(7200));
            other = calls.add("+14155550177", "+18005550199", "sales", DAY.plusSeconds(9000));
            keys = List.of(row(sales.recordingSid()).s3Key(), row(sales.recordingSid()).s3Key() + ".peaks.json",
                    row(support.recordingSid()).s3Key(), row(support.recordingSid()).s3Key() + ".peaks.json");
            assertThat(store.list("")).containsAll(keys);
        }
        new Holds(env.db().jdbi(), new NumberHash(null), Clock.systemUTC()).place(new CallRepository(env.db().jdbi()).findBySid(held.callSid()).orElseThrow(), null,
                "dispute 4411", "carol", null);

        Cli.Result r = cli.run(List.of("erase"), settings(), "--number", "+1 (415) 555-0102", "--reason", "GDPR request 2026-311", "--yes", "--json", "--by", "dpo");

        assertThat(r.exit()).as(r.err()).isEqualTo(1); // not complete: one call is held
        JsonNode proof = JSON.readTree(r.out().lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow());
        assertThat(proof.get("state").asText()).isEqualTo("partial");
        assertThat(proof.get("requested_by").asText()).isEqualTo("dpo");
        assertThat(proof.toString()).as("the number, kept nowhere").doesNotContain("4155550102");
        Map<String, JsonNode> calls = new HashMap<>();
        proof.get("calls").forEach(c -> calls.put(c.get("call_sid").asText(), c));
        assertThat(calls).containsOnlyKeys(sales.callSid(), support.callSid(), held.callSid());
        assertThat(calls.get(sales.callSid()).get("outcome").asText()).isEqualTo("erased");
        assertThat(calls.get(support.callSid()).get("outcome").asText()).isEqualTo("erased");
        assertThat(calls.get(held.callSid()).get("outcome").asText()).isEqualTo("held");
        assertThat(calls.get(held.callSid()).get("detail").asText()).contains("dispute 4411").contains("carol");
        List<String> steps = new java.util.ArrayList<>();
        proof.get("steps").forEach(s -> steps.add(s.toString()));
        for (String key : keys) {
            assertThat(steps).as("the proof names " + key).anyMatch(s -> s.contains(key) && s.contains("\"outcome\":\"deleted\""));
        }
        for (String sid : List.of(sales.recordingSid(), support.recordingSid())) {
            assertThat(steps).as("the proof names Twilio's deletion of " + sid)
                    .anyMatch(s -> s.contains(sid) && s.contains("\"where\":\"twilio\"") && s.contains("\"outcome\":\"deleted\""));
        }
        assertThat(proof.get("notes").toString()).contains("40 days");

        try (RecordingStore store = RecordingStores.open(env.config().storage())) {
            assertThat(store.list("")).as("the bucket").doesNotContainAnyElementsOf(keys)
                    .contains(row(held.recordingSid()).s3Key(), row(other.recordingSid()).s3Key());
        }
        assertThat(env.twilio().has(sales.recordingSid()) || env.twilio().has(support.recordingSid())).as("at Twilio").isFalse();
        assertThat(env.twilio().has(held.recordingSid()) && env.twilio().has(other.recordingSid())).isTrue();
        assertThat(row(sales.recordingSid()).status()).isEqualTo("erased");
        var erasedCall = new CallRepository(env.db().jdbi()).findBySid(sales.callSid()).orElseThrow();
        assertThat(erasedCall.fromNumber()).isNull();
        assertThat(new CallRepository(env.db().jdbi()).findBySid(held.callSid()).orElseThrow().fromNumber()).isEqualTo("+14155550102");

        // Twilio's late status callback for an erased recording: acknowledged, and nothing archived
        Map<String, String> s = new HashMap<>(env.settings());
        s.putAll(Map.of("http.port", "0", "http.management-address", "127.0.0.1:0", "worker.poll-ms", "50",
                "state-dir", Files.createTempDirectory("erase-daemon").toString()));
        try (Daemon d = Daemon.start(ConfigLoader.of(s))) {
            Map<String, String> p = DaemonHarness.callback(sales.callSid(), sales.recordingSid(), "completed");
            HttpResponse<String> ack = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.port() + "/recording/status"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("X-Twilio-Signature", TwilioSigner.sign(TwilioStandIn.AUTH_TOKEN, "https://calls.example.com/recording/status", p))
                    .POST(HttpRequest.BodyPublishers.ofString(TwilioSigner.form(p))).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(ack.statusCode()).isEqualTo(204);
            DaemonHarness.await("the late callback handled", Duration.ofSeconds(60), () -> env.db().jdbi().withHandle(h -> h.createQuery(
                    "SELECT count(*) FROM callbacks WHERE recording_sid = :r AND state = 'done'").bind("r", sales.recordingSid()).mapTo(Integer.class).one()) == 1);
        }
        assertThat(row(sales.recordingSid()).status()).isEqualTo("erased");
        try (RecordingStore store = RecordingStores.open(env.config().storage())) {
            assertThat(store.list("")).doesNotContainAnyElementsOf(keys);
        }
    }

    @Test
    void onAVersionedBucketNothingOfAnErasedRecordingIsLeftInItsVersions() throws Exception {
        try (TestS3Mock mock = new TestS3Mock()) {
            String bucket = mock.versionedBucket();
            Map<String, String> versioned = new HashMap<>(settings());
            versioned.put("storage", "s3://" + bucket + "/");
            versioned.put("s3.endpoint", mock.endpoint.toString());
            Map<String, String> all = new HashMap<>(env.settings());
            all.putAll(versioned);
            ArchivedCalls.Call call;
            String key;
            try (RecordingStore store = RecordingStores.open(ConfigLoader.of(all).storage())) {
                call = new ArchivedCalls(env, store, Clock.fixed(DAY, ZoneOffset.UTC)).add("+14155550102", "+18005550199", "sales", DAY);
                key = row(call.recordingSid()).s3Key();
                // the object written again, and deleted plainly once: three versions and a delete marker of one key
                store.put(key, new java.io.ByteArrayInputStream(new byte[]{1, 2, 3}), "audio/mpeg", Map.of());
                mock.s3.deleteObject(b -> b.bucket(bucket).key(key));
                store.put(key, new java.io.ByteArrayInputStream(new byte[]{4, 5, 6}), "audio/mpeg", Map.of());
            }
            assertThat(mock.versions(bucket, key)).as("versions before").hasSizeGreaterThanOrEqualTo(4);

            Cli.Result r = cli.run(List.of("erase"), versioned, "--call", call.callSid(), "--reason", "ticket 881", "--yes");

            assertThat(r.exit()).as(r.out() + r.err()).isZero();
            assertThat(mock.versions(bucket, "")).as("every version and delete marker left in the bucket").isEmpty();
            assertThat(r.out()).contains("proof of erasure").contains("COMPLETE").contains(key);
        }
    }

    @Test
    void anErasureKilledHalfwayEndsCompleteWhenRunAgainWithOneProof() throws Exception {
        List<ArchivedCalls.Call> calls = new java.util.ArrayList<>();
        try (RecordingStore store = RecordingStores.open(env.config().storage())) {
            ArchivedCalls archived = new ArchivedCalls(env, store, Clock.fixed(DAY, ZoneOffset.UTC));
            for (int i = 0; i < 8; i++) {
                calls.add(archived.add("+14155550102", "+18005550199", "sales", DAY.plusSeconds(600L * i)));
            }
        }
        env.twilio().latency(Duration.ofMillis(400)); // each Twilio request takes a while: the kill lands mid-erasure
        Process first = cli.start(List.of("erase"), settings(), "--number", "415 555 0102", "--reason", "GDPR request 2026-312", "--yes");
        try {
            DaemonHarness.await("the erasure under way", Duration.ofSeconds(120), () -> env.db().jdbi().withHandle(h -> h.createQuery(
                    "SELECT count(*) FROM deletions WHERE kind = 'erasure' AND place = 'database'").mapTo(Integer.class).one()) >= 2);
        } finally {
            first.destroyForcibly(); // kill -9
            first.waitFor(30, TimeUnit.SECONDS);
        }
        long tombstonesAtKill = env.db().jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM recordings WHERE status = 'erased' AND recording_type <> 'twilio'")
                .mapTo(Long.class).one());
        assertThat(tombstonesAtKill).as("erased before the kill").isBetween(1L, 7L);
        env.twilio().latency(Duration.ZERO);

        Cli.Result again = cli.run(List.of("erase"), settings(), "--number", "4155550102", "--reason", "GDPR request 2026-312", "--yes", "--json");

        assertThat(again.exit()).as(again.out() + again.err()).isZero();
        List<Map<String, Object>> erasures = env.db().jdbi().withHandle(h -> h.createQuery("SELECT state, report::text AS report FROM erasures").mapToMap().list());
        assertThat(erasures).as("one erasure, carried on under its id").hasSize(1);
        assertThat(erasures.get(0).get("state")).isEqualTo("complete");
        String report = (String) erasures.get(0).get("report");
        for (ArchivedCalls.Call c : calls) {
            assertThat(row(c.recordingSid()).status()).isEqualTo("erased");
            assertThat(report).contains(c.callSid()).contains(c.recordingSid());
            assertThat(env.twilio().has(c.recordingSid())).isFalse();
        }
        try (RecordingStore store = RecordingStores.open(env.config().storage())) {
            assertThat(store.list("")).isEmpty();
        }
    }
}
