package dev.callvault.cli;

import dev.callvault.config.ConfigLoader;
import dev.callvault.daemon.Daemon;
import dev.callvault.testing.Environment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class DoctorCommandTest {
    @RegisterExtension
    static final Environment env = new Environment();

    private final Cli cli = new Cli(env);

    @Test
    void passesEveryCheckIncludingASignedRequestToTheDaemon() throws Exception {
        int port;
        try (var socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Map<String, String> settings = new LinkedHashMap<>(env.settings());
        settings.put("http.port", Integer.toString(port));
        settings.put("public-url", "http://127.0.0.1:" + port);
        try (Daemon d = Daemon.start(ConfigLoader.of(settings))) {
            Cli.Result r = cli.run(List.of("doctor"), Map.of("public-url", "http://127.0.0.1:" + port), "--daemon");

            assertThat(r.exit()).as(r.out()).isZero();
            assertThat(r.out()).contains("PASS database").contains("PASS storage").contains("PASS speech model").contains("PASS twilio").contains("PASS daemon");
        }
    }

    @Test
    void saysWhatToFixAndExits1() {
        Cli.Result r = cli.run(List.of("doctor"), Map.of("twilio.auth-token", "0000000000000000000000000000dead"));

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("FAIL twilio").contains("fix: check the account's auth token").doesNotContain("0000000000000000000000000000dead");
    }

    @Test
    void namesAMissingSpeechModelAndWhatToDo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path truncated = java.nio.file.Files.write(dir.resolve("silero_vad_v5.onnx"), new byte[]{8, 1, 18, 0});

        Cli.Result missing = cli.run(List.of("doctor"), Map.of("analysis.speech-model", dir.resolve("nothing.onnx").toString()));
        Cli.Result wrong = cli.run(List.of("doctor"), Map.of("analysis.speech-model", truncated.toString()));

        assertThat(missing.exit()).as(missing.out()).isEqualTo(1);
        assertThat(missing.out()).contains("FAIL speech model").contains("nothing.onnx does not exist").contains("fix: point analysis.speech-model at Silero VAD v5");
        assertThat(wrong.out()).contains("FAIL speech model").contains("is not Silero VAD v5: its SHA-256 is").contains("(4 bytes");
    }

    @Test
    void namesChunkedEncodingWhenTheStoreKeepsTheFramingAndPassesWithItOff() throws Exception {
        String endpoint = dev.callvault.testing.TestS3.get().framingKeepingEndpoint().toString();

        Cli.Result framed = cli.run(List.of("doctor"), Map.of("s3.endpoint", endpoint));
        Cli.Result plain = cli.run(List.of("doctor"), Map.of("s3.endpoint", endpoint, "s3.chunked-encoding", "false"));

        assertThat(framed.exit()).as(framed.out()).isEqualTo(1);
        assertThat(framed.out()).contains("FAIL storage").contains("aws-chunked").contains("fix: set s3.chunked-encoding = false");
        assertThat(plain.out()).contains("PASS storage");
    }
}
