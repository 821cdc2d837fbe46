package dev.callvault.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Every command's bad-input path: usage error, exit 64, one line saying what was wrong. */
class UsageErrorsTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            backfill --bogus                                   | Unknown option: '--bogus'
            backfill --since yesterday                         | bad date 'yesterday'
            backfill --call-sid CA123                          | bad CallSid 'CA123'
            backfill --since 2026-11-25 --until 2026-11-24     | is not before
            verify --frobnicate                                | Unknown option
            verify --until 2026-02-30                          | bad date '2026-02-30'
            verify --account AC1                               | bad AccountSid 'AC1'
            replay --bogus                                     | Unknown option
            replay --since last-week                           | bad date 'last-week'
            replay --recording-sid re5f6e7d8c9b0a11223344556677889900 | bad RecordingSid
            replay --status zombie                             | --status must be dead, pending or done
            download --bogus                                   | Unknown option
            download --recording-sid RE-nope                   | bad RecordingSid 'RE-nope'
            download --from carrier-pigeon --recording-sid RE5f6e7d8c9b0a11223344556677889900 | --from must be store or twilio
            doctor --bogus                                     | Unknown option
            link --call CA1 --recording x --ttl forever        | bad duration 'forever'
            twiml render --bogus                               | Unknown option
            twiml lint                                         | Missing required parameter
            db migrate --bogus                                 | Unknown option
            call show CA12                                     | neither a CallSid
            media replay x.jsonl --to ws://h/media --speed warp | --speed must be realtime or max
            media replay x.jsonl --to http://h/media           | --to must be a ws:// or wss:// URL
            twiml render --public-url ftp://calls.example.com  | --public-url must be an http(s) URL
            twiml render --stream-url https://a.example.com/s  | --stream-url must be a ws(s) URL
            qqqqqqqq                                           | Unmatched argument
            """)
    void rejectsWithExit64AndOneLine(String commandLine, String expected) {
        Cli.Result r = Cli.raw(commandLine.trim().split("\\s+"));

        assertThat(r.exit()).as(r.err()).isEqualTo(64);
        assertThat(r.err()).contains(expected);
        assertThat(r.err().strip().lines().count()).as(r.err()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"verfy --help", "verfy", "db stauts --help", "call shw -h", "twiml rendr --version"})
    void aMistypedCommandIsNamedWithTheNearestSuggestedAndExits64EvenBesideHelp(String commandLine) {
        Cli.Result r = Cli.raw(commandLine.split(" "));
        String typo = commandLine.split(" ")[commandLine.startsWith("verfy") ? 0 : 1];

        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(64);
        assertThat(r.err()).contains("'" + typo + "'").containsAnyOf("Did you mean", "did you mean");
        assertThat(r.out()).as("no help printed as if all were well").isEmpty();
    }

    @ParameterizedTest(name = "{0} --help")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"backfill", "verify", "replay", "download", "doctor", "link", "twiml render",
            "twiml lint", "db migrate", "db status", "call show", "media replay", "user add", "user remove", "user list", "audit", "analyze"})
    void everyCommandExplainsItselfWithExamplesAndExitCodes(String command) {
        java.util.List<String> argv = new java.util.ArrayList<>(java.util.List.of(command.split(" ")));
        argv.add("--help");

        Cli.Result r = Cli.raw(argv.toArray(String[]::new));

        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("Usage: callvault " + command).contains("Exit codes:");
    }
}
