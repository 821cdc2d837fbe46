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
        // sourced by bash-completion, never run: no #! line (lintian: bash-completion-with-hashbang)
        files.put("completion/callvault.bash", AutoComplete.bash("callvault", Callvault.commandLine()).replaceFirst("\\A#!.*\\R", ""));
        files.put("../packaging/callvault.conf", conf());
        files.put("../docs/configuration-reference.md", reference());
        return files;
    }

    /** The package's /etc/callvault/callvault.conf: every setting, commented out (the daemon starts on its defaults), secrets empty. */
    static String conf() {
        StringBuilder b = new StringBuilder(String.join("\n",
                "# /etc/callvault/callvault.conf: callvaultd's and callvault's settings, one \"key = value\" a line.",
                "# Every setting is here, commented out. The daemon needs database.url (and database.user, database.password):",
                "# the package carries no database server of its own. Recordings go to /var/lib/callvault until storage names",
                "# a bucket. Environment variables (/etc/callvault/callvault.env) and --set",
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

    /**
     * docs/configuration-reference.md: every setting from its own definition (Setting.ALL), so the reference cannot
     * drift from the code; this test fails while the committed page differs.
     */
    static String reference() {
        StringBuilder b = new StringBuilder(String.join("\n",
                "# Configuration reference",
                "",
                "Generated from the settings' own definitions (`Setting.ALL`) by DocsTest; do not edit by hand: run",
                "`mvn -pl cli test -Dtest=DocsTest -Dcallvault.docs.write=true`. How the layers combine (file, environment,",
                "`--set`) and the settings that matter first: [configuration.md](configuration.md). `callvaultd --list-settings`",
                "prints the same list.",
                "",
                "| setting | environment | meaning |",
                "|---|---|---|",
                ""));
        for (dev.callvault.config.Setting s : dev.callvault.config.Setting.ALL) {
            b.append("| `").append(s.key()).append("` | `").append(s.env()).append("` | ")
                    .append(s.help().replace("|", "\\|")).append(s.secret() ? " A secret: never logged, masked by --check-config." : "")
                    .append(" |\n");
        }
        b.append(String.join("\n", "",
                "Per assistant (a call matches `?assistant=ID` on the voice webhook URL, else the number called): `assistant.ID.numbers`,",
                "`assistant.ID.recording.enabled`, `assistant.ID.recording.format` and the other `recording.*` settings,",
                "`assistant.ID.retention.days`. Further Twilio accounts: `twilio.account.AC....auth-token` (file only).", ""));
        return b.toString();
    }

    /** The first sentence of {@code description}, without its full stop. */
    static String summary(String description) {
        java.util.regex.Matcher end = java.util.regex.Pattern.compile("[.:;](\\s|$)").matcher(description);
        String first = end.find() ? description.substring(0, end.start()) : description;
        return first.strip();
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
        // NAME is one line, the command and a summary (whatis and apropos print it): the description's first sentence,
        // where the command has no header of its own; the whole description stays under DESCRIPTION
        var usage = cmd.getCommandSpec().usageMessage();
        if (usage.header().length == 0 && usage.description().length > 0) {
            usage.header(summary(usage.description()[0]));
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

    @Test
    void everySettingHasItsLineInTheConfigurationReference() throws IOException {
        String committed = Files.readString(MAN.resolve("../docs/configuration-reference.md"));
        for (dev.callvault.config.Setting s : dev.callvault.config.Setting.ALL) {
            assertThat(committed).as("docs/configuration-reference.md has no line for %s: regenerate it (see its header)", s.key())
                    .contains("| `" + s.key() + "` | `" + s.env() + "` |");
        }
    }

    @Test
    void aManPagesNameIsOneLine() {
        for (var e : generate().entrySet()) {
            if (!e.getKey().endsWith(".adoc")) {
                continue;
            }
            String page = e.getValue();
            String name = page.substring(page.indexOf("== Name") + "== Name".length(), page.indexOf("// end::picocli-generated-man-section-name[]")).strip();
            assertThat(name.lines().count()).as(e.getKey() + " NAME: " + name).isEqualTo(1);
            assertThat(name.length()).as(e.getKey() + " NAME: " + name).isLessThanOrEqualTo(160);
        }
    }
}
