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
