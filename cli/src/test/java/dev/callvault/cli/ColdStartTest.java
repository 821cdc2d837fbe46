package dev.callvault.cli;

import dev.callvault.testing.Environment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What cron's commands build: each runs here as its own process, as cron starts it, with the JVM logging every class it
 * loads. A command against a directory store builds no S3 client and reads no AWS credential (not one class of the
 * AWS SDK is loaded, so nothing of it can look at the environment, ~/.aws or the instance's metadata), and against a
 * current schema it does not start Flyway (one query says the schema is current).
 */
class ColdStartTest {
    @RegisterExtension
    static final Environment env = new Environment();

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"backfill, dev.callvault.backfill.Backfill", "verify, dev.callvault.cli.VerifyCommand"})
    void cronsCommandsOnAnEmptyWindowIntoADirectoryLoadNeitherTheAwsSdkNorFlyway(String command, String ran) throws Exception {
        List<String> classes = run(command, "--since", "2026-11-20T00:00:00Z", "--until", "2026-11-21T00:00:00Z");

        assertThat(classes).as("classes loaded").anyMatch(c -> c.startsWith(ran));
        assertThat(classes).noneMatch(c -> c.startsWith("software.amazon.awssdk."));
        assertThat(classes).noneMatch(c -> c.startsWith("org.flywaydb."));
    }

    @Test
    void theSameCommandAgainstS3DoesLoadTheS3Client() throws Exception {
        // the other side of the assertions above: were the class log empty or the prefix wrong, this would fail
        List<String> classes = runWith(Map.of(), "backfill", "--since", "2026-11-20T00:00:00Z", "--until", "2026-11-21T00:00:00Z");

        assertThat(classes).anyMatch(c -> c.startsWith("software.amazon.awssdk.services.s3.S3Client"));
    }

    /** The command with a directory store. */
    private List<String> run(String... command) throws Exception {
        return runWith(Map.of("storage", dir.resolve("store").toString()), command);
    }

    /** Runs the command (the schema already migrated, as on every run after the first) and returns the classes it loaded. */
    private List<String> runWith(Map<String, String> extra, String... command) throws Exception {
        env.db().migrate();
        Path log = dir.resolve("classes-" + command[0] + "-" + System.nanoTime() + ".log");
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xlog:class+load=info:file=" + log, "-cp", System.getProperty("java.class.path"), Callvault.class.getName()));
        argv.addAll(List.of(command));
        Map<String, String> settings = new LinkedHashMap<>(env.settings());
        settings.putAll(extra);
        settings.forEach((k, v) -> argv.add("--set=" + k + "=" + v));
        Path output = dir.resolve("output-" + command[0] + ".txt");
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the command ended").isTrue();
        assertThat(p.exitValue()).as(Files.readString(output, StandardCharsets.UTF_8)).isZero();
        return classes(log);
    }

    private static List<String> classes(Path log) throws IOException {
        // "[info][class,load] java.lang.Object source: jrt:/java.base"
        return Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                .filter(l -> l.contains("[class,load]"))
                .map(l -> l.substring(l.indexOf("[class,load]") + "[class,load]".length()).trim().split(" ")[0])
                .toList();
    }
}
