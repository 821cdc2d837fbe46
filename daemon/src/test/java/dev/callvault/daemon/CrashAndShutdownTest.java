package dev.callvault.daemon;

import dev.callvault.db.RecordingRepository;
import dev.callvault.testing.Environment;
import dev.callvault.testing.Sids;
import dev.callvault.testing.StandInRecording;
import dev.callvault.testing.TwilioStandIn;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** callvaultd as a real process: killed hard mid-archive, and stopped with SIGTERM. */
class CrashAndShutdownTest {
    @RegisterExtension
    static final Environment env = new Environment();

    private final DaemonHarness harness = new DaemonHarness(env);

    @TempDir
    Path logs;
    private Path log;

    @BeforeEach
    void logFile() {
        log = logs.resolve("daemon.log");
    }

    private String log() {
        try {
            return Files.readString(log);
        } catch (java.io.IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private Process launch(int port, Map<String, String> extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        Map<String, String> s = harness.settings();
        s.put("http.port", Integer.toString(port));
        s.putAll(extra);
        s.forEach((k, v) -> cmd.add("--set=" + k + "=" + v));
        // the child's output goes to a file, never to this JVM's own stdout: surefire reads that as its channel
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        DaemonHarness.await("the daemon to listen on " + port, Duration.ofSeconds(60), () -> {
            try (var socket = new java.net.Socket("127.0.0.1", port)) {
                return true;
            } catch (Exception e) {
                return false;
            }
        }, this::log);
        return p;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private long count(String sql) {
        return env.db().jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    @Test
    void anArchiveInterruptedByKill9IsCompletedAfterRestartWithoutDuplicates() throws Exception {
        String callSid = Sids.call();
        String recordingSid = Sids.recording();
        StandInRecording twilio = env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, callSid, recordingSid,
                Instant.parse("2026-11-24T14:06:19Z"), 12L * 1024 * 1024));
        env.twilio().latency(Duration.ofMillis(1500));
        int port = freePort();
        Process first = launch(port, Map.of());
        try {
            var ack = harness.http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/recording/status"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("X-Twilio-Signature", TwilioSigner.sign(TwilioStandIn.AUTH_TOKEN, DaemonHarness.PUBLIC_URL + "/recording/status",
                            DaemonHarness.callback(callSid, recordingSid, "completed")))
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(TwilioSigner.form(DaemonHarness.callback(callSid, recordingSid, "completed"))))
                    .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(ack.statusCode()).isEqualTo(204);
            DaemonHarness.await("the media download to start", Duration.ofSeconds(60),
                    () -> env.twilio().requests().stream().anyMatch(r -> r.contains(recordingSid + ".mp3")));
        } finally {
            first.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
            first.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(count("SELECT count(*) FROM recordings WHERE status = 'completed'")).as("nothing archived before the kill").isZero();
        env.twilio().latency(Duration.ZERO);

        try (Daemon restarted = harness.start()) {
            var recordings = new RecordingRepository(env.db().jdbi());
            DaemonHarness.await("the archive after restart", Duration.ofSeconds(60),
                    () -> recordings.findByRecordingSid(recordingSid).map(r -> r.completed()).orElse(false));
            assertThat(recordings.findByRecordingSid(recordingSid).orElseThrow().sha256()).isEqualTo(twilio.sha256("mp3"));
        }
        assertThat(count("SELECT count(*) FROM recordings")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM callbacks WHERE state = 'done'")).isEqualTo(1);
    }

    @Test
    void sigtermStopsTheDaemonWithExitCode0() throws Exception {
        int port = freePort();
        Process p = launch(port, Map.of());

        p.destroy(); // SIGTERM

        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(this::log).isZero();
    }

    @Test
    void sigtermWithLiveStreamsFinishesThemWithoutAnErrorLine() throws Exception {
        int port = freePort();
        Process p = launch(port, Map.of("recording.enabled", "true", "recording.format", "wav"));
        List<dev.callvault.testing.SyntheticCall> calls = List.of(dev.callvault.testing.SyntheticCall.standard(dev.callvault.testing.TwilioStandIn.ACCOUNT_SID),
                dev.callvault.testing.SyntheticCall.standard(dev.callvault.testing.TwilioStandIn.ACCOUNT_SID));
        List<MediaClient> streams = new ArrayList<>();
        try {
            for (dev.callvault.testing.SyntheticCall call : calls) {
                MediaClient stream = MediaClient.open(port);
                streams.add(stream);
                stream.send(call.connected());
                stream.send(call.start(null));
                stream.send(call.media(0, 3));
            }
            DaemonHarness.await("both streams recording", Duration.ofSeconds(60),
                    () -> count("SELECT count(*) FROM recordings WHERE status = 'in-progress'") == 6, this::log);

            p.destroy(); // SIGTERM while both calls are live

            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(this::log).isZero();
        } finally {
            for (MediaClient stream : streams) {
                stream.drop();
            }
        }
        assertThat(log().lines().filter(l -> l.contains(" ERROR ") || l.startsWith("ERROR"))).as("ERROR lines in the daemon's log").isEmpty();
        assertThat(count("SELECT count(*) FROM recordings WHERE status = 'completed' AND recording_metadata->>'interrupted' = 'true'"))
                .as("every live track finished, marked interrupted").isEqualTo(6);
    }
}
