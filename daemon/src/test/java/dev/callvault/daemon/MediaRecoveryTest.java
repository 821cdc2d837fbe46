package dev.callvault.daemon;

import dev.callvault.db.RecordingRepository;
import dev.callvault.db.RecordingRow;
import dev.callvault.storage.RecordingStores;
import dev.callvault.testing.AudioFiles;
import dev.callvault.testing.Environment;
import dev.callvault.testing.Goertzel;
import dev.callvault.testing.Sids;
import dev.callvault.testing.StandInRecording;
import dev.callvault.testing.SyntheticCall;
import dev.callvault.testing.TwilioStandIn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The recorder across a crash, against Twilio's own recording in either order, with recording off, and under load. */
class MediaRecoveryTest {
    @RegisterExtension
    static final Environment env = new Environment();

    @TempDir
    Path state;

    private final DaemonHarness harness = new DaemonHarness(env);

    private Map<String, String> recording(String format) {
        return new HashMap<>(Map.of("recording.enabled", "true", "recording.format", format, "state-dir", state.toString()));
    }

    private List<RecordingRow> rows(String callSid) {
        var repo = new RecordingRepository(env.db().jdbi());
        return env.db().jdbi().withHandle(h -> h.createQuery("""
                        SELECT id FROM recordings WHERE call_id = (SELECT id FROM calls WHERE call_sid = :c) ORDER BY recording_type""")
                .bind("c", callSid).mapTo(java.util.UUID.class).list()).stream().map(id -> repo.findById(id).orElseThrow()).toList();
    }

    @Test
    void aDaemonKilledMidCallFinishesTheRecordingWhenItStartsAgainEvenWithS3Down() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, String> settings = harness.settings();
        settings.putAll(recording("wav"));
        settings.put("http.port", Integer.toString(port));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        settings.forEach((k, v) -> cmd.add("--set=" + k + "=" + v));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        SyntheticCall call = SyntheticCall.standard(TwilioStandIn.ACCOUNT_SID);
        try {
            DaemonHarness.await("the daemon", Duration.ofSeconds(60), () -> {
                try (var socket = new java.net.Socket("127.0.0.1", port)) {
                    return true;
                } catch (Exception e) {
                    return false;
                }
            });
            MediaClient stream = MediaClient.open(port);
            stream.send(call.connected());
            stream.send(call.start(null));
            stream.send(call.media(0, 15));
            DaemonHarness.await("15 s made durable", Duration.ofSeconds(60),
                    () -> DaemonHarness.exactly(3, rows(call.callSid), r -> r.durationSeconds().doubleValue() >= 14.9));
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(rows(call.callSid)).allMatch(r -> r.status().equals("in-progress"));

        // it comes back while S3 is down: it starts all the same, and finishes the recording once S3 answers
        env.s3().stop();
        try (Daemon restarted = harness.start(recording("wav"))) {
            assertThat(rows(call.callSid)).hasSize(3).allMatch(r -> r.status().equals("in-progress"));
            env.s3().restart();
            DaemonHarness.await("the three rows completed by recovery", Duration.ofSeconds(60),
                    () -> DaemonHarness.exactly(3, rows(call.callSid), RecordingRow::completed));
        } finally {
            env.s3().restart();
        }

        List<RecordingRow> rows = rows(call.callSid);
        assertThat(rows).hasSize(3).allSatisfy(r -> {
            assertThat(r.metadataJson()).contains("\"interrupted\": true");
            assertThat(r.durationSeconds().doubleValue()).isGreaterThanOrEqualTo(14.0);
        });
        RecordingRow user = rows.stream().filter(r -> r.recordingType().equals("user")).findFirst().orElseThrow();
        short[] audio = download(user);
        assertThat(audio.length).isGreaterThanOrEqualTo(14 * 8000);
        for (int w = 0; w + 800 <= 14 * 8000; w += 800) {
            double t = w / 8000.0;
            if (t < 9.9) {
                assertThat(Goertzel.power(audio, w, 800, SyntheticCall.CALLER_HZ)).as("caller at " + t).isGreaterThan(0.01);
            } else if (t > 10.05) {
                assertThat(Goertzel.power(audio, w, 800, SyntheticCall.CALLER_HZ)).as("silence at " + t).isLessThan(0.001);
            }
        }
    }

    @Test
    void aRowAbandonedByAGoneDaemonIsMarkedFailedWithTheReason() throws Exception {
        String callSid = Sids.call();
        java.util.UUID call = dev.callvault.testing.Rows.call(env.db(), callSid);
        env.db().jdbi().useHandle(h -> h.createUpdate("""
                        INSERT INTO recordings (call_id, recording_type, status, stream_sid, updated_at)
                        VALUES (:c, 'mixed', 'in-progress', 'MZ0123456789abcdef0123456789abcdef', now() - interval '5 minutes')""")
                .bind("c", call).execute());

        try (Daemon d = harness.start(Map.of("recording.stale-minutes", "2", "state-dir", state.toString()))) {
            DaemonHarness.await("the abandoned row to fail", Duration.ofSeconds(60), () -> rows(callSid).get(0).status().equals("failed"));
        }

        assertThat(rows(callSid).get(0).metadataJson()).contains("the recording daemon is gone");
    }

    private short[] download(RecordingRow row) throws Exception {
        Path local = state.resolve("downloaded-" + row.recordingType() + "." + row.format());
        try (var store = RecordingStores.open(env.config().storage()); InputStream in = store.get(row.s3Key(), 0, -1)) {
            Files.write(local, in.readAllBytes());
        }
        return AudioFiles.decode(local);
    }

    @Test
    void withRecordingOffTheTwimlHasNoRecorderAndTwiliosCallbackStillMakesTheMixedRow() throws Exception {
        try (Daemon d = harness.start(Map.of("recording.enabled", "false", "state-dir", state.toString()))) {
            String callSid = Sids.call();
            Map<String, String> voice = new HashMap<>(Map.of("CallSid", callSid, "AccountSid", TwilioStandIn.ACCOUNT_SID, "To", "+15550199"));
            var twiml = harness.post(d, "/twiml", voice, DaemonHarness.PUBLIC_URL + "/twiml");
            String recordingSid = Sids.recording();
            env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, callSid, recordingSid, Instant.now(), 10_000));

            assertThat(harness.postSigned(d, DaemonHarness.callback(callSid, recordingSid, "completed")).statusCode()).isEqualTo(204);

            assertThat(twiml.body()).isEqualTo(new String(getClass().getResourceAsStream("/twilio/twiml-start-recording.xml").readAllBytes()));
            DaemonHarness.await("the mixed row", Duration.ofSeconds(60), () -> rows(callSid).size() == 1 && rows(callSid).get(0).completed());
            assertThat(rows(callSid).get(0).recordingType()).isEqualTo("mixed");
        }
    }

    @Test
    void withRecordingOnTheTwimlForksTheCallToTheRecorder() throws Exception {
        try (Daemon d = harness.start(Map.of("assistant.support-en.recording.enabled", "true", "state-dir", state.toString()))) {
            Map<String, String> voice = Map.of("CallSid", Sids.call(), "AccountSid", TwilioStandIn.ACCOUNT_SID, "To", "+15550199");

            var twiml = harness.post(d, "/twiml?assistant=support-en", voice, DaemonHarness.PUBLIC_URL + "/twiml?assistant=support-en");

            assertThat(twiml.body()).isEqualTo(new String(getClass().getResourceAsStream("/twilio/twiml-start-recording-and-recorder.xml").readAllBytes()));
        }
    }

    @Test
    void fiftyConcurrentStreamsAllRecordCorrectly() throws Exception {
        try (Daemon d = harness.start(recording("wav"))) {
            List<SyntheticCall> calls = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                calls.add(new SyntheticCall(TwilioStandIn.ACCOUNT_SID, 6, new double[][]{{0, 3}}, new double[][]{{3, 6}}));
            }
            ExecutorService pool = Executors.newFixedThreadPool(50);
            List<Future<?>> sent = new ArrayList<>();
            for (SyntheticCall c : calls) {
                sent.add(pool.submit(() -> {
                    try (MediaClient s = MediaClient.open(d.port())) {
                        s.send(c.all());
                    }
                    return null;
                }));
            }
            for (Future<?> f : sent) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            DaemonHarness.await("150 completed rows", Duration.ofSeconds(60), () -> env.db().jdbi().withHandle(h ->
                    h.createQuery("SELECT count(*) FROM recordings WHERE status = 'completed'").mapTo(Long.class).one()) == 150);
            for (SyntheticCall c : calls) {
                for (RecordingRow r : rows(c.callSid)) {
                    short[] audio = download(r);
                    assertThat(audio.length).isEqualTo(6 * 8000);
                    boolean user = r.recordingType().equals("user");
                    boolean assistant = r.recordingType().equals("assistant");
                    assertThat(Goertzel.power(audio, 8000, 800, SyntheticCall.CALLER_HZ) > 0.01).as(r.recordingType()).isEqualTo(!assistant);
                    assertThat(Goertzel.power(audio, 32000, 800, SyntheticCall.ASSISTANT_HZ) > 0.01).as(r.recordingType()).isEqualTo(!user);
                }
            }
        }
    }
}
