package dev.callvault.cli;

import dev.callvault.archive.CallbackProcessor;
import dev.callvault.db.CallbackRepository;
import dev.callvault.replay.Replayer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code callvault replay}: re-deliver recording status callbacks. */
@Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "replay", sortOptions = false,
        description = {"Re-deliver recording status callbacks: stored ones picked by --id/--call-sid/--recording-sid/--status/--since, those of a capture file (--file: form-encoded lines or JSON objects), or rebuilt from Twilio's API (--from-twilio). By default they go through the archiver in this process, as a daemon worker would; with --to they are POSTed to a running daemon, signed with the account's auth token for exactly that URL. Exits 1 when any was not accepted."},
        footer = {"", "Examples:",
                "  callvault replay --status dead                         retry every dead callback here",
                "  callvault replay --recording-sid RE5f6e... --to https://calls.example.com/recording/status",
                "  callvault replay --file captured.txt --to https://calls.example.com/recording/status --rate 5 --dry-run",
                "  callvault replay --from-twilio RE5f6e7d8c9b0a11223344556677889900"})
public final class ReplayCommand implements Callable<Integer> {
    @Mixin
    ConfigMixin config;

    @Mixin
    OutputMixin output;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Source source = new Source();

    static final class Source {
        @ArgGroup(exclusive = false)
        Stored stored;

        @Option(names = "--file", paramLabel = "FILE", description = "Callbacks captured one a line: form-encoded (a=b&c=d) or JSON objects.")
        Path file;

        @Option(names = "--from-twilio", paramLabel = "RE...", converter = Args.RecordingSid.class,
                description = "Rebuild the callback Twilio would send for this recording from its API.")
        List<String> fromTwilio;
    }

    static final class Stored {
        @Option(names = "--id", paramLabel = "N", description = "Stored callback ids (repeatable).")
        List<Long> ids;

        @Option(names = "--call-sid", paramLabel = "CA...", converter = Args.CallSid.class, description = "Stored callbacks of this call.")
        String callSid;

        @Option(names = "--recording-sid", paramLabel = "RE...", converter = Args.RecordingSid.class, description = "Stored callbacks of this recording.")
        String recordingSid;

        @Option(names = "--status", paramLabel = "dead|pending|done", description = "Stored callbacks in this state.")
        String state;

        @Option(names = "--since", paramLabel = "TIME", converter = Args.Time.class, description = "Stored callbacks received at or after TIME.")
        Instant since;

        @Option(names = "--until", paramLabel = "TIME", converter = Args.Time.class, description = "Stored callbacks received before TIME.")
        Instant until;
    }

    @Option(names = "--account", paramLabel = "AC...", converter = Args.AccountSid.class, description = "Account of --from-twilio; default the configured one.")
    String account;

    @Option(names = "--to", paramLabel = "URL", description = "POST to this URL (a daemon's /recording/status) instead of archiving here.")
    URI to;

    @Option(names = "--rate", paramLabel = "N", description = "At most N deliveries a second (with --to); default unlimited.")
    double rate;

    @Option(names = "--dry-run", description = "Print what would be sent (as curl command lines with --to), send nothing.")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        if (source.stored != null && source.stored.state != null && !List.of("dead", "pending", "done").contains(source.stored.state)) {
            throw new UsageError("--status must be dead, pending or done, not '" + source.stored.state + "'");
        }
        if (source.stored == null && source.file == null && source.fromTwilio == null) {
            throw new UsageError("say which callbacks: --id, --call-sid, --recording-sid, --status or --since; --file; or --from-twilio");
        }
        if (to != null && (to.getScheme() == null || !to.getScheme().startsWith("http") || to.getHost() == null)) {
            throw new UsageError("--to must be an http(s) URL, not '" + to + "'");
        }
        if (source.file != null && !Files.isReadable(source.file)) {
            throw new BadInput("cannot read " + source.file);
        }
        Output out = output.output();
        try (Services s = new Services(config.load())) {
            CallbackRepository callbacks = new CallbackRepository(s.db.jdbi());
            Replayer replayer = new Replayer(callbacks, s.twilio, new CallbackProcessor(s.archiver()));
            List<Replayer.Delivery> deliveries = new ArrayList<>();
            if (source.stored != null) {
                Stored f = source.stored;
                deliveries.addAll(replayer.fromStore(new CallbackRepository.Filter(f.ids, f.callSid, f.recordingSid, f.state, f.since, f.until)));
            } else if (source.file != null) {
                try {
                    deliveries.addAll(Replayer.fromFile(source.file));
                } catch (Replayer.MalformedCaptureException e) {
                    throw new BadInput(e.getMessage());
                }
            } else {
                String acc = s.accounts(account).get(0);
                for (String sid : source.fromTwilio) {
                    deliveries.add(replayer.fromTwilio(acc, sid));
                }
            }
            if (deliveries.isEmpty()) {
                out.warn("no callbacks match");
                return ExitCode.OK.code;
            }
            int failed = 0;
            long gap = rate > 0 ? (long) (1000 / rate) : 0;
            for (Replayer.Delivery d : deliveries) {
                if (dryRun) {
                    out.text(to != null ? replayer.curl(d, to) : "would archive " + d.origin() + ": " + d.recordingSid() + " " + d.status());
                    out.json(Map.of("origin", d.origin(), "params", d.params(), "to", to == null ? "in-process" : to.toString()));
                    continue;
                }
                long started = System.nanoTime();
                Replayer.Report r = to != null ? replayer.post(d, to) : replayer.inProcess(d);
                if (!r.ok()) {
                    failed++;
                }
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("origin", d.origin());
                m.put("recording_sid", d.recordingSid());
                m.put("status", d.status());
                m.put("sent", true);
                m.put("ok", r.ok());
                m.put("outcome", r.outcome());
                m.put("http_status", r.httpStatus());
                out.json(m);
                out.text((r.ok() ? out.good("ok    ") : out.bad("FAILED")) + " " + d.origin() + " " + d.recordingSid() + " " + d.status()
                        + (r.httpStatus() != null ? " HTTP " + r.httpStatus() : "") + ": " + r.outcome());
                long wait = gap - (System.nanoTime() - started) / 1_000_000;
                if (wait > 0) {
                    Thread.sleep(wait);
                }
            }
            return failed == 0 ? ExitCode.OK.code : ExitCode.FAILED.code;
        }
    }
}
