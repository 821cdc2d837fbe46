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
        footer = {"", "Examples:", "  callvault audit --call CA1f2e3d4c5b6a79880123456789abcdef", "  callvault audit --call CA1f2e... --json"})
public final class AuditCommand implements Callable<Integer> {
    @Mixin
    ConfigMixin config;

    @Mixin
    OutputMixin output;

    @Option(names = "--call", required = true, paramLabel = "ID|CallSid", description = "The call: our id or its CallSid.")
    String call;

    @Override
    public Integer call() {
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
}
