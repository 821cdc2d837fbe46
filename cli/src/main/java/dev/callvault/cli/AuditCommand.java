package dev.callvault.cli;

import dev.callvault.calls.CallView;
import dev.callvault.db.AuditRepository;
import dev.callvault.db.CallRepository;
import dev.callvault.db.CallRow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code callvault audit}: who played or downloaded a call's recordings, when and from where. */
@Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "audit", sortOptions = false,
        description = {"Print who played or downloaded a call's recordings, newest first: when, who (a signed-in person, or 'api token' / 'signed link' for scripts), "
                + "play or download, which recording, from which address. Call recordings are personal data: this answers 'who listened to this call'."},
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
            out.text(CallView.summary(c) + ": " + (events.isEmpty() ? "no one has played or downloaded its recordings" : events.size() + " events"));
            for (AuditRepository.Event e : events) {
                out.json(CallView.audit(e));
                out.text(String.format("  %s  %-8s %-20s recording %s from %s", e.at(), e.action(), e.who(), e.recordingId(),
                        e.remote() == null ? CallView.UNKNOWN : e.remote()));
            }
            return ExitCode.OK.code;
        }
    }
}
