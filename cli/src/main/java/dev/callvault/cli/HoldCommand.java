package dev.callvault.cli;

import dev.callvault.db.CallRow;
import dev.callvault.privacy.Holds;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code callvault hold}: legal holds, which keep a call (or every call of a number) from retention and erasure. */
@Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "hold",
        description = {"Place, list and remove legal holds. A held call is skipped by retention and refused by erasure, with the hold's reason and who "
                + "placed it, until the hold is removed or its date passes. A hold on a number holds every call from or to it, later ones too. Placing "
                + "and removing a hold are recorded (callvault audit --deletions)."},
        subcommands = {HoldCommand.Add.class, HoldCommand.List.class, HoldCommand.Remove.class})
public final class HoldCommand {

    static Map<String, Object> json(Holds.Hold h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", h.id());
        m.put("call_sid", h.callSid());
        m.put("number_hint", h.numberHint());
        m.put("reason", h.reason());
        m.put("placed_by", h.placedBy());
        m.put("placed_at", h.placedAt().toString());
        m.put("until", h.until() == null ? null : h.until().toString());
        m.put("removed_at", h.removedAt() == null ? null : h.removedAt().toString());
        m.put("removed_by", h.removedBy());
        m.put("removed_why", h.removedWhy());
        return m;
    }

    static final class Target {
        @Option(names = "--call", paramLabel = "ID|CallSid", description = "Hold one call: our id or its CallSid.")
        String call;

        @Option(names = "--number", paramLabel = "NUMBER", description = "Hold every call from or to this number, in any common format (kept as its keyed hash, privacy.hash-secret).")
        String number;
    }

    @Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "add",
            description = "Place a legal hold on a call or on a number, with the reason (a case, a ticket) and optionally the day it ends.",
            footer = {"", "Examples:", "  callvault hold add --call CA1f2e3d4c5b6a79880123456789abcdef --reason 'dispute 4411'",
                    "  callvault hold add --number '+1 415 555 0102' --reason 'litigation hold, case 2026-118' --until 2027-06-30"})
    static final class Add implements Callable<Integer> {
        @Mixin
        ConfigMixin config;

        @Mixin
        OutputMixin output;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why (kept with the hold and in the record).")
        String reason;

        @Option(names = "--until", paramLabel = "DATE", description = "The last day it holds (YYYY-MM-DD); default: until removed.")
        LocalDate until;

        @Option(names = "--by", paramLabel = "NAME", description = "Who places it; default: your user name.")
        String by;

        @Override
        public Integer call() {
            Output out = output.output();
            if (reason.isBlank()) {
                throw new UsageError("--reason: say why (a case, a ticket): it is kept with the hold");
            }
            try (Services s = new Services(config.load())) {
                CallRow call = target.call == null ? null : PrivacyCommands.call(s, target.call);
                String number = target.number == null ? null : PrivacyCommands.number(target.number, s.config);
                Holds.Hold h = PrivacyCommands.privacy(s).holds().place(call, number, reason, PrivacyCommands.actor(by), until);
                out.json(json(h));
                out.text("placed " + h.describe() + " on " + h.on());
                return ExitCode.OK.code;
            }
        }
    }

    @Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "list",
            description = "List the legal holds in force (with --all, removed and expired ones too), newest first.")
    static final class List implements Callable<Integer> {
        @Mixin
        ConfigMixin config;

        @Mixin
        OutputMixin output;

        @Option(names = "--all", description = "Removed and expired holds too.")
        boolean all;

        @Override
        public Integer call() {
            Output out = output.output();
            try (Services s = new Services(config.load())) {
                var holds = PrivacyCommands.privacy(s).holds().list(all);
                if (holds.isEmpty()) {
                    out.text(all ? "no legal hold was ever placed" : "no legal hold is in force");
                }
                for (Holds.Hold h : holds) {
                    out.json(json(h));
                    out.text(h.describe() + " on " + h.on()
                            + (h.removedAt() == null ? "" : "; removed " + h.removedAt() + " by " + h.removedBy() + ": " + h.removedWhy()));
                }
                return ExitCode.OK.code;
            }
        }
    }

    @Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "remove",
            description = "Remove a legal hold (recorded with who and why): retention and erasure then treat its calls as any other.",
            footer = {"", "Examples:", "  callvault hold remove 3 --reason 'case 2026-118 closed'"})
    static final class Remove implements Callable<Integer> {
        @Mixin
        ConfigMixin config;

        @Mixin
        OutputMixin output;

        @Parameters(paramLabel = "ID", description = "The hold's id (callvault hold list).")
        long id;

        @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why it is removed (kept in the record).")
        String reason;

        @Option(names = "--by", paramLabel = "NAME", description = "Who removes it; default: your user name.")
        String by;

        @Override
        public Integer call() {
            Output out = output.output();
            if (reason.isBlank()) {
                throw new UsageError("--reason: say why the hold ends: it is kept in the record");
            }
            try (Services s = new Services(config.load())) {
                Holds.Hold h = PrivacyCommands.privacy(s).holds().remove(id, reason, PrivacyCommands.actor(by))
                        .orElseThrow(() -> new DownloadCommand.NotFound("no hold " + id + " in force (callvault hold list)"));
                out.json(json(h));
                out.text("removed " + h.describe());
                return ExitCode.OK.code;
            }
        }
    }
}
