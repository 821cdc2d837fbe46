package dev.callvault.cli;

import dev.callvault.config.ConfigLoader;
import dev.callvault.daemon.Daemon;
import dev.callvault.testing.Environment;
import dev.callvault.testing.SyntheticCall;
import dev.callvault.testing.TwilioStandIn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class MediaReplayCommandTest {
    @RegisterExtension
    static final Environment env = new Environment();

    private static final String FIXTURE_ACCOUNT = "AC" + "a".repeat(32);
    private final Cli cli = new Cli(env);

    private Daemon daemon(Path state) {
        Map<String, String> s = new LinkedHashMap<>(env.settings());
        s.put("http.port", "0");
        s.put("recording.enabled", "true");
        s.put("recording.format", "wav");
        s.put("state-dir", state.toString());
        s.put("twilio.account." + FIXTURE_ACCOUNT + ".auth-token", TwilioStandIn.AUTH_TOKEN);
        return Daemon.start(ConfigLoader.of(s));
    }

    private long completed() {
        return env.db().jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM recordings WHERE status = 'completed'").mapTo(Long.class).one());
    }

    private static void await(Duration timeout, java.util.function.BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @Test
    void replaysConcurrentCopiesOfACaptureWithASignedHandshakeAndShowsTheCall(@TempDir Path dir) throws Exception {
        SyntheticCall call = new SyntheticCall(TwilioStandIn.ACCOUNT_SID, 4, new double[][]{{0, 2}}, new double[][]{{2, 4}});
        Path capture = dir.resolve("stream.jsonl");
        Files.write(capture, call.all());
        try (Daemon d = daemon(dir.resolve("state"))) {
            Cli.Result r = cli.run(List.of("media", "replay"), Map.of(), capture.toString(), "--to", "ws://127.0.0.1:" + d.port() + "/media",
                    "--signed-for", "wss://calls.example.com/media", "--calls", "3", "--json");

            assertThat(r.exit()).as(r.out() + r.err()).isZero();
            await(Duration.ofSeconds(20), () -> completed() == 9);
            String someCall = r.lines().get(0).replaceAll(".*\"call_sid\":\"(CA[0-9a-f]{32})\".*", "$1");
            Cli.Result show = cli.run(List.of("call", "show"), Map.of(), someCall);
            assertThat(show.exit()).isZero();
            assertThat(show.out()).contains(someCall).contains("user").contains("assistant").contains("mixed").contains("completed");
        }
    }

    @Test
    void replaysTwiliosOwnCaptureAndRefusesAnUnsignedOne(@TempDir Path dir) throws Exception {
        Path capture = dir.resolve("twilio.jsonl");
        try (InputStream in = getClass().getResourceAsStream("/twilio/media-stream-messages.jsonl")) {
            Files.write(capture, in.readAllBytes());
        }
        try (Daemon d = daemon(dir.resolve("state"))) {
            Cli.Result ok = cli.run(List.of("media", "replay"), Map.of("twilio.account." + FIXTURE_ACCOUNT + ".auth-token", TwilioStandIn.AUTH_TOKEN),
                    capture.toString(), "--to", "ws://127.0.0.1:" + d.port() + "/media", "--signed-for", "wss://calls.example.com/media");
            Cli.Result wrong = cli.run(List.of("media", "replay"), Map.of("twilio.account." + FIXTURE_ACCOUNT + ".auth-token", "0".repeat(32)),
                    capture.toString(), "--to", "ws://127.0.0.1:" + d.port() + "/media", "--signed-for", "wss://calls.example.com/media");

            assertThat(ok.exit()).as(ok.out()).isZero();
            await(Duration.ofSeconds(20), () -> completed() == 3);
            assertThat(wrong.exit()).isEqualTo(1);
            assertThat(wrong.out()).contains("FAILED").contains("403");
        }
    }
}
