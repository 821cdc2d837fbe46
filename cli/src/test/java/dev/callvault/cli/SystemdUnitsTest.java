package dev.callvault.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The systemd units under packaging/ are valid and sandboxed: exposure 2.0 or lower by systemd's own measure. */
class SystemdUnitsTest {
    private static final Path UNITS = Path.of("..", "packaging", "systemd");
    private static final Pattern EXPOSURE = Pattern.compile("Overall exposure level for \\S+: (\\d+\\.\\d+)");

    private record Run(int exit, String output) {
    }

    private static Run run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"callvaultd.service", "callvault-reconcile.service", "callvault-retention.service"})
    void isExposedTwoPointZeroOrLess(String unit) throws Exception {
        Run r = run("systemd-analyze", "security", "--offline=true", UNITS.resolve(unit).toString());

        Matcher m = EXPOSURE.matcher(r.output());
        assertThat(m.find()).as(r.output()).isTrue();
        assertThat(Double.parseDouble(m.group(1))).as(unit + "\n" + r.output()).isLessThanOrEqualTo(2.0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"callvaultd.service", "callvault-reconcile.service", "callvault-reconcile.timer", "callvault-retention.service",
            "callvault-retention.timer"})
    void verifiesClean(String unit) throws Exception {
        assertThat(Files.exists(UNITS.resolve(unit))).isTrue();

        Run r = run("systemd-analyze", "verify", UNITS.resolve(unit).toString());

        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output().lines().filter(l -> !l.isBlank()).toList()).as("warnings").isEqualTo(List.of());
    }
}
