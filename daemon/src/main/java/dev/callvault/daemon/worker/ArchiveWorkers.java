package dev.callvault.daemon.worker;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.CallvaultException;
import dev.callvault.archive.Archiver;
import dev.callvault.archive.CallbackProcessor;
import dev.callvault.config.Config;
import dev.callvault.daemon.metrics.Metrics;
import dev.callvault.db.CallbackRepository;
import dev.callvault.db.CallbackRow;
import dev.callvault.db.Database;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The archive workers: each claims one due callback at a time with {@code FOR UPDATE SKIP LOCKED} (so replicas
 * share the queue), holds the row lock while it works (so a worker that dies releases its claim at once), and
 * marks it done, reschedules it with jittered exponential backoff, or marks it dead.
 */
public final class ArchiveWorkers {
    private static final Logger log = LoggerFactory.getLogger(ArchiveWorkers.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Database db;
    private final CallbackRepository callbacks;
    private final CallbackProcessor processor;
    private final Metrics metrics;
    private final Config.Worker config;
    private final List<Thread> threads = new ArrayList<>();
    private final Object wakeUp = new Object();
    private volatile boolean running;

    public ArchiveWorkers(Database db, Archiver archiver, Metrics metrics, Config.Worker config) {
        this.db = db;
        this.callbacks = new CallbackRepository(db.jdbi());
        this.processor = new CallbackProcessor(archiver);
        this.metrics = metrics;
        this.config = config;
    }

    public synchronized void start() {
        running = true;
        for (int i = 0; i < config.concurrency(); i++) {
            Thread t = new Thread(() -> {
                // archiving is background work: Twilio's webhooks, playback and media streams go first for the CPU
                dev.callvault.BackgroundPriority.lowerThisThread();
                loop();
            }, "archive-worker-" + i);
            t.start();
            threads.add(t);
        }
        log.info("{} archive workers started", config.concurrency());
    }

    /** Lets idle workers look for work now rather than at their next poll. */
    public void nudge() {
        synchronized (wakeUp) {
            wakeUp.notifyAll();
        }
    }

    /**
     * Stops claiming; waits up to {@code grace} for running archives, then interrupts them (their claims roll back
     * and another worker or replica picks them up). Returns true when all finished within the grace period.
     */
    public synchronized boolean stop(Duration grace) throws InterruptedException {
        running = false;
        nudge();
        long deadline = System.nanoTime() + grace.toNanos();
        boolean clean = true;
        for (Thread t : threads) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            if (t.isAlive()) {
                clean = false;
                t.interrupt();
            }
        }
        for (Thread t : threads) {
            t.join(5_000);
        }
        threads.clear();
        return clean;
    }

    private volatile boolean queueUnreachable;

    private void loop() {
        while (running) {
            boolean worked;
            try {
                worked = db.jdbi().inTransaction(h -> {
                    List<CallbackRow> claimed = callbacks.claim(h, 1);
                    if (queueUnreachable) {
                        queueUnreachable = false;
                        log.info("archive workers: the queue answers again");
                    }
                    if (claimed.isEmpty()) {
                        return false;
                    }
                    process(h, claimed.get(0));
                    return true;
                });
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                if (!queueUnreachable) {
                    queueUnreachable = true; // one line per outage, not one per worker and poll
                    log.warn("archive workers: the queue is unreachable ({}); trying again every {} ms", e.getMessage(), config.poll().toMillis());
                }
                worked = false;
            }
            if (!worked) {
                synchronized (wakeUp) {
                    try {
                        if (running) {
                            wakeUp.wait(config.poll().toMillis());
                        }
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }
    }

    private void process(org.jdbi.v3.core.Handle h, CallbackRow cb) {
        try {
            processor.process(params(cb)).ifPresent(metrics::archived);
            callbacks.markDone(h, cb.id());
        } catch (CallvaultException e) {
            fail(h, cb, e.retryable(), e.getMessage());
        } catch (RuntimeException e) {
            if (dev.callvault.db.Database.unreachable(e)) {
                throw e; // the database went away mid-archive: the claim's transaction rolls back and the callback stays pending
            }
            // a bug or an unforeseen failure: keep the callback and try again later rather than lose it
            log.error("archiving callback {} ({}) failed unexpectedly", cb.id(), cb.recordingSid(), e);
            fail(h, cb, true, e.toString());
        }
    }

    private void fail(org.jdbi.v3.core.Handle h, CallbackRow cb, boolean retryable, String error) {
        int attempts = cb.attempts() + 1;
        if (retryable && attempts < config.maxAttempts() && running) {
            Duration delay = backoff(config.retryBase(), config.retryMax(), attempts);
            callbacks.reschedule(h, cb.id(), delay, error);
            metrics.archiveFailed(true);
            log.warn("callback {} for {} failed (attempt {} of {}), retrying in {} s: {}", cb.id(), cb.recordingSid(), attempts,
                    config.maxAttempts(), delay.toSeconds(), error);
        } else if (retryable && !running) {
            callbacks.reschedule(h, cb.id(), Duration.ZERO, error); // shutting down: hand it back at once
        } else {
            callbacks.markDead(h, cb.id(), error);
            metrics.archiveFailed(false);
            log.error("callback {} for {} is dead after {} attempts: {}", cb.id(), cb.recordingSid(), attempts, error);
        }
    }

    static Duration backoff(Duration first, Duration last, int attempts) {
        long base = Math.min(last.toMillis(), first.toMillis() << Math.min(attempts - 1, 20));
        return Duration.ofMillis(base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1));
    }

    private static Map<String, String> params(CallbackRow cb) {
        try {
            return JSON.readValue(cb.paramsJson(), new TypeReference<Map<String, String>>() { });
        } catch (Exception e) {
            return Map.of();
        }
    }
}
