package dev.callvault.cli;

import org.junit.jupiter.api.Test;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.codegen.docgen.manpage.ManPageGenerator;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The man pages (AsciiDoc, one per command) and the shell completion script under man/ are generated from the
 * picocli annotations; this test fails when they are stale. Regenerate with
 * {@code mvn -pl cli test -Dtest=DocsTest -Dcallvault.docs.write=true} (after {@code mvn install -DskipTests}).
 */
class DocsTest {
    private static final Path MAN = Path.of("..", "man");

    static Map<String, String> generate() {
        Map<String, String> files = new TreeMap<>();
        addPages(Callvault.commandLine(), files);
        addPages(new CommandLine(new dev.callvault.daemon.Main()), files);
        files.put("completion/callvault.bash", AutoComplete.bash("callvault", Callvault.commandLine()));
        return files;
    }

    private static void addPages(CommandLine cmd, Map<String, String> files) {
        if (cmd.getCommandSpec().usageMessage().hidden() || cmd.getCommandName().equals("help")) {
            return;
        }
        StringWriter page = new StringWriter();
        ManPageGenerator.writeSingleManPage(new PrintWriter(page), cmd.getCommandSpec());
        files.put(cmd.getCommandSpec().qualifiedName("-") + ".adoc", page.toString());
        cmd.getSubcommands().values().forEach(sub -> addPages(sub, files));
    }

    @Test
    void manPagesAndCompletionAreCurrent() throws IOException {
        Map<String, String> expected = generate();
        if (Boolean.getBoolean("callvault.docs.write")) {
            for (var e : expected.entrySet()) {
                Path f = MAN.resolve(e.getKey());
                Files.createDirectories(f.getParent());
                Files.writeString(f, e.getValue());
            }
        }
        List<String> stale = new ArrayList<>();
        for (var e : expected.entrySet()) {
            Path f = MAN.resolve(e.getKey());
            if (!Files.exists(f) || !Files.readString(f).equals(e.getValue())) {
                stale.add(e.getKey());
            }
        }
        assertThat(stale).as("stale under man/: regenerate with mvn -pl cli test -Dtest=DocsTest -Dcallvault.docs.write=true").isEmpty();
        assertThat(expected).containsKeys("callvault.adoc", "callvault-backfill.adoc", "callvault-verify.adoc", "callvault-twiml-lint.adoc",
                "callvaultd.adoc");
    }
}
