package dev.callvault.cli;

import dev.callvault.calls.CallView;
import dev.callvault.db.CallRepository;
import dev.callvault.db.CallRow;
import dev.callvault.db.RecordingRepository;
import dev.callvault.db.RecordingRow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code callvault call show}: a call and its recordings. */
@Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "call",
        description = "Look at calls.", subcommands = {CallCommand.Show.class})
public final class CallCommand {

    @Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "show",
            description = {"Print a call and its recordings: type, status, format, duration, size, object key, and where each came from: Twilio's recording (and, for the mixed one, the real-time recording it was upgraded from, when there was one) or the real-time recorder. What is not known (a call known only from Twilio's callback has no numbers) is printed as unknown.",
                    "Then the conversation, as `callvault analyze` defines it: talk time per party, overlap, silence (and the longest), turns, barge-ins and the assistant's response latency (p50, p95, max)."},
            footer = {"", "Examples:", "  callvault call show CA1f2e3d4c5b6a79880123456789abcdef", "  callvault call show 6f1c... --json"})
    static final class Show implements Callable<Integer> {
        @Mixin
        ConfigMixin config;

        @Mixin
        OutputMixin output;

        @Parameters(paramLabel = "ID|CallSid", description = "The call: our id or its CallSid.")
        String call;

        @Override
        public Integer call() {
            if (!CallRepository.isCallReference(call)) {
                throw new UsageError("'" + call + "' is neither a CallSid (CA + 32 hex digits) nor a call id (UUID)");
            }
            Output out = output.output();
            try (Services s = new Services(config.load())) {
                CallRow c = new CallRepository(s.db.jdbi()).find(call).orElseThrow(() -> new DownloadCommand.NotFound("no call " + call));
                List<RecordingRow> rows = new RecordingRepository(s.db.jdbi()).findByCall(c.id());
                Map<String, Object> doc = CallView.call(c);
                doc.put("recordings", rows.stream().map(CallView::recording).toList());
                var analytics = new dev.callvault.db.AnalyticsRepository(s.db.jdbi()).find(c.id());
                doc.put("analytics", analytics.map(CallView::analytics).orElse(null));
                out.json(doc);
                out.text(CallView.summary(c));
                for (RecordingRow r : rows) {
                    out.text(String.format("  %-9s %-11s %-7s %8s s %10s B  %s", r.recordingType(), r.status(),
                            r.format() == null ? "-" : r.format(), r.durationSeconds() == null ? "-" : r.durationSeconds(),
                            r.fileSize() == null ? "-" : r.fileSize(), r.s3Key() == null ? "-" : r.s3Key()));
                    out.text("            " + CallView.origin(r));
                }
                if (analytics.isPresent()) {
                    CallView.analyticsText(analytics.get()).forEach(out::text);
                } else {
                    out.text("conversation: not analysed (no completed pair of tracks yet; callvault analyze)");
                }
                return ExitCode.OK.code;
            }
        }
    }
}
