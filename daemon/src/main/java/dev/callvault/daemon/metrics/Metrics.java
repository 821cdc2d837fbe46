package dev.callvault.daemon.metrics;

import dev.callvault.archive.ArchiveResult;
import dev.callvault.db.CallbackRepository;
import dev.callvault.twilio.TwilioRecordings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** Every metric the daemon exports at {@code /metrics}, named in one place. */
public final class Metrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private volatile CallbackRepository.QueueStats lastStats = new CallbackRepository.QueueStats(0, 0, 0);
    // meters counted for every media frame or finished call are held, not looked up each time: a lookup builds an id
    // (and, for a timer with percentiles, takes the registry's lock: 70-80 ms waits with 200 calls finishing at once)
    private final Timer encode = Timer.builder("callvault.media.encode").register(registry);
    private final Counter audioBytes = Counter.builder("callvault.media.audio.bytes").baseUnit("bytes").register(registry);
    private final Timer finalize = Timer.builder("callvault.media.finalize").publishPercentiles(0.5, 0.99).register(registry);
    private final Map<String, Counter> framesReceived = new ConcurrentHashMap<>();
    private final DistributionSummary ackBatches = DistributionSummary.builder("callvault.acks.batch.size")
            .description("Call starts and callbacks made durable by one commit").register(registry);

    public Metrics(CallbackRepository callbacks, TwilioRecordings twilio) {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        beforeScrape.add(() -> refresh(callbacks)); // one read for the three gauges, as for the privacy ones
        Gauge.builder("callvault.queue.depth", this, m -> m.lastStats.pending())
                .description("Recording status callbacks waiting to be archived").register(registry);
        Gauge.builder("callvault.queue.dead", this, m -> m.lastStats.dead())
                .description("Callbacks given up on (see callvault replay --status dead)").register(registry);
        Gauge.builder("callvault.queue.oldest.pending", this, m -> m.lastStats.oldestPendingSeconds())
                .baseUnit("seconds").description("Age of the oldest pending callback").register(registry);
        FunctionCounter.builder("callvault.twilio.retries", twilio, TwilioRecordings::retryCount)
                .description("Twilio requests retried after 429, 5xx or network errors").register(registry);
    }

    private void refresh(CallbackRepository callbacks) {
        try {
            lastStats = callbacks.stats();
        } catch (RuntimeException e) {
            // the database is down: /readyz says so; the gauges keep their last value
        }
    }

    public void callbackReceived(String status) {
        Counter.builder("callvault.callbacks.received").tag("status", status).register(registry).increment();
    }

    public void callbackRejected(String reason) {
        Counter.builder("callvault.callbacks.rejected").tag("reason", reason).register(registry).increment();
    }

    public void archived(ArchiveResult result) {
        Counter.builder("callvault.archive.outcomes").tag("outcome", result.outcome().name().toLowerCase()).register(registry).increment();
        Timer.builder("callvault.archive.duration").tag("outcome", result.outcome().name().toLowerCase()).register(registry)
                .record(result.took());
        if (result.outcome() == ArchiveResult.Outcome.ARCHIVED) {
            Counter.builder("callvault.archive.bytes").baseUnit("bytes").register(registry).increment(result.size());
        }
    }

    /**
     * A call's conversation analytics: each reply's latency into one histogram across calls (alert on its p95), the
     * call's barge-ins into another.
     */
    public void analyzed(dev.callvault.derived.CallAnalyzer.Result result) {
        var c = result.conversation();
        io.micrometer.core.instrument.DistributionSummary latency = io.micrometer.core.instrument.DistributionSummary
                .builder("callvault.response.latency").baseUnit("seconds").tag("source", result.source())
                .description("The assistant's response latency: end of the caller's speech to the start of its reply")
                .serviceLevelObjectives(0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0).register(registry);
        c.latencies().forEach(latency::record);
        io.micrometer.core.instrument.DistributionSummary.builder("callvault.call.barge.ins").tag("source", result.source())
                .description("Barge-ins per analysed call: the caller started while the assistant spoke, and it stopped within 1 s")
                .serviceLevelObjectives(0.5, 1, 2, 3, 5, 10).register(registry).record(c.bargeIns());
    }

    /** Real-time recordings marked failed, by reason: their audio is incomplete or lost (Twilio's recording may still come). */
    public void realtimeFailed(String reason, int recordings) {
        Counter.builder("callvault.realtime.failed").tag("reason", reason)
                .description("Real-time recordings marked failed: the spool could not be written, or their daemon vanished mid-call")
                .register(registry).increment(recordings);
    }

    public void archiveFailed(boolean retryable) {
        Counter.builder("callvault.archive.outcomes").tag("outcome", retryable ? "retry" : "dead").register(registry).increment();
    }

    public void request(String route, String method, int status, long nanos) {
        Timer.builder("http.server.requests").tag("route", route).tag("method", method).tag("status", Integer.toString(status))
                .register(registry).record(Duration.ofNanos(nanos).toNanos(), TimeUnit.NANOSECONDS);
    }

    public void derivedDropped(dev.callvault.derived.DerivedWork derived) {
        FunctionCounter.builder("callvault.derived.dropped", derived, dev.callvault.derived.DerivedWork::dropped)
                .description("Waveforms and analytics not made because the background worker was behind (first view and 'callvault analyze' make them)")
                .register(registry);
    }

    public void journaled(java.util.function.Supplier<Long> count) {
        // strongly held: the registry keeps only a weak reference to a gauge's object, and this supplier has no other
        // holder, so the first full garbage collection turned the gauge into NaN
        Gauge.builder("callvault.journal.pending", count, c -> c.get()).strongReference(true)
                .description("Callbacks and call starts acknowledged while the database was unreachable, not yet moved into it").register(registry);
    }

    public void activeStreams(java.util.function.Supplier<Integer> count) {
        Gauge.builder("callvault.media.streams.active", count, c -> c.get()).strongReference(true).description("Media streams being recorded now").register(registry);
    }

    public void mediaRejected() {
        Counter.builder("callvault.media.handshakes.rejected").register(registry).increment();
    }

    public void frameReceived(String event) {
        framesReceived.computeIfAbsent(event, e -> Counter.builder("callvault.media.frames.received").tag("event", e).register(registry))
                .increment();
    }

    public void frameSkipped(String reason) {
        Counter.builder("callvault.media.frames.skipped").tag("reason", reason).register(registry).increment();
    }

    /** Time spent decoding, placing, mixing and encoding one frame. */
    public void encoded(long nanos) {
        encode.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void audioBytes(int n) {
        audioBytes.increment(n);
    }

    public void finalized(long nanos) {
        finalize.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A batch of call starts and callbacks made durable by one commit (or one journal flush). */
    public void acknowledgementsFlushed(long batchSize) {
        ackBatches.record(batchSize);
    }

    /** Call starts and callbacks waiting for their batch now. */
    public void acknowledgementsWaiting(java.util.function.Supplier<Integer> count) {
        Gauge.builder("callvault.acks.waiting", count, c -> c.get()).strongReference(true)
                .description("Call starts and callbacks waiting for their batch to be stored").register(registry);
    }

    /**
     * A webhook that could not be acknowledged as stored in time: a callback answered 503 ({@code callback_timeout},
     * {@code callback_full}), or a call start journaled locally so its TwiML could be answered ({@code call_journaled}).
     */
    public void acknowledgementLate(String outcome) {
        Counter.builder("callvault.acks.late").tag("outcome", outcome)
                .description("Webhooks whose batch was not stored in time (callbacks answered 503, call starts journaled)").register(registry).increment();
    }

    /** A client that went away mid-response (a player seeking, a tab closed): normal, counted. */
    public void clientGone(String route) {
        Counter.builder("callvault.http.client.gone").tag("route", route)
                .description("Responses the client stopped reading (a seek, a reload, a closed tab)").register(registry).increment();
    }

    /**
     * The personal-data lifecycle, read from the database at each scrape: recordings deleted by retention and by erasure,
     * erasures not complete, holds in force, retention's last run (and whether any policy is set, for the alert). One
     * read per scrape, before the registry renders, and every gauge shows it: a gauge that read the database itself
     * would leave the others showing the previous scrape's numbers, whichever the registry happened to render first.
     */
    public void privacy(dev.callvault.db.Database db, java.util.function.BooleanSupplier policies) {
        beforeScrape.add(() -> {
            try {
                lastPrivacy = dev.callvault.privacy.PrivacyStats.read(db.jdbi());
            } catch (RuntimeException e) {
                // the database is down: /readyz says so; the gauges keep their last value
            }
        });
        Gauge.builder("callvault.recordings.deleted", this, m -> m.lastPrivacy.expired()).tag("reason", "retention")
                .description("Recordings deleted everywhere (tombstones kept), by reason").register(registry);
        Gauge.builder("callvault.recordings.deleted", this, m -> m.lastPrivacy.erased()).tag("reason", "erasure")
                .description("Recordings deleted everywhere (tombstones kept), by reason").register(registry);
        Gauge.builder("callvault.erasures.unfinished", this, m -> m.lastPrivacy.openErasures())
                .description("Erasures not complete: held, live or failed calls (retention apply carries them on)").register(registry);
        Gauge.builder("callvault.holds.active", this, m -> m.lastPrivacy.activeHolds()).description("Legal holds in force").register(registry);
        Gauge.builder("callvault.retention.last.run", this, m -> m.lastPrivacy.lastRetentionRun() == null ? 0 : m.lastPrivacy.lastRetentionRun().getEpochSecond())
                .baseUnit("seconds").description("When retention apply last finished a run (Unix time; 0: never)").register(registry);
        Gauge.builder("callvault.retention.policies", policies, p -> p.getAsBoolean() ? 1 : 0).strongReference(true)
                .description("1 when a retention policy is configured").register(registry);
    }

    private volatile dev.callvault.privacy.PrivacyStats lastPrivacy = dev.callvault.privacy.PrivacyStats.NONE;
    /** Reads that gauges share, made once per scrape before the registry renders (see {@link #privacy}). */
    private final java.util.List<Runnable> beforeScrape = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** A pause of a call's recording; {@code twilio}: paused, refused (its recording may hold the span), none (it had none). */
    public void paused(String twilio) {
        Counter.builder("callvault.pauses").tag("twilio", twilio)
                .description("Pauses of calls' recordings for card data, by what Twilio did").register(registry).increment();
    }

    /** The metrics in Prometheus' text format; one scrape at a time, so every gauge of a scrape shows the same read. */
    public synchronized String scrape() {
        beforeScrape.forEach(Runnable::run);
        return registry.scrape();
    }
}
