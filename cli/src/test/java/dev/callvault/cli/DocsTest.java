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
        files.put("../packaging/callvault.conf", conf());
        return files;
    }

    /** The package's /etc/callvault/callvault.conf: every setting, commented out (the daemon starts on its defaults), secrets empty. */
    static String conf() {
        StringBuilder b = new StringBuilder(String.join("\n",
                "# /etc/callvault/callvault.conf: callvaultd's and callvault's settings, one \"key = value\" a line.",
                "# Every setting is here, commented out: as shipped, the daemon runs on its defaults (an embedded PostgreSQL",
                "# and recordings in /var/lib/callvault). Environment variables (/etc/callvault/callvault.env) and --set",
                "# override this file. Check with: callvaultd --check-config; callvault doctor. Secrets: this file is 0640",
                "# root:callvault; keep it so. After editing: systemctl restart callvaultd.", ""));
        for (dev.callvault.config.Setting s : dev.callvault.config.Setting.ALL) {
            b.append('\n');
            for (String line : wrap(s.help() + " (" + s.env() + (s.secret() ? "; a secret" : "") + ")", 112)) {
                b.append("# ").append(line).append('\n');
            }
            b.append("#").append(s.key()).append(" =\n");
        }
        b.append(String.join("\n", "",
                "# Per assistant (a call matches ?assistant=ID on the voice webhook URL, else the number called):",
                "#assistant.support-en.numbers = +15550199",
                "#assistant.support-en.recording.enabled = true",
                "#assistant.support-en.recording.format = mp3",
                "# Further Twilio accounts: twilio.account.AC....auth-token =", ""));
        return b.toString();
    }

    private static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            line.append(line.length() == 0 ? "" : " ").append(word);
        }
        lines.add(line.toString());
        return lines;
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
