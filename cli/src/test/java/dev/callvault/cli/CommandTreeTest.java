package dev.callvault.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A run builds only the command it runs (start-up time), yet every way to ask for help still sees every command:
 * {@code --help}, {@code help COMMAND}, no command at all, and a mistyped one.
 */
class CommandTreeTest {
    private static final String[] ALL = {"twiml", "replay", "backfill", "verify", "download", "doctor", "link", "call", "media", "db", "user",
            "audit", "analyze", "retention", "hold", "erase", "help"};

    @Test
    void theTopLevelHelpListsEveryCommand() {
        Cli.Result r = Cli.raw("--help");
        assertThat(r.exit()).isZero();
        for (String c : ALL) {
            assertThat(r.out()).as(c).containsPattern("(?m)^\\s+" + c + "\\s");
        }
    }

    @Test
    void helpOfACommandVersionAndOneCommandAloneWork() {
        assertThat(Cli.raw("help", "backfill").out()).contains("Usage: callvault backfill");
        assertThat(Cli.raw("--version").out()).startsWith("callvault ");
        assertThat(Cli.raw("twiml", "render", "--public-url", "https://calls.example.com").out()).contains("<Response>");
        assertThat(Callvault.needed("twiml", "render")).hasSize(1);
        assertThat(Callvault.needed("--version")).isEmpty();
        assertThat(Callvault.needed("help", "backfill")).hasSize(ALL.length);
        assertThat(Callvault.needed("twiml-render")).hasSize(ALL.length);
    }
}
