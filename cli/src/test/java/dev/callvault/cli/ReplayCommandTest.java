package dev.callvault.cli;

import dev.callvault.config.ConfigLoader;
import dev.callvault.daemon.Daemon;
import dev.callvault.db.CallbackRepository;
import dev.callvault.db.RecordingRepository;
import dev.callvault.testing.Environment;
import dev.callvault.testing.Sids;
import dev.callvault.testing.StandInRecording;
import dev.callvault.testing.TwilioStandIn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ReplayCommandTest {
    @RegisterExtension
    static final Environment env = new Environment();

    private final Cli cli = new Cli(env);

    private StandInRecording atTwilio() {
        return env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, Sids.call(), Sids.recording(),
                Instant.parse("2026-11-24T14:06:19Z"), 20_000));
    }

    private long deadCallback(StandInRecording r) {
        return env.db().jdbi().withHandle(h -> h.createQuery("""
                        INSERT INTO callbacks (account_sid, call_sid, recording_sid, recording_status, params, state, attempts, last_error)
                        VALUES (:a, :c, :r, 'completed', jsonb_build_object('AccountSid', :a, 'CallSid', :c, 'RecordingSid', :r,
                                'RecordingStatus', 'completed'), 'dead', 10, 'Twilio unavailable') RETURNING id""")
                .bind("a", r.accountSid()).bind("c", r.callSid()).bind("r", r.sid()).mapTo(Long.class).one());
    }

    @Test
    void reprocessesADeadCallbackHere() {
        StandInRecording r = atTwilio();
        long id = deadCallback(r);

        Cli.Result result = cli.run("replay", "--status", "dead");

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out()).contains("stored #" + id).contains("archived");
        assertThat(new RecordingRepository(env.db().jdbi()).findByRecordingSid(r.sid()).orElseThrow().completed()).isTrue();
        assertThat(new CallbackRepository(env.db().jdbi()).findById(id).orElseThrow().state()).isEqualTo("done");
    }

    @Test
    void deliversToARunningDaemonSignedForItsUrlAndATamperedOneIsRefused() throws Exception {
        StandInRecording r = atTwilio();
        deadCallback(r);
        int port;
        try (var socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Map<String, String> daemonSettings = new LinkedHashMap<>(env.settings());
        daemonSettings.put("http.port", Integer.toString(port));
        daemonSettings.put("public-url", "http://127.0.0.1:" + port); // Twilio would call us here, so it signs this URL
        try (Daemon daemon = Daemon.start(ConfigLoader.of(daemonSettings))) {
            String url = "http://127.0.0.1:" + daemon.port() + "/recording/status";

            Cli.Result sent = cli.run("replay", "--recording-sid", r.sid(), "--to", url, "--json");
            Cli.Result tampered = cli.run(List.of("replay"), Map.of("twilio.auth-token", "ffffffffffffffffffffffffffffffff"),
                    "--recording-sid", r.sid(), "--to", url);

            assertThat(sent.exit()).as(sent.err()).isZero();
            assertThat(sent.out()).contains("\"http_status\":204");
            assertThat(tampered.exit()).isEqualTo(1);
            assertThat(tampered.out()).contains("HTTP 403");
        }
    }

    @Test
    void dryRunPrintsASignedCurlCommandAndSendsNothing(@TempDir Path dir) throws Exception {
        StandInRecording r = atTwilio();
        Path capture = dir.resolve("captured.txt");
        Files.writeString(capture, "# captured from the proxy log\nAccountSid=" + r.accountSid() + "&CallSid=" + r.callSid() + "&RecordingSid=" + r.sid()
                + "&RecordingStatus=completed\n");

        Cli.Result result = cli.run("replay", "--file", capture.toString(), "--to", "https://calls.example.com/recording/status", "--dry-run");

        assertThat(result.exit()).isZero();
        assertThat(result.out()).startsWith("curl -sS -X POST 'https://calls.example.com/recording/status'").contains("X-Twilio-Signature: ");
        assertThat(env.twilio().mediaDownloads()).isZero();
        assertThat(result.out()).doesNotContain(TwilioStandIn.AUTH_TOKEN);
    }

    @Test
    void rebuildsACallbackFromTwilio() {
        StandInRecording r = atTwilio();

        Cli.Result result = cli.run("replay", "--from-twilio", r.sid());

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(new RecordingRepository(env.db().jdbi()).findByRecordingSid(r.sid()).orElseThrow().sha256()).isEqualTo(r.sha256("mp3"));
    }

    @Test
    void aMalformedCaptureFileIsBadInput(@TempDir Path dir) throws Exception {
        Path capture = dir.resolve("junk.txt");
        Files.writeString(capture, "this is not a callback\n");

        Cli.Result result = cli.run("replay", "--file", capture.toString());

        assertThat(result.exit()).isEqualTo(65);
        assertThat(result.err()).contains("line 1");
    }
}
