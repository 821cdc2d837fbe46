package dev.callvault.cli;

import dev.callvault.db.CallRepository;
import dev.callvault.db.CallRow;
import dev.callvault.db.RecordingRepository;
import dev.callvault.db.RecordingRow;
import dev.callvault.twilio.Sids;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;

/** {@code callvault call show}: a call and its recordings. */
@Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "call",
        description = "Look at calls.", subcommands = {CallCommand.Show.class})
public final class CallCommand {

    @Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "show",
            description = {"Print a call and its recordings: type, status, source, object key, duration, size, and whether Twilio's recording overrode the real-time mixed one."},
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
            if (!Sids.isValid("CA", call) && !call.matches("[0-9a-fA-F-]{36}")) {
                throw new UsageError("'" + call + "' is neither a CallSid (CA + 32 hex digits) nor a call id (UUID)");
            }
            Output out = output.output();
            try (Services s = new Services(config.load())) {
                CallRepository calls = new CallRepository(s.db.jdbi());
                CallRow c = (Sids.isValid("CA", call) ? calls.findBySid(call) : calls.findById(UUID.fromString(call)))
                        .orElseThrow(() -> new DownloadCommand.NotFound("no call " + call));
                List<RecordingRow> rows = new RecordingRepository(s.db.jdbi()).findByCall(c.id());
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("id", c.id().toString());
                doc.put("call_sid", c.callSid());
                doc.put("account_sid", c.accountSid());
                doc.put("from", c.fromNumber());
                doc.put("to", c.toNumber());
                doc.put("assistant", c.assistant());
                doc.put("started_at", c.startedAt() == null ? null : c.startedAt().toString());
                doc.put("recordings", rows.stream().map(Show::describe).toList());
                out.json(doc);
                out.text("call " + c.callSid() + " (" + c.id() + ") from " + c.fromNumber() + " to " + c.toNumber()
                        + (c.assistant() == null ? "" : ", assistant " + c.assistant()) + ", started " + c.startedAt());
                for (RecordingRow r : rows) {
                    out.text(String.format("  %-9s %-11s %-3s %-7s %8s s %10s B  %s%s", r.recordingType(), r.status(), r.recordingSource(),
                            r.format() == null ? "-" : r.format(), r.durationSeconds(), r.fileSize() == null ? "-" : r.fileSize(),
                            r.s3Key() == null ? "-" : r.s3Key(), overridden(r) ? "  (Twilio's, overrode the real-time recording)" : ""));
                }
                return ExitCode.OK.code;
            }
        }

        private static boolean overridden(RecordingRow r) {
            return r.recordingSid() != null && r.metadataJson().contains("twilio_override");
        }

        private static Map<String, Object> describe(RecordingRow r) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", r.id().toString());
            m.put("type", r.recordingType());
            m.put("status", r.status());
            m.put("source", r.recordingSource());
            m.put("recording_sid", r.recordingSid());
            m.put("stream_sid", r.streamSid());
            m.put("key", r.s3Key());
            m.put("format", r.format());
            m.put("duration_seconds", r.durationSeconds());
            m.put("file_size", r.fileSize());
            m.put("sha256", r.sha256());
            m.put("overridden", overridden(r));
            return m;
        }
    }
}
