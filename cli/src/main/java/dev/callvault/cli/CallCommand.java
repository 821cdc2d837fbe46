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
        description = "Look at calls; pause and resume a live call's recording.", subcommands = {CallCommand.Show.class, CallCommand.Pause.class, CallCommand.Resume.class})
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
                var pauses = dev.callvault.pause.Pauses.of(s.db.jdbi(), c.id());
                doc.put("pauses", pauses.stream().map(CallView::pause).toList());
                out.json(doc);
                out.text(CallView.summary(c));
                for (RecordingRow r : rows) {
                    out.text(String.format("  %-9s %-11s %-7s %8s s %10s B  %s", r.recordingType(), r.status(),
                            r.format() == null ? "-" : r.format(), r.durationSeconds() == null ? "-" : r.durationSeconds(),
                            r.fileSize() == null ? "-" : r.fileSize(), r.s3Key() == null ? "-" : r.s3Key()));
                    out.text("            " + CallView.origin(r));
                }
                pauses.forEach(p -> out.text("  " + (p.twilioMayHold() ? out.bad(CallView.pauseWords(p)) : CallView.pauseWords(p))));
                if (analytics.isPresent()) {
                    CallView.analyticsText(analytics.get()).forEach(out::text);
                } else {
                    out.text("conversation: not analysed (no completed pair of tracks yet; callvault analyze)");
                }
                return ExitCode.OK.code;
            }
        }
    }

    /** The daemon's answer to a pause or resume, printed; 0 done, 1 Twilio refused (502), 69 unreachable, 64 refused as asked. */
    static int pauseOrResume(ConfigMixin config, OutputMixin output, String call, String action, String reason, java.net.URI daemonUrl) {
        if (!dev.callvault.accounts.Sids.isValid("CA", call)) {
            throw new UsageError("'" + call + "' is not a CallSid (CA + 32 hex digits): the daemon finds a live call by its CallSid");
        }
        var cfg = config.load();
        java.net.URI base = daemonUrl != null ? daemonUrl : cfg.http().publicUrl();
        if (base == null || cfg.http().apiToken() == null) {
            throw new dev.callvault.config.ConfigException("call " + action + " asks the daemon that records the call: set public-url (or --daemon-url) and http.api-token");
        }
        Output out = output.output();
        String body = "{\"reason\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(reason) + "}";
        java.net.http.HttpResponse<String> r;
        try {
            r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(base.resolve("/calls/" + call + "/" + action))
                    .header("Authorization", "Bearer " + cfg.http().apiToken().reveal()).header("Content-Type", "application/json")
                    .timeout(java.time.Duration.ofSeconds(30)).POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new dev.callvault.RetryableException("the daemon at " + base + " is unreachable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new dev.callvault.RetryableException("interrupted", e);
        }
        if (out.json()) {
            System.out.println(r.body());
        }
        String detail;
        try {
            var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
            detail = json.path("detail").asText(json.path("state").asText(r.body()));
        } catch (java.io.IOException e) {
            detail = r.body();
        }
        out.text((r.statusCode() < 300 ? "" : "HTTP " + r.statusCode() + ": ") + detail);
        return r.statusCode() < 300 ? ExitCode.OK.code : r.statusCode() == 502 ? ExitCode.FAILED.code
                : r.statusCode() >= 500 ? ExitCode.UNAVAILABLE.code : ExitCode.USAGE.code;
    }

    @Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "pause",
            description = {"Pause both recorders of a live call while card data is read: the real-time recorder at once (digital silence on every "
                    + "track, nothing of the span kept), then Twilio's recording (Twilio.CURRENT, recording.pause-behavior). Asks the daemon at "
                    + "public-url (or --daemon-url) with http.api-token; a pause is recorded with who and why from the moment it is asked (Twilio "
                    + "sends no callback for it).",
                    "",
                    "The daemon waits for Twilio at most recording.pause-deadline-ms (3 s); a Twilio that has not confirmed by then is asked again "
                            + "in the background until it confirms or the call ends, and the call stays flagged.",
                    "",
                    "Exit codes: 0 paused (or already), 1 Twilio has not confirmed in time: its recording may hold the span (the real-time recorder "
                            + "paused all the same), 64 another daemon records the call (it is named), 69 the daemon is unreachable."},
            footer = {"", "Examples:", "  callvault call pause CA1f2e3d4c5b6a79880123456789abcdef --reason 'card payment'",
                    "  callvault call resume CA1f2e3d4c5b6a79880123456789abcdef"})
    static final class Pause implements Callable<Integer> {
        @Mixin
        ConfigMixin config;

        @Mixin
        OutputMixin output;

        @Parameters(paramLabel = "CallSid", description = "The live call.")
        String call;

        @picocli.CommandLine.Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why (kept with the pause).")
        String reason;

        @picocli.CommandLine.Option(names = "--daemon-url", paramLabel = "URL", description = "The daemon to ask; default public-url.")
        java.net.URI daemonUrl;

        @Override
        public Integer call() {
            return pauseOrResume(config, output, call, "pause", reason, daemonUrl);
        }
    }

    @Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "resume",
            description = {"Resume both recorders of a paused call: the real-time recorder at once, whatever Twilio's pause is doing, then "
                    + "Twilio's recording (waiting at most recording.pause-deadline-ms, asked again in the background after it). After the call "
                    + "has ended it does nothing, and says so.",
                    "",
                    "Exit codes: 0 recording again (or already), 1 Twilio has not confirmed the resume in time, 64 another daemon records the call, "
                            + "69 the daemon is unreachable."},
            footer = {"", "Examples:", "  callvault call resume CA1f2e3d4c5b6a79880123456789abcdef"})
    static final class Resume implements Callable<Integer> {
        @Mixin
        ConfigMixin config;

        @Mixin
        OutputMixin output;

        @Parameters(paramLabel = "CallSid", description = "The paused call.")
        String call;

        @picocli.CommandLine.Option(names = "--reason", paramLabel = "TEXT", description = "Why (kept with the pause); default: card data read.")
        String reason = "card data read";

        @picocli.CommandLine.Option(names = "--daemon-url", paramLabel = "URL", description = "The daemon to ask; default public-url.")
        java.net.URI daemonUrl;

        @Override
        public Integer call() {
            return pauseOrResume(config, output, call, "resume", reason, daemonUrl);
        }
    }
}
