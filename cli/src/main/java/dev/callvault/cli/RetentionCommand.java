package dev.callvault.cli;

import dev.callvault.db.CallRow;
import dev.callvault.db.DeletionLog;
import dev.callvault.privacy.Holds;
import dev.callvault.privacy.Privacy;
import dev.callvault.privacy.Proof;
import dev.callvault.privacy.Retention;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code callvault retention}: the retention policies, applied (daily, by the package's timer) and explained for a call. */
@Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "retention",
        description = {"Apply the retention policies, or say when a call's recordings will be deleted and by which policy. Policies: retention.days "
                + "(every call), assistant.ID.retention.days (an assistant's calls; the longest policy that applies wins), retention.realtime-days "
                + "(the real-time caller and assistant tracks, when sooner). The clock starts when the call ends. A call no policy names is kept "
                + "forever; a held call is never deleted (callvault hold)."},
        subcommands = {RetentionCommand.Apply.class, RetentionCommand.Show.class})
public final class RetentionCommand {

    @Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "apply",
            description = {"Delete everywhere what the retention policies say is due, except held calls. Everywhere: every object version, "
                    + "Twilio's copies, the rows' audio and numbers (which become tombstones); each deletion is recorded (callvault audit --deletions). Also carries on unfinished "
                    + "erasures (a live call that has ended since, a hold removed, a failure). A deletion that fails is retried by the next run. "
                    + "The package's daily timer runs it.",
                    "",
                    "Exit codes: 0 done (held calls and live calls of unfinished erasures wait, as they should), 1 something could not be "
                            + "deleted yet, by retention or by an erasure carried on (it is retried; see the output), 69 a dependency is unavailable, "
                            + "78 bad configuration (privacy.hash-secret is needed)."},
            footer = {"", "Examples:", "  callvault retention apply --dry-run      what would go today, and what is held",
                    "  callvault retention apply --json"})
    static final class Apply implements Callable<Integer> {
        @Mixin
        ConfigMixin config;

        @Mixin
        OutputMixin output;

        @Option(names = "--dry-run", description = "Say what is due and what is held; delete nothing.")
        boolean dryRun;

        @Override
        public Integer call() {
            Output out = output.output();
            try (Services s = new Services(config.load())) {
                if (!s.config.privacy().anyPolicy()) {
                    out.text("no retention policy is configured (retention.days, assistant.ID.retention.days, retention.realtime-days): nothing is deleted");
                }
                Privacy privacy = PrivacyCommands.privacy(s);
                Retention.Report r = privacy.retention().apply(dryRun);
                for (Retention.Due d : r.due()) {
                    boolean held = r.held().stream().anyMatch(h -> h.startsWith(d.call().callSid()));
                    out.text((dryRun ? "due: " : held ? "held: " : "deleted: ") + d.call().callSid() + " " + (d.wholeCall() ? "all recordings"
                            : "real-time tracks") + " (" + d.recordings() + "), by " + d.deadline().policy() + ", due " + d.deadline().at());
                }
                r.held().forEach(h -> out.text("  kept, held: " + h));
                r.entries().stream().filter(DeletionLog.Entry::failed).forEach(e -> out.warn("not deleted yet: " + e.callSid() + " "
                        + (e.objectKey() != null ? e.objectKey() : e.recordingSid() != null ? e.recordingSid() : "") + " at " + e.place().name().toLowerCase()
                        + ": " + e.detail() + " (retried by the next run)"));
                int unfinished = 0;
                int erasuresFailing = 0;
                if (!dryRun) {
                    for (Proof e : privacy.eraser().resumeOpen()) {
                        out.text("erasure " + e.id() + " carried on: " + e.state());
                        unfinished += e.complete() ? 0 : 1;
                        for (Proof.CallOutcome c : e.calls()) {
                            if (c.outcome().equals("failed")) {
                                erasuresFailing++;
                                out.warn("erasure " + e.id() + ": " + c.callSid() + " not erased yet: " + c.detail() + " (retried by the next run)");
                            }
                        }
                    }
                }
                Map<String, Object> summary = new LinkedHashMap<>();
                summary.put("dry_run", dryRun);
                summary.put("due", r.due().size());
                summary.put("held", r.held().size());
                summary.put("recordings_deleted", r.recordingsDeleted());
                summary.put("failed", r.failed());
                summary.put("erasures_unfinished", unfinished);
                summary.put("erasure_calls_failed", erasuresFailing);
                out.json(summary);
                out.text(String.format("%s %d due, %d held, %d recordings deleted, %d not deleted yet", dryRun ? "dry run:" : "retention:",
                        r.due().size(), r.held().size(), r.recordingsDeleted(), r.failed()));
                return r.failed() > 0 || erasuresFailing > 0 ? ExitCode.FAILED.code : ExitCode.OK.code;
            }
        }
    }

    @Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "show",
            description = "Say when a call's recordings will be deleted, by which policy, and what holds it.",
            footer = {"", "Examples:", "  callvault retention show --call CA1f2e3d4c5b6a79880123456789abcdef"})
    static final class Show implements Callable<Integer> {
        @Mixin
        ConfigMixin config;

        @Mixin
        OutputMixin output;

        @Option(names = "--call", required = true, paramLabel = "ID|CallSid", description = "The call: our id or its CallSid.")
        String call;

        @Override
        public Integer call() {
            Output out = output.output();
            try (Services s = new Services(config.load())) {
                CallRow c = PrivacyCommands.call(s, call);
                Privacy privacy = PrivacyCommands.privacy(s);
                Retention.Schedule sched = privacy.retention().schedule(c);
                List<Holds.Hold> holds = privacy.holds().on(c);
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("call_sid", c.callSid());
                doc.put("ended", sched.ended().toString());
                doc.put("end_said_by_twilio", sched.endKnown());
                doc.put("deleted_at", sched.whole().map(d -> d.at().toString()).orElse(null));
                doc.put("policy", sched.whole().map(Retention.Deadline::policy).orElse(null));
                doc.put("realtime_tracks_deleted_at", sched.realtimeTracks().map(d -> d.at().toString()).orElse(null));
                doc.put("holds", holds.stream().map(Holds.Hold::describe).toList());
                out.json(doc);
                out.text("call " + c.callSid() + " ended " + sched.ended() + (sched.endKnown() ? ""
                        : " as far as callvault knows (Twilio has not said when: the policies count from a day later)"));
                out.text("  recordings: " + sched.whole().map(d -> "deleted after " + d.at() + " (" + d.policy() + ")")
                        .orElse("kept forever: no retention policy applies"));
                sched.realtimeTracks().filter(rt -> sched.whole().isEmpty() || rt.at().isBefore(sched.whole().get().at()))
                        .ifPresent(rt -> out.text("  real-time caller and assistant tracks: deleted after " + rt.at() + " (" + rt.policy() + ")"));
                holds.forEach(h -> out.text("  held, so kept whatever the policy: " + h.describe()));
                return ExitCode.OK.code;
            }
        }
    }
}
