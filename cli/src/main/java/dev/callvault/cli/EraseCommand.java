package dev.callvault.cli;

import dev.callvault.db.CallRow;
import dev.callvault.privacy.Eraser;
import dev.callvault.privacy.Holds;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code callvault erase}: a person's recordings erased everywhere on request, with a proof of erasure. */
@Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "erase",
        description = {"Erase every recording of a person's calls (or of one call) everywhere, on their request: every object and every object "
                + "version in the store (with waveforms and the real-time objects), Twilio's recordings of those calls (listed by CallSid at "
                + "Twilio, archived or not), and in the database the rows' audio, the numbers (replaced by a keyed hash, privacy.hash-secret) and "
                + "the analytics; tombstones stay, so nothing brings them back (backfill, a late callback, replay). A held call is refused, "
                + "naming its hold; a live call is erased once it has ended (run again, or the daily timer does). An interrupted or partly failed "
                + "erasure is carried on by the same command or the timer, under the same id. Prints a proof of erasure (text or --json) and keeps "
                + "it with the erasure.",
                "",
                "Exit codes: 0 erased everywhere, 1 not complete (held, live or failed calls: the report says which and why), 64 bad usage "
                        + "(not a whole number, no --yes), 69 a dependency is unavailable, 78 bad configuration."},
        footer = {"", "Examples:", "  callvault erase --number '+1 (415) 555-0102' --reason 'GDPR request 2026-311' --dry-run",
                "  callvault erase --number 4155550102 --reason 'GDPR request 2026-311' --yes --json > proof.json",
                "  callvault erase --call CA1f2e3d4c5b6a79880123456789abcdef --reason 'ticket 881' --yes"})
public final class EraseCommand implements Callable<Integer> {
    @Mixin
    ConfigMixin config;

    @Mixin
    OutputMixin output;

    static final class Target {
        @Option(names = "--number", paramLabel = "NUMBER", description = "Every call from or to this number, in any common format (read in phone.default-region without a country code).")
        String number;

        @Option(names = "--call", paramLabel = "ID|CallSid", description = "One call: our id or its CallSid.")
        String call;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @Option(names = "--since", paramLabel = "TIME", converter = Args.Time.class, description = "Only calls started at or after this (an instant, a UTC date or a time ago).")
    Instant since;

    @Option(names = "--until", paramLabel = "TIME", converter = Args.Time.class, description = "Only calls started before this.")
    Instant until;

    @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why: the request, its ticket (kept in the proof and the record).")
    String reason;

    @Option(names = "--dry-run", description = "Say which calls would be erased and which are held; delete nothing.")
    boolean dryRun;

    @Option(names = "--yes", description = "Erase without asking (it cannot be undone).")
    boolean yes;

    @Option(names = "--by", paramLabel = "NAME", description = "Who erases; default: your user name.")
    String by;

    @Override
    public Integer call() {
        Output out = output.output();
        if (reason.isBlank()) {
            throw new UsageError("--reason: say why (the request, its ticket): it goes into the proof of erasure");
        }
        if (since != null && until != null && !since.isBefore(until)) {
            throw new UsageError("--since " + since + " is not before --until " + until);
        }
        var cfg = config.load();
        String number = target.number == null ? null : PrivacyCommands.number(target.number, cfg);
        try (Services s = new Services(cfg)) {
            String callSid = target.call == null ? null : PrivacyCommands.call(s, target.call).callSid();
            Eraser.Request request = new Eraser.Request(number, callSid, since, until, reason, PrivacyCommands.actor(by));
            Eraser eraser = PrivacyCommands.eraser(s);
            if (dryRun) {
                return dryRun(s, eraser.find(request), out);
            }
            if (!Confirm.destructive(yes, "erase the recordings of " + (number != null ? "every call of that number" : "call " + callSid)
                    + " everywhere, for good")) {
                throw new UsageError("erasing cannot be undone: add --yes to confirm (or answer 'yes' on a terminal)");
            }
            Eraser.Report report = eraser.erase(request, PrivacyCommands.purge(s));
            if (out.json()) {
                System.out.println(Eraser.json(report));
            }
            Eraser.text(report).forEach(out::text);
            return report.complete() ? ExitCode.OK.code : ExitCode.FAILED.code;
        }
    }

    private int dryRun(Services s, List<CallRow> calls, Output out) {
        Holds holds = PrivacyCommands.holds(s);
        for (CallRow c : calls) {
            List<Holds.Hold> on = holds.on(c);
            var rows = PrivacyCommands.recordings(s).findByCall(c.id());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("call_sid", c.callSid());
            m.put("started_at", c.startedAt() == null ? null : c.startedAt().toString());
            m.put("recordings", rows.size());
            m.put("held_by", on.stream().map(Holds.Hold::describe).toList());
            out.json(m);
            out.text((on.isEmpty() ? "would erase " : "held, would refuse ") + c.callSid() + " (" + rows.size() + " recordings"
                    + (on.isEmpty() ? "" : "; " + String.join("; ", on.stream().map(Holds.Hold::describe).toList())) + ")");
        }
        out.text("dry run: " + calls.size() + " calls found; nothing was deleted");
        return ExitCode.OK.code;
    }
}
