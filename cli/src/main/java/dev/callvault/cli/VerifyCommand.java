package dev.callvault.cli;

import dev.callvault.CallvaultException;
import dev.callvault.db.RecordingRepository;
import dev.callvault.verify.Reconciler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code callvault verify}: Twilio ↔ database ↔ store reconciliation for a window, for cron and monitors. */
@Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "verify", sortOptions = false,
        description = {"Reconcile a time window three ways: Twilio's recordings, our database rows and the objects in S3 (HEAD). Each recording is ok, not upgraded (Twilio has it, our mixed row lacks it), object missing, size or hash mismatch, or absent/failed at Twilio (expected); objects no row names are orphans. --fix re-archives what it can and moves unknown orphans to orphaned/ (nothing is deleted).",
                "",
                "The check reads objects' metadata (HEAD), which bytes changed in place do not show. --deep also reads back every object of the window (Twilio's and the real-time ones), streamed, --concurrency at a time, and reports one whose bytes do not hash to its row's SHA-256 as corrupt (CRITICAL); with --fix a corrupt recording Twilio still has is fetched again after the damaged object is moved to damaged/, and any other keeps its damaged object in place. Twilio's encrypted recordings are also authenticated where their private key is (twilio.encryption.private-key.CR...): one whose stored bytes changed is corrupt (\"authentication failed\"); one the configured key does not open is wrong_key (\"key does not open this recording\", CRITICAL): the key is wrong, not the recording, and --fix leaves it where it is.",
                "",
                "Its exit codes follow the monitoring-plugin convention (below), so cron and monitors can act on them."},
        footer = {"", "Examples:",
                "  callvault verify --since 24h                          nightly check from cron",
                "  callvault verify --since 2026-11-01 --until 2026-11-02 --json",
                "  callvault verify --since 7d --fix",
                "  callvault verify --since 7d --deep --concurrency 8    read every object back and hash it"})
public final class VerifyCommand implements Callable<Integer> {
    static final int OK = 0;
    static final int WARNING = 1;
    static final int CRITICAL = 2;
    static final int UNKNOWN = 3;

    @Mixin
    ConfigMixin config;

    @Mixin
    OutputMixin output;

    @Mixin
    WindowMixin window;

    @Option(names = "--account", paramLabel = "AC...", converter = Args.AccountSid.class, description = "Only this account; default: every configured account.")
    String account;

    @Option(names = "--fix", description = "Re-archive what is not upgraded, missing or mismatched, then check again.")
    boolean fix;

    @Option(names = "--deep", description = "Also read back every object of the window and compare its SHA-256 with the row (slower: reads all the bytes).")
    boolean deep;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "4", description = "With --deep, how many objects to read at once (1 to 64); default ${DEFAULT-VALUE}.")
    int concurrency;

    @Option(names = "--warning", paramLabel = "N", description = "WARNING when more than N findings are wrong (any kind); default 0.")
    int warning;

    @Option(names = "--critical", paramLabel = "N", description = "CRITICAL when more than N objects are missing or mismatched; default 0.")
    int critical;

    @Override
    public Integer call() {
        Instant[] w = window.window();
        Instant from = w[0];
        Instant to = w[1];
        if (concurrency < 1 || concurrency > 64) {
            throw new UsageError("--concurrency must be 1 to 64, got " + concurrency);
        }
        Output out = output.output();
        try (Services s = new Services(config.load(), concurrency)) {
            Reconciler reconciler = new Reconciler(s.twilio, new RecordingRepository(s.db.jdbi()), s.store, s.archiver(),
                    s.config.assistants().staleAfter(), new dev.callvault.crypto.PrivateKeys(s.config.twilio().encryptionKeys()));
            List<Reconciler.Item> items = new ArrayList<>();
            for (String acc : s.accounts(account)) {
                Reconciler.Report report = check(reconciler, out, acc, from, to);
                if (fix) {
                    for (Reconciler.Fixed f : reconciler.fix(acc, report)) {
                        out.json(Map.of("fix", f.item().status().name().toLowerCase(), "recording_sid", String.valueOf(f.item().recordingSid()),
                                "key", String.valueOf(f.item().key()), "fixed", f.fixed(), "action", f.action()));
                        out.text((f.fixed() ? out.good("fixed ") : out.bad("not fixed ")) + describe(f.item()) + ": " + f.action());
                    }
                    report = check(reconciler, out, acc, from, to);
                }
                items.addAll(report.items());
            }
            return summarize(out, new Reconciler.Report(items));
        } catch (CallvaultException e) {
            out.warn("UNKNOWN: could not check: " + e.getMessage());
            out.json(Map.of("state", "UNKNOWN", "error", e.getMessage()));
            return UNKNOWN;
        }
    }

    private Reconciler.Report check(Reconciler reconciler, Output out, String acc, Instant from, Instant to) {
        if (!deep) {
            return reconciler.check(acc, from, to);
        }
        try (Output.Progress bar = out.progress("verify --deep " + acc.substring(0, 8), 0, "MiB", 1024 * 1024)) {
            java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
            return reconciler.check(acc, from, to, new Reconciler.Deep(concurrency, bar::maxHint, n -> bar.stepTo(bytes.addAndGet(n))));
        }
    }

    private int summarize(Output out, Reconciler.Report report) {
        long crit = report.count(2);
        long wrong = crit + report.count(1);
        int code = crit > critical ? CRITICAL : wrong > warning ? WARNING : OK;
        String state = new String[]{"OK", "WARNING", "CRITICAL"}[code];
        for (Reconciler.Item i : report.items()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("status", i.status().name().toLowerCase());
            m.put("call_sid", i.callSid());
            m.put("recording_sid", i.recordingSid());
            m.put("key", i.key());
            m.put("detail", i.detail());
            out.json(m);
            if (i.status().severity > 0) {
                String label = String.format("%-15s", i.status().name().toLowerCase());
                out.text((i.status().severity == 2 ? out.bad(label) : out.warning(label)) + " " + describe(i)
                        + (i.detail() == null ? "" : "  " + i.detail()));
            }
        }
        Map<String, Object> counts = new LinkedHashMap<>();
        report.counts().forEach((k, v) -> counts.put(k.name().toLowerCase(), v));
        out.json(Map.of("state", state, "counts", counts));
        StringBuilder line = new StringBuilder(state + ": ");
        report.counts().forEach((k, v) -> line.append(k.name().toLowerCase()).append('=').append(v).append(' '));
        out.text(code == OK ? out.good(line.toString().trim()) : out.bad(line.toString().trim()));
        return code;
    }

    private static String describe(Reconciler.Item i) {
        return (i.recordingSid() != null ? i.recordingSid() : "") + (i.callSid() != null ? " call " + i.callSid() : "")
                + (i.key() != null ? " " + i.key() : "");
    }
}
