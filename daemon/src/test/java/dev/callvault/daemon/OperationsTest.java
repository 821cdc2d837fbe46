package dev.callvault.daemon;

import dev.callvault.testing.Environment;
import dev.callvault.testing.Rows;
import dev.callvault.testing.TcpProxy;
import dev.callvault.testing.Sids;
import dev.callvault.testing.StandInRecording;
import dev.callvault.testing.TwilioStandIn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

class OperationsTest {
    @RegisterExtension
    static final Environment env = new Environment();

    private final DaemonHarness harness = new DaemonHarness(env);

    private long count(String sql) {
        return env.db().jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    @Test
    void twoDaemonsOnOneDatabaseArchiveEachOf200CallbacksExactlyOnce() throws Exception {
        try (Daemon a = harness.start(); Daemon b = harness.start()) {
            List<Map<String, String>> callbacks = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String callSid = Sids.call();
                String recordingSid = Sids.recording();
                env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, callSid, recordingSid, Instant.parse("2026-11-24T14:06:19Z"), 8192));
                callbacks.add(DaemonHarness.callback(callSid, recordingSid, "completed"));
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<Integer>> acks = new ArrayList<>();
            for (int i = 0; i < callbacks.size(); i++) {
                Daemon target = i % 2 == 0 ? a : b;
                Map<String, String> p = callbacks.get(i);
                acks.add(pool.submit(() -> harness.postSigned(target, p).statusCode()));
            }
            for (Future<Integer> f : acks) {
                assertThat(f.get()).isEqualTo(204);
            }
            pool.shutdown();

            DaemonHarness.await("200 archived", Duration.ofSeconds(90),
                    () -> count("SELECT count(*) FROM callbacks WHERE state = 'done'") == 200);
        }
        assertThat(env.twilio().mediaDownloads()).as("each recording downloaded once").isEqualTo(200);
        assertThat(count("SELECT count(*) FROM recordings WHERE status = 'completed'")).isEqualTo(200);
        assertThat(count("SELECT count(DISTINCT recording_sid) FROM recordings")).isEqualTo(200);
        assertThat(count("SELECT count(*) FROM callbacks WHERE attempts <> 1")).as("no callback ran twice").isZero();
    }

    @Test
    void readinessFailsWhenTheDatabaseIsUnreachable() throws Exception {
        URI db = URI.create(env.jdbcUrl().substring("jdbc:".length()));
        try (TcpProxy proxy = new TcpProxy(db.getHost(), db.getPort())) {
            String viaProxy = env.jdbcUrl().replace(db.getHost() + ":" + db.getPort(), "127.0.0.1:" + proxy.port());
            try (Daemon d = harness.start(Map.of("database.url", viaProxy))) {
                assertThat(harness.manage(d, "/readyz").statusCode()).isEqualTo(200);

                proxy.close();

                HttpResponse<byte[]> r = harness.manage(d, "/readyz");
                assertThat(r.statusCode()).isEqualTo(503);
                assertThat(new String(r.body())).contains("\"database\":false");
                assertThat(harness.manage(d, "/healthz").statusCode()).as("the process itself is fine").isEqualTo(200);
            }
        }
    }

    @Test
    void readinessAndMetricsAnswerOnlyOnTheManagementListener() throws Exception {
        try (Daemon d = harness.start()) {
            assertThat(harness.get(d, "/readyz").statusCode()).as("public /readyz").isEqualTo(404);
            assertThat(harness.get(d, "/metrics").statusCode()).as("public /metrics").isEqualTo(404);
            assertThat(harness.get(d, "/healthz").statusCode()).as("public /healthz, for load balancers").isEqualTo(200);
            assertThat(harness.manage(d, "/readyz").statusCode()).isEqualTo(200);
            assertThat(new String(harness.manage(d, "/metrics").body())).contains("callvault_queue_depth");
            assertThat(harness.manage(d, "/recording/status").statusCode()).as("no webhooks on the management port").isEqualTo(404);
        }
    }

    @Test
    void readinessNamesChunkedEncodingWhenTheStoreKeepsTheFraming() throws Exception {
        String endpoint = dev.callvault.testing.TestS3.get().framingKeepingEndpoint().toString();
        try (Daemon framed = harness.start(Map.of("s3.endpoint", endpoint))) {
            HttpResponse<byte[]> r = harness.manage(framed, "/readyz");

            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(new String(r.body())).contains("\"storage\":false").contains("aws-chunked").contains("set s3.chunked-encoding = false");
        }
        try (Daemon plain = harness.start(Map.of("s3.endpoint", endpoint, "s3.chunked-encoding", "false"))) {
            assertThat(harness.manage(plain, "/readyz").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void answersTheVoiceWebhookWithCallStartTwimlAndRecordsTheCall() throws Exception {
        try (Daemon d = harness.start()) {
            String callSid = Sids.call();
            Map<String, String> p = new HashMap<>(Map.of("CallSid", callSid, "AccountSid", TwilioStandIn.ACCOUNT_SID,
                    "From", "+15550100", "To", "+15550199", "CallStatus", "ringing"));

            HttpResponse<String> r = harness.post(d, "/twiml?assistant=support-en", p, DaemonHarness.PUBLIC_URL + "/twiml?assistant=support-en");
            HttpResponse<String> unsigned = harness.post(d, "/twiml", p, null);
            p.remove("CallSid");
            HttpResponse<String> noCall = harness.post(d, "/twiml", p, DaemonHarness.PUBLIC_URL + "/twiml");

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/xml");
            assertThat(r.body()).contains("<Start><Recording channels=\"dual\"").contains("<Connect><Stream url=\"wss://calls.example.com/streams\"/>");
            assertThat(count("SELECT count(*) FROM calls WHERE assistant = 'support-en' AND from_number = '+15550100'")).isEqualTo(1);
            assertThat(unsigned.statusCode()).isEqualTo(403);
            assertThat(noCall.statusCode()).isEqualTo(400);
            assertThat(noCall.body()).contains("CallSid");
        }
    }

    @Test
    void exportsPrometheusMetrics() throws Exception {
        try (Daemon d = harness.start()) {
            harness.post(d, "/recording/status", DaemonHarness.callback(Sids.call(), Sids.recording(), "completed"), null);

            String metrics = new String(harness.manage(d, "/metrics").body());

            assertThat(metrics).contains("callvault_callbacks_rejected_total{reason=\"unsigned\"} 1.0")
                    .contains("callvault_queue_depth").contains("callvault_queue_oldest_pending_seconds")
                    .contains("callvault_twilio_retries_total").contains("callvault_derived_dropped_total 0.0").contains("http_server_requests_seconds_count{method=\"POST\",route=\"recording_status\",status=\"403\"}");
        }
    }

    /** The value of the sample {@code series} (name and labels as Prometheus prints them) in {@code scrape}. */
    private static double sample(String scrape, String series) {
        return scrape.lines().filter(l -> l.startsWith(series + " ")).map(l -> Double.parseDouble(l.substring(series.length() + 1).trim()))
                .findFirst().orElseThrow(() -> new AssertionError("no " + series + " in /metrics"));
    }

    @Test
    void everyPrivacyGaugeShowsAChangeAtTheFirstScrapeAfterIt() throws Exception {
        Instant lastRun = Instant.parse("2026-11-30T09:15:00Z");
        try (Daemon d = harness.start()) {
            harness.manage(d, "/metrics"); // Prometheus scrapes all along: this one reads the database as it was

            String erased = Sids.call();
            Rows.realtime(env.db(), Rows.call(env.db(), erased), "mixed", "recordings/" + erased + "-mixed.wav");
            Tombstones.erase(env.db(), erased, "bob", "GDPR request 2026-400", lastRun);
            String expired = Sids.call();
            java.util.UUID expiredCall = Rows.call(env.db(), expired);
            Rows.realtime(env.db(), expiredCall, "mixed", "recordings/" + expired + "-mixed.wav");
            Tombstones.expire(env.db(), expired, "retention.days = 30", lastRun);
            env.db().jdbi().useHandle(h -> {
                h.createUpdate("INSERT INTO erasures (selector, requested_by, reason, call_ids) VALUES ('call:' || :c, 'bob', 'GDPR request 2026-401', ARRAY[]::uuid[])")
                        .bind("c", Sids.call()).execute();
                h.createUpdate("INSERT INTO legal_holds (call_id, reason, placed_by) VALUES (:c, 'dispute 4411', 'bob')").bind("c", expiredCall).execute();
                h.createUpdate("INSERT INTO retention_runs (dry_run, finished_at) VALUES (false, :at)")
                        .bind("at", java.time.OffsetDateTime.ofInstant(lastRun, java.time.ZoneOffset.UTC)).execute();
                h.createUpdate("""
                                INSERT INTO callbacks (account_sid, call_sid, recording_sid, recording_status, params, state)
                                VALUES (:a, :c, :r, 'completed', '{}'::jsonb, 'dead')""")
                        .bind("a", dev.callvault.testing.TwilioStandIn.ACCOUNT_SID).bind("c", Sids.call()).bind("r", Sids.recording()).execute();
            });

            String metrics = new String(harness.manage(d, "/metrics").body());

            assertThat(List.of(sample(metrics, "callvault_recordings_deleted{reason=\"retention\"}"),
                    sample(metrics, "callvault_recordings_deleted{reason=\"erasure\"}"), sample(metrics, "callvault_erasures_unfinished"),
                    sample(metrics, "callvault_holds_active"), sample(metrics, "callvault_retention_last_run_seconds"),
                    sample(metrics, "callvault_queue_dead")))
                    .containsExactly(1.0, 1.0, 1.0, 1.0, (double) lastRun.getEpochSecond(), 1.0);
        }
    }
}
