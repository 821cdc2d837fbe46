package dev.callvault.daemon;

import dev.callvault.testing.Environment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A daemon of an older build started on a database a newer one has migrated stops with 78, the code the unit does not
 * restart on (RestartPreventExitStatus): restarting it every five seconds could never succeed, and would bury the one
 * line that says what to do.
 */
class NewerSchemaStartTest {
    @RegisterExtension
    static final Environment env = new Environment();

    @TempDir
    Path dir;

    @Test
    void aSchemaNewerThanThisBuildStopsTheStartWithTheCodeTheUnitDoesNotRestart() throws Exception {
        env.migratedByANewerCallvault();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "--set=state-dir=" + dir.resolve("state"), "--set=http.port=0", "--set=http.management-address=127.0.0.1:0"));
        env.settings().forEach((k, v) -> cmd.add("--set=" + k + "=" + v));
        Path log = dir.resolve("daemon.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("callvaultd did not stop: " + Files.readString(log));
        }
        String output = Files.readString(log);

        assertThat(p.exitValue()).as(output).isEqualTo(78);
        assertThat(output).contains("the database schema is at version 99, newer than this callvault knows")
                .contains("upgrade callvault").doesNotContain("listening");
        assertThat(Files.readString(Path.of("..", "packaging", "systemd", "callvaultd.service")).lines())
                .as("the unit leaves a daemon stopped that exits 78").anyMatch(l -> l.matches("RestartPreventExitStatus=.*\\b78\\b.*"));
    }
}
