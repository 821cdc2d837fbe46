package dev.callvault.cli;

import dev.callvault.calls.CallView;
import dev.callvault.db.AuditRepository;
import dev.callvault.db.CallRepository;
import dev.callvault.db.CallRow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code callvault audit}: who listened to (which parts of) a call's recordings or downloaded them, when and from where. */
@Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "audit", sortOptions = false,
        description = {"Print who listened to a call's recordings or downloaded them, newest first: when, who (a signed-in person, or 'api token' / "
                + "'signed link' for scripts), what (a listen says which parts were heard, as the console's player played them; a download is a "
                + "whole file taken), which recording, from which address. Call recordings are personal data: this answers 'who listened to this call'. "
                + "Entries named 'play' come from before listens were reported by the player: they count a player's fetch, not a person listening."},
        footer = {"", "Examples:", "  callvault audit --call CA1f2e3d4c5b6a79880123456789abcdef", "  callvault audit --call CA1f2e... --json",
                "  callvault audit --deletions --since 30d"})
public final class AuditCommand implements Callable<Integer> {
    @Mixin
    ConfigMixin config;

    @Mixin
    OutputMixin output;

    @Option(names = "--call", paramLabel = "ID|CallSid", description = "The call: our id or its CallSid.")
    String call;

    @Option(names = "--deletions", description = "The record of every deletion instead: retention, erasures, legal holds placed and removed, "
            + "backfill --delete-from-twilio; who, when, why, what (SIDs, object keys, bytes, SHA-256), where, and the outcome.")
    boolean deletions;

    @Option(names = "--since", paramLabel = "TIME", converter = Args.Time.class, description = "With --deletions: only since this (default: all).")
    java.time.Instant since;

    @Override
    public Integer call() {
        if ((call == null) == !deletions) {
            throw new UsageError("name a call (--call CA...) or ask for the record of deletions (--deletions)");
        }
        if (deletions) {
            return deletions();
        }
        if (!CallRepository.isCallReference(call)) {
            throw new UsageError("--call: '" + call + "' is neither a CallSid (CA + 32 hex digits) nor a call id (UUID)");
        }
        Output out = output.output();
        try (Services s = new Services(config.load())) {
            CallRow c = new CallRepository(s.db.jdbi()).find(call).orElseThrow(() -> new DownloadCommand.NotFound("no call " + call));
            var events = new AuditRepository(s.db.jdbi()).forCall(c.id());
            out.text(CallView.summary(c) + ": " + (events.isEmpty() ? "no one has listened to or downloaded its recordings" : events.size() + " events"));
            for (AuditRepository.Event e : events) {
                out.json(CallView.audit(e));
                out.text(String.format("  %s  %s, recording %s, from %s", e.at(), CallView.auditWords(e), e.recordingId(),
                        e.remote() == null ? CallView.UNKNOWN : e.remote()));
            }
            return ExitCode.OK.code;
        }
    }

    private int deletions() {
        Output out = output.output();
        try (Services s = new Services(config.load())) {
            var entries = new dev.callvault.db.DeletionLog(s.db.jdbi()).since(since, 100_000);
            if (entries.isEmpty()) {
                out.text("nothing was deleted" + (since == null ? "" : " since " + since));
            }
            for (var e : entries) {
                java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
                m.put("at", e.at().toString());
                m.put("actor", e.actor());
                m.put("kind", e.kind().name().toLowerCase());
                m.put("why", e.why());
                m.put("erasure", e.erasureId() == null ? null : e.erasureId().toString());
                m.put("call_sid", e.callSid());
                m.put("recording_sid", e.recordingSid());
                m.put("object_key", e.objectKey());
                m.put("bytes", e.bytes());
                m.put("sha256", e.sha256());
                m.put("where", e.place().name().toLowerCase());
                m.put("outcome", e.outcome().name().toLowerCase());
                m.put("detail", e.detail());
                out.json(m);
                out.text(String.format("  %s  %-12s %-14s %-8s %-12s %s%s%s  by %s: %s", e.at(), e.kind().name().toLowerCase(), e.outcome().name().toLowerCase(),
                        e.place().name().toLowerCase(), e.callSid() == null ? "" : e.callSid(), e.recordingSid() == null ? "" : e.recordingSid() + " ",
                        e.objectKey() == null ? "" : e.objectKey() + " ", e.detail() == null ? "" : "(" + e.detail() + ")", e.actor(), e.why()));
            }
            return ExitCode.OK.code;
        }
    }
}
