package dev.callvault.daemon;

import dev.callvault.db.RecordingRepository;
import dev.callvault.testing.Environment;
import dev.callvault.testing.Sids;
import dev.callvault.testing.StandInRecording;
import dev.callvault.testing.TwilioStandIn;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

class RecordingStatusWebhookTest {
    @RegisterExtension
    static final Environment env = new Environment();

    private final DaemonHarness harness = new DaemonHarness(env);
    private Daemon daemon;

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    private long callbacksStored() {
        return env.db().jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM callbacks").mapTo(Long.class).one());
    }

    private StandInRecording twilioHas(String callSid, String recordingSid, long size) {
        return env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, callSid, recordingSid,
                Instant.parse("2026-11-24T14:06:19Z"), size));
    }

    @Test
    void acksASignedCallbackAtOnceAndArchivesItWithinSeconds() throws Exception {
        daemon = harness.start();
        String callSid = Sids.call();
        String recordingSid = Sids.recording();
        StandInRecording twilio = twilioHas(callSid, recordingSid, 2 * 1024 * 1024);
        env.twilio().latency(Duration.ofSeconds(2)); // Twilio is slow today: the ack must not wait for it

        long start = System.nanoTime();
        HttpResponse<String> r = harness.postSigned(daemon, DaemonHarness.callback(callSid, recordingSid, "completed"));
        long ackMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(r.statusCode()).isEqualTo(204);
        assertThat(ackMillis).as("acked before Twilio even answered").isLessThan(1500);
        var recordings = new RecordingRepository(env.db().jdbi());
        DaemonHarness.await("the mixed row to be upgraded", Duration.ofSeconds(60),
                () -> recordings.findByRecordingSid(recordingSid).map(x -> x.completed()).orElse(false));
        var row = recordings.findByRecordingSid(recordingSid).orElseThrow();
        assertThat(row.recordingType()).isEqualTo("mixed");
        assertThat(row.sha256()).isEqualTo(twilio.sha256("mp3"));
    }

    /**
     * Archive workers hold connections for as long as an archive takes; a callback must not queue behind them. With
     * every connection of the shared pool taken, a callback is still stored in the database (not journaled as if the
     * database were down) and the daemon stays ready.
     */
    @Test
    void storesACallbackWhileEveryConnectionOfTheSharedPoolIsTaken() throws Exception {
        daemon = harness.start(java.util.Map.of("worker.concurrency", "1", "database.pool-size", "4"));
        String callSid = Sids.call();
        String recordingSid = Sids.recording();
        twilioHas(callSid, recordingSid, 1024);
        java.util.List<org.jdbi.v3.core.Handle> taken = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                org.jdbi.v3.core.Handle h = daemon.database().jdbi().open();
                h.getConnection(); // a connection of the shared pool, held like a busy worker holds one
                taken.add(h);
            }
            HttpResponse<String> r = harness.postSigned(daemon, DaemonHarness.callback(callSid, recordingSid, "completed"));

            assertThat(r.statusCode()).isEqualTo(204);
            assertThat(callbacksStored()).as("stored at once, not journaled").isEqualTo(1);
            assertThat(new String(harness.manage(daemon, "/metrics").body())).contains("\ncallvault_journal_pending 0.0\n");
        } finally {
            taken.forEach(org.jdbi.v3.core.Handle::close);
        }
    }

    @Test
    void refusesUnsignedWronglySignedAndOtherUrlCallbacksAndStoresNothing() throws Exception {
        daemon = harness.start();
        Map<String, String> p = DaemonHarness.callback(Sids.call(), Sids.recording(), "completed");

        assertThat(harness.post(daemon, "/recording/status", p, null).statusCode()).as("unsigned").isEqualTo(403);
        assertThat(harness.post(daemon, "/recording/status", p, "https://evil.example.com/recording/status").statusCode())
                .as("signed for another URL").isEqualTo(403);
        var tampered = new java.util.LinkedHashMap<>(p);
        HttpRequest wrong = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.port() + "/recording/status"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Twilio-Signature", TwilioSigner.sign("0".repeat(32), DaemonHarness.PUBLIC_URL + "/recording/status", tampered))
                .POST(HttpRequest.BodyPublishers.ofString(TwilioSigner.form(tampered))).build();
        assertThat(harness.http.send(wrong, HttpResponse.BodyHandlers.ofString()).statusCode()).as("wrong key").isEqualTo(403);
        String signature = TwilioSigner.sign(TwilioStandIn.AUTH_TOKEN, DaemonHarness.PUBLIC_URL + "/recording/status", p);
        tampered.put("RecordingStatus", "absent");
        HttpRequest altered = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.port() + "/recording/status"))
                .header("Content-Type", "application/x-www-form-urlencoded").header("X-Twilio-Signature", signature)
                .POST(HttpRequest.BodyPublishers.ofString(TwilioSigner.form(tampered))).build();
        assertThat(harness.http.send(altered, HttpResponse.BodyHandlers.ofString()).statusCode()).as("altered parameter").isEqualTo(403);

        assertThat(callbacksStored()).isZero();
    }

    @Test
    void answersMalformedRequestsWith4xxNever5xx() throws Exception {
        daemon = harness.start(Map.of("http.max-body-bytes", "2048"));
        String url = DaemonHarness.PUBLIC_URL + "/recording/status";
        URI target = URI.create("http://127.0.0.1:" + daemon.port() + "/recording/status");
        List<HttpRequest> bad = new ArrayList<>();
        bad.add(HttpRequest.newBuilder(target).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"RecordingSid\":\"x\"}")).build());
        bad.add(HttpRequest.newBuilder(target).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("a=" + "x".repeat(5000))).build());
        bad.add(HttpRequest.newBuilder(target).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("%%%=%zz&&=")).build());
        bad.add(HttpRequest.newBuilder(target).POST(HttpRequest.BodyPublishers.noBody()).build());
        bad.add(HttpRequest.newBuilder(target).GET().build());
        Map<String, String> missing = Map.of("AccountSid", TwilioStandIn.ACCOUNT_SID, "RecordingStatus", "completed");
        bad.add(HttpRequest.newBuilder(target).header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Twilio-Signature", TwilioSigner.sign(TwilioStandIn.AUTH_TOKEN, url, missing))
                .POST(HttpRequest.BodyPublishers.ofString(TwilioSigner.form(missing))).build());
        var badSid = DaemonHarness.callback("CA123", "not-a-sid", "completed");
        bad.add(HttpRequest.newBuilder(target).header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Twilio-Signature", TwilioSigner.sign(TwilioStandIn.AUTH_TOKEN, url, badSid))
                .POST(HttpRequest.BodyPublishers.ofString(TwilioSigner.form(badSid))).build());

        List<Integer> statuses = new ArrayList<>();
        List<String> bodies = new ArrayList<>();
        for (HttpRequest r : bad) {
            HttpResponse<String> response = harness.http.send(r, HttpResponse.BodyHandlers.ofString());
            statuses.add(response.statusCode());
            bodies.add(response.body());
        }

        assertThat(statuses).containsExactly(415, 413, 400, 415, 405, 400, 400);
        assertThat(bodies.get(5)).contains("missing parameters: CallSid, RecordingSid");
        assertThat(callbacksStored()).isZero();
    }

    @Test
    void archivesTheSameCallbackDeliveredFiveTimesConcurrentlyOnce() throws Exception {
        daemon = harness.start();
        String callSid = Sids.call();
        String recordingSid = Sids.recording();
        twilioHas(callSid, recordingSid, 1024 * 1024);
        Map<String, String> p = DaemonHarness.callback(callSid, recordingSid, "completed");
        ExecutorService pool = Executors.newFixedThreadPool(5);
        List<Callable<Integer>> posts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            posts.add(() -> harness.postSigned(daemon, p).statusCode());
        }

        List<Integer> statuses = new ArrayList<>();
        for (Future<Integer> f : pool.invokeAll(posts)) {
            statuses.add(f.get());
        }
        pool.shutdown();

        assertThat(statuses).containsOnly(204);
        // Every post has been answered, so every row it could queue exists; once no callback is left pending, no
        // duplicate can download again, and the counts below are final.
        DaemonHarness.await("no callback left pending", Duration.ofSeconds(60), () -> callbacksStored() > 0 && env.db().jdbi().withHandle(h ->
                h.createQuery("SELECT count(*) FROM callbacks WHERE state <> 'done'").mapTo(Long.class).one()) == 0);
        assertThat(new RecordingRepository(env.db().jdbi()).findByRecordingSid(recordingSid).orElseThrow().completed()).isTrue();
        assertThat(env.twilio().mediaDownloads()).isEqualTo(1);
        assertThat(callbacksStored()).isEqualTo(1);
    }

    @Test
    void keepsEveryCallbackWhileS3IsDownAndArchivesThemAllWhenItReturns() throws Exception {
        daemon = harness.start();
        List<String> sids = new ArrayList<>();
        env.s3().stop();
        try {
            for (int i = 0; i < 10; i++) {
                String callSid = Sids.call();
                String recordingSid = Sids.recording();
                twilioHas(callSid, recordingSid, 64 * 1024);
                sids.add(recordingSid);
                assertThat(harness.postSigned(daemon, DaemonHarness.callback(callSid, recordingSid, "completed")).statusCode()).isEqualTo(204);
            }
            DaemonHarness.await("failed attempts while S3 is down", Duration.ofSeconds(60), () -> env.db().jdbi().withHandle(h ->
                    h.createQuery("SELECT count(*) FROM callbacks WHERE attempts > 0").mapTo(Long.class).one()) >= 10);
        } finally {
            env.s3().restart();
        }

        DaemonHarness.await("all archived after S3 returned", Duration.ofSeconds(60), () -> env.db().jdbi().withHandle(h ->
                h.createQuery("SELECT count(*) FROM callbacks WHERE state = 'done'").mapTo(Long.class).one()) == 10);
        long dead = env.db().jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM callbacks WHERE state = 'dead'").mapTo(Long.class).one());
        long completed = env.db().jdbi().withHandle(h -> h.createQuery(
                "SELECT count(*) FROM recordings WHERE status = 'completed' AND recording_sid IS NOT NULL").mapTo(Long.class).one());
        assertThat(dead).isZero();
        assertThat(completed).isEqualTo(10);
    }

    @Test
    void recordsAbsentWithoutDownloadingAndKeepsInProgressForTheRecord() throws Exception {
        daemon = harness.start();
        String callSid = Sids.call();
        String recordingSid = Sids.recording();

        assertThat(harness.postSigned(daemon, DaemonHarness.callback(callSid, recordingSid, "in-progress")).statusCode()).isEqualTo(204);
        assertThat(harness.postSigned(daemon, DaemonHarness.callback(callSid, recordingSid, "absent")).statusCode()).isEqualTo(204);

        var recordings = new RecordingRepository(env.db().jdbi());
        DaemonHarness.await("the absent status recorded", Duration.ofSeconds(60),
                () -> recordings.findByRecordingSid(recordingSid).isPresent());
        assertThat(recordings.findByRecordingSid(recordingSid).orElseThrow().status()).isEqualTo("absent");
        assertThat(env.twilio().mediaDownloads()).isZero();
        assertThat(callbacksStored()).isEqualTo(2);
    }

    @Test
    void marksACallbackDeadAtOnceWhenTwilioDoesNotKnowTheRecording() throws Exception {
        daemon = harness.start();
        String recordingSid = Sids.recording();

        assertThat(harness.postSigned(daemon, DaemonHarness.callback(Sids.call(), recordingSid, "completed")).statusCode()).isEqualTo(204);

        var callbacks = new dev.callvault.db.CallbackRepository(env.db().jdbi());
        DaemonHarness.await("the callback to die", Duration.ofSeconds(60),
                () -> callbacks.findByRecordingSid(recordingSid).get(0).state().equals("dead"));
        var dead = callbacks.findByRecordingSid(recordingSid).get(0);
        assertThat(dead.attempts()).as("a permanent failure is not retried").isEqualTo(1);
        assertThat(dead.lastError()).contains(recordingSid).contains("404");
    }
}
