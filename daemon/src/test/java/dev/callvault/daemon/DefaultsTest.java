package dev.callvault.daemon;

import dev.callvault.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What the README promises: with nothing configured the daemon runs on an embedded PostgreSQL and a local directory. */
class DefaultsTest {
    @Test
    void startsOnItsDefaultsWithEmbeddedDatabaseAndLocalDirectory(@TempDir Path state) throws Exception {
        var config = ConfigLoader.of(Map.of("state-dir", state.toString(), "http.port", "0", "http.management-address", "127.0.0.1:0"));

        try (Daemon d = Daemon.start(config)) {
            HttpResponse<String> ready = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.managementPort() + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body()).contains("\"database\":true").contains("\"storage\":true");
        }
        assertThat(Files.exists(state.resolve("postgres").resolve("PG_VERSION"))).as("database files in the state directory").isTrue();
        assertThat(Files.isDirectory(state.resolve("recordings"))).isTrue();
    }
}
