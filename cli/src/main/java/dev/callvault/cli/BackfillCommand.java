package dev.callvault.cli;

import dev.callvault.backfill.Backfill;
import dev.callvault.twilio.TwilioRecording;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code callvault backfill}: archive Twilio's recordings of a window into the store and the database. */
@Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "backfill", sortOptions = false,
        description = {"Archive Twilio's recordings of a time window into S3 and the database, upgrading each call's mixed recording. Recordings already archived and verified are skipped without downloading. An interrupted run continues where it stopped when the same command line is run again, relative windows such as --since 36h included (--restart starts over). Exits 0 only when nothing failed. It stores recordings only: their waveforms are made on first view in the console, their calls' conversation analytics by 'callvault analyze' over the same window."},
        footer = {"", "Examples:",
                "  callvault backfill --since 36h                       the last 36 hours, every configured account",
                "  callvault backfill --since 2026-11-01 --until 2026-11-08 --concurrency 8",
                "  callvault backfill --since 7d --dry-run              count and total duration, nothing written",
                "  callvault backfill --since 30d --delete-from-twilio --yes   then free Twilio's storage of what is verified"})
public final class BackfillCommand implements Callable<Integer> {
    @Mixin
    ConfigMixin config;

    @Mixin
    OutputMixin output;

    @Mixin
    WindowMixin window;

    @Option(names = "--call-sid", paramLabel = "CA...", converter = Args.CallSid.class, description = "Only this call's recordings.")
    String callSid;

    @Option(names = "--account", paramLabel = "AC...", converter = Args.AccountSid.class, description = "Only this account; default: every configured account.")
    String account;

    @Option(names = "--concurrency", paramLabel = "N", description = "Recordings downloaded at once (1-64); default 4. Each one's row is committed while the next downloads. Twilio's 429s are waited out.")
    int concurrency = 4;

    @Option(names = "--dry-run", description = "List and count only: how many recordings and how long in all. Nothing is written.")
    boolean dryRun;

    @Option(names = "--delete-from-twilio", description = "Delete each recording from Twilio once its object's size and SHA-256 match the committed row. Needs --yes.")
    boolean delete;

    @Option(names = "--yes", description = "Confirm a destructive action (--delete-from-twilio) without asking.")
    boolean yes;

    @Option(names = "--restart", description = "Ignore the checkpoint of an earlier, interrupted run of this window.")
    boolean restart;

    @Override
    public Integer call() throws Exception {
        Instant[] w = window.window();
        Instant from = w[0];
        Instant to = w[1];
        if (concurrency < 1 || concurrency > 64) {
            throw new UsageError("--concurrency must be between 1 and 64, got " + concurrency);
        }
        if (delete && !dryRun && !Confirm.destructive(yes, "delete the verified recordings of this window from Twilio")) {
            throw new UsageError("--delete-from-twilio deletes recordings at Twilio: add --yes to confirm");
        }
        Output out = output.output();
        int failed = 0;
        try (Services s = new Services(config.load(), concurrency)) {
            Backfill backfill = new Backfill(s.twilio, s::archiver, s.db);
            for (String acc : s.accounts(account)) {
                Backfill.Options o = new Backfill.Options(acc, from, to, callSid, concurrency, dryRun, delete, restart, window.asTyped());
                Backfill.Summary summary;
                try (Output.Progress bar = out.progress("backfill " + acc.substring(0, 8), 0, null, 1)) {
                    summary = backfill.run(o, new Backfill.Listener() {
                        @Override
                        public void found(int n) {
                            bar.maxHint(n);
                        }

                        @Override
                        public void done(TwilioRecording r, Backfill.Outcome outcome, String detail) {
                            if (outcome != Backfill.Outcome.DELETED && outcome != Backfill.Outcome.KEPT_AT_TWILIO) {
                                bar.step();
                            }
                            Map<String, Object> line = new LinkedHashMap<>();
                            line.put("recording_sid", r.sid());
                            line.put("call_sid", r.callSid());
                            line.put("outcome", outcome.name().toLowerCase());
                            if (detail != null) {
                                line.put("detail", detail);
                            }
                            synchronized (out) {
                                out.json(line);
                                if (outcome == Backfill.Outcome.FAILED || outcome == Backfill.Outcome.KEPT_AT_TWILIO) {
                                    out.warn(out.bad(outcome.name().toLowerCase()) + " " + r.sid() + " (call " + r.callSid() + "): " + detail);
                                }
                            }
                        }
                    });
                }
                failed += summary.failed();
                report(out, acc, summary);
            }
        }
        return failed == 0 ? ExitCode.OK.code : ExitCode.FAILED.code;
    }

    private void report(Output out, String acc, Backfill.Summary s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("account_sid", acc);
        m.put("dry_run", dryRun);
        m.put("found", s.found());
        m.put("archived", s.archived());
        m.put("skipped", s.skipped());
        m.put("no_media", s.noMedia());
        m.put("failed", s.failed());
        m.put("deleted", s.deleted());
        m.put("bytes", s.bytes());
        m.put("total_duration_seconds", s.totalSeconds());
        m.put("seconds", s.took().toMillis() / 1000.0);
        m.put("recordings_per_second", Math.round(s.recordingsPerSecond() * 10) / 10.0);
        m.put("megabytes_per_second", Math.round(s.megabytesPerSecond() * 10) / 10.0);
        out.json(Map.of("summary", m));
        if (dryRun) {
            out.text(String.format("%s: %d recordings, %s s of audio in all (dry run: nothing written)", acc, s.found(), s.totalSeconds().toPlainString()));
            return;
        }
        out.text(String.format("%s: found %d, archived %d, skipped %d, no media %d, %s, deleted %d; %.1f MB in %.1f s (%.1f recordings/s, %.1f MB/s)",
                acc, s.found(), s.archived(), s.skipped(), s.noMedia(), s.failed() == 0 ? out.good("failed 0") : out.bad("failed " + s.failed()),
                s.deleted(), s.bytes() / 1e6, s.took().toMillis() / 1000.0, s.recordingsPerSecond(), s.megabytesPerSecond()));
    }
}
