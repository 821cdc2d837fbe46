package dev.callvault.cli;

import dev.callvault.derived.CallAnalyzer;
import dev.callvault.calls.CallView;
import dev.callvault.db.AnalyticsRepository;
import dev.callvault.db.CallRepository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;

/** {@code callvault analyze}: conversation analytics for calls recorded before the daemon computed them, or again. */
@Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "analyze", sortOptions = false,
        description = {"Compute the conversation analytics of the calls of a time window (by start), as the daemon does when a call's "
                + "recordings complete: for calls recorded before this feature, or whose analysis failed. A call already analysed from "
                + "the same recordings by this version of the analyser is skipped, so an interrupted run continues where it stopped when run "
                + "again (--force reads every call again); one analysed by an older version (or before versions were kept) is analysed again. "
                + "Twilio's dual-channel recording is read when there is one (channel 1 the caller, channel 2 the assistant), else the "
                + "real-time caller and assistant tracks.",
                "",
                "Definitions: talk time, each party's speech; silence, neither speaks; overlap, both speak; a barge-in, the caller starts "
                        + "while the assistant speaks and the assistant stops within 1 s; response latency, from the end of the caller's speech "
                        + "to the start of the assistant's next segment (none when the assistant starts before the caller stops), with p50, p95 "
                        + "and max per call; turns, runs of one party's speech; speech is found by a voice-activity detector for 8 kHz phone audio "
                        + "(10 ms frames against the line's noise floor; each segment confirmed by the Silero VAD speech model, whose file "
                        + "analysis.speech-model may name, checked by its SHA-256 before any call is read). Accuracy by SNR: docs/analytics.md."},
        footer = {"", "Examples:", "  callvault analyze --since 7d", "  callvault analyze --since 2026-11-01 --until 2026-11-08 --json",
                "  callvault analyze --call CA1f2e3d4c5b6a79880123456789abcdef --force", "",
                "Exit status: 0 when no call failed, 1 when some could not be read (named on stderr), 69 when the database or store is down."})
public final class AnalyzeCommand implements Callable<Integer> {
    @Mixin
    ConfigMixin config;

    @Mixin
    OutputMixin output;

    @Mixin
    WindowMixin window;

    @Option(names = "--call", paramLabel = "ID|CallSid", description = "Only this call (our id or its CallSid), whatever the window.")
    String call;

    @Option(names = "--force", description = "Analyse again calls already analysed from the same recordings.")
    boolean force;

    @Override
    public Integer call() {
        if (call != null && !CallRepository.isCallReference(call)) {
            throw new UsageError("--call: '" + call + "' is neither a CallSid (CA + 32 hex digits) nor a call id (UUID)");
        }
        Instant[] w = window.window();
        Output out = output.output();
        dev.callvault.config.Config cfg = config.load();
        // loaded before any work: a missing or corrupt speech model stops the command at once, with what is wrong
        dev.callvault.analysis.SpeechModel.install(cfg.speechModel(), cfg.stateDir());
        try (Services s = new Services(cfg)) {
            List<UUID> calls = call != null
                    ? List.of(new CallRepository(s.db.jdbi()).find(call).orElseThrow(() -> new DownloadCommand.NotFound("no call " + call)).id())
                    : s.db.jdbi().withHandle(h -> h.createQuery("""
                                    SELECT id FROM calls WHERE coalesce(started_at, created_at) >= :since AND coalesce(started_at, created_at) < :until
                                    ORDER BY coalesce(started_at, created_at), id""")
                            .bind("since", OffsetDateTime.ofInstant(w[0], ZoneOffset.UTC)).bind("until", OffsetDateTime.ofInstant(w[1], ZoneOffset.UTC))
                            .mapTo(UUID.class).list());
            CallAnalyzer analyzer = new CallAnalyzer(s.db.jdbi(), s.store);
            AnalyticsRepository stored = new AnalyticsRepository(s.db.jdbi());
            Map<String, Integer> counts = new LinkedHashMap<>();
            for (String k : List.of("analyzed", "replaced_older", "unchanged", "no_tracks", "failed")) {
                counts.put(k, 0);
            }
            for (UUID id : calls) {
                try {
                    var result = analyzer.analyze(id, force, skip -> counts.merge(skip.name().toLowerCase(), 1, Integer::sum));
                    if (result.isPresent()) {
                        counts.merge("analyzed", 1, Integer::sum);
                        if (result.get().replacedOlder()) {
                            counts.merge("replaced_older", 1, Integer::sum);
                        }
                        var c = result.get().conversation();
                        out.text(String.format("%s  %-8s turns %3d  barge-ins %2d  latency p50 %s", id, result.get().source(), c.turns(), c.bargeIns(),
                                c.latency(50) == null ? "none" : String.format("%.2f s", c.latency(50))));
                        Map<String, Object> doc = new LinkedHashMap<>();
                        doc.put("call_id", id.toString());
                        doc.putAll(CallView.analytics(stored.find(id).orElseThrow()));
                        out.json(doc);
                    }
                } catch (dev.callvault.RetryableException down) {
                    throw down; // the database or the store: every further call would fail the same way
                } catch (IOException | RuntimeException e) {
                    counts.merge("failed", 1, Integer::sum);
                    System.err.println("call " + id + ": " + e.getMessage());
                }
            }
            out.text(String.format("%d calls: %d analysed%s, %d unchanged, %d without a pair of tracks, %d failed", calls.size(), counts.get("analyzed"),
                    counts.get("replaced_older") == 0 ? "" : " (" + counts.get("replaced_older") + " made by an older analyser)",
                    counts.get("unchanged"), counts.get("no_tracks"), counts.get("failed")));
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("calls", calls.size());
            summary.putAll(counts);
            out.json(summary);
            return counts.get("failed") == 0 ? ExitCode.OK.code : ExitCode.FAILED.code;
        }
    }
}
