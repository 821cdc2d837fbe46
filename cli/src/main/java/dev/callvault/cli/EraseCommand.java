package dev.callvault.cli;

import dev.callvault.db.CallRow;
import dev.callvault.privacy.Eraser;
import dev.callvault.privacy.Holds;
import dev.callvault.privacy.Privacy;
import dev.callvault.privacy.Proof;
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
                + "the analytics; tombstones stay, so nothing brings them back (backfill, a late callback, replay, verify --fix). Before anything "
                + "is deleted the calls are marked, so a recording Twilio finishes later is deleted at Twilio too. A held call is refused, naming its "
                + "hold; a live call (until Twilio says it has ended) is erased once it has ended (run again, or the daily timer does). An "
                + "interrupted or partly failed erasure is carried on by the same command (same --by and --reason) under the same id, or by the "
                + "timer; another person or reason makes a request of its own that carries the unfinished one on. Prints a proof of erasure "
                + "(text or --json); --proof prints it again, as it stands, at any time.",
                "",
                "Exit codes: 0 erased everywhere, 1 not complete (held, live or failed calls: the report says which and why) or no such "
                        + "erasure (--proof), 64 bad usage (not a valid number, no --reason, no --yes), 69 a dependency is unavailable, 78 bad "
                        + "configuration."},
        footer = {"", "Examples:", "  callvault erase --number '+1 (415) 555-0102' --reason 'GDPR request 2026-311' --dry-run",
                "  callvault erase --number 4155550102 --reason 'GDPR request 2026-311' --yes --json > proof.json",
                "  callvault erase --call CA1f2e3d4c5b6a79880123456789abcdef --reason 'ticket 881' --yes",
                "  callvault erase --proof 6f1c0c64-8a55-4d9e-9d1b-2b9f0f6f3a11 --json"})
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

        @Option(names = "--proof", paramLabel = "ERASURE", description = "Print the proof of an earlier erasure (its id) as it stands now; erases nothing.")
        java.util.UUID proof;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @Option(names = "--since", paramLabel = "TIME", converter = Args.Time.class, description = "Only calls started at or after this (an instant, a UTC date or a time ago).")
    Instant since;

    @Option(names = "--until", paramLabel = "TIME", converter = Args.Time.class, description = "Only calls started before this.")
    Instant until;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why: the request, its ticket (kept in the proof and the record). Required to erase.")
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
        if (target.proof != null) {
            return proof(out);
        }
        if (reason == null || reason.isBlank()) {
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
            Privacy privacy = PrivacyCommands.privacy(s);
            List<CallRow> found = privacy.eraser().find(request);
            if (found.isEmpty() && number != null) {
                out.warn("no call from or to " + number + " was found" + (since == null && until == null ? "" : " in that window")
                        + " (a number without + is read in " + cfg.phoneRegion() + ", phone.default-region): check the number");
            }
            if (dryRun) {
                return dryRun(s, privacy, found, out);
            }
            if (!Confirm.destructive(yes, "erase the recordings of " + (number != null ? "every call of that number" : "call " + callSid)
                    + " everywhere, for good")) {
                throw new UsageError("erasing cannot be undone: add --yes to confirm (or answer 'yes' on a terminal)");
            }
            return printed(privacy.eraser().erase(request), out);
        }
    }

    /** {@code --proof}: an erasure's proof as the database tells it now (a recording Twilio finished later joins it). */
    private int proof(Output out) {
        try (Services s = new Services(config.load())) {
            Proof report = PrivacyCommands.privacy(s).eraser().proof(target.proof)
                    .orElseThrow(() -> new DownloadCommand.NotFound("no erasure " + target.proof));
            printed(report, out);
            return ExitCode.OK.code;
        }
    }

    private static int printed(Proof report, Output out) {
        if (out.json()) {
            System.out.println(report.json());
        }
        report.text().forEach(out::text);
        return report.complete() ? ExitCode.OK.code : ExitCode.FAILED.code;
    }

    private int dryRun(Services s, Privacy privacy, List<CallRow> calls, Output out) {
        Holds holds = privacy.holds();
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
