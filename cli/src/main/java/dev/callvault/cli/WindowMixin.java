package dev.callvault.cli;

import picocli.CommandLine.Option;

import java.time.Instant;

/** {@code --since/--until}: the time window a command works on, 24 hours up to now unless told otherwise. */
public final class WindowMixin {
    @Option(names = "--since", paramLabel = "TIME", converter = Args.Time.class,
            description = "Start of the window: an instant, a UTC date or a time ago (36h, 7d). Default: 24h before --until.")
    Instant since;

    @Option(names = "--until", paramLabel = "TIME", converter = Args.Time.class, description = "End of the window (exclusive). Default: now.")
    Instant until;

    @picocli.CommandLine.Spec(picocli.CommandLine.Spec.Target.MIXEE)
    picocli.CommandLine.Model.CommandSpec command;

    /** The window as typed ("since=36h until=now"), so a rerun of the same command line is recognised as such. */
    String asTyped() {
        var parsed = command.commandLine().getParseResult();
        return "since=" + typed(parsed, "--since", "24h") + " until=" + typed(parsed, "--until", "now");
    }

    private static String typed(picocli.CommandLine.ParseResult parsed, String option, String fallback) {
        var o = parsed.matchedOption(option);
        return o == null ? fallback : String.join(",", o.originalStringValues());
    }

    /** The window as {@code [from, to)}; a usage error when it is empty or reversed. */
    Instant[] window() {
        Instant to = until != null ? until : Instant.now();
        Instant from = since != null ? since : to.minusSeconds(24 * 3600);
        if (!from.isBefore(to)) {
            throw new UsageError("--since " + from + " is not before --until " + to);
        }
        return new Instant[]{from, to};
    }
}
