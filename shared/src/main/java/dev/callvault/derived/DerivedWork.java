package dev.callvault.derived;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What is derived from a stored recording (its waveform peaks, its call's conversation analytics), kept off the
 * path that makes the recording safe: an archive or a finalize is done when its object and row are written, and the
 * decoding that follows runs here. Work that does not fit is dropped with a log line: a recording without peaks gets
 * them on first view, a call without analytics from {@code callvault analyze}.
 */
public final class DerivedWork implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DerivedWork.class);

    private enum Mode { BACKGROUND, INLINE, NONE }

    private final Mode mode;
    private final ThreadPoolExecutor pool;
    private final AtomicInteger dropped = new AtomicInteger();

    private DerivedWork(Mode mode, int capacity) {
        this.mode = mode;
        if (mode == Mode.BACKGROUND) {
            pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(capacity), r -> {
                Thread t = new Thread(() -> {
                    dev.callvault.BackgroundPriority.lowerThisThread();
                    r.run();
                }, "derived-work");
                t.setDaemon(true);
                return t;
            }, (r, executor) -> {
                if (dropped.incrementAndGet() % 100 == 1) {
                    log.info("derived work (waveforms, analytics) is behind; {} items left to first views and 'callvault analyze' so far", dropped.get());
                }
            });
        } else {
            pool = null;
        }
    }

    /** One thread at low priority, {@code capacity} items waiting at most: the daemon's. */
    public static DerivedWork background(int capacity) {
        return new DerivedWork(Mode.BACKGROUND, capacity);
    }

    /** In the caller's thread, before it goes on: tests, and tools that want the result at once. */
    public static DerivedWork inline() {
        return new DerivedWork(Mode.INLINE, 0);
    }

    /** Not at all: a bulk backfill, whose recordings get peaks on first view and analytics from 'callvault analyze'. */
    public static DerivedWork none() {
        return new DerivedWork(Mode.NONE, 0);
    }

    public void submit(Runnable work) {
        switch (mode) {
            case INLINE -> work.run();
            case BACKGROUND -> pool.execute(work);
            case NONE -> { }
        }
    }

    /** How many items did not fit and were dropped (left to first views and 'callvault analyze'). */
    public long dropped() {
        return dropped.get();
    }

    /** Waits until what was submitted has run; true when it all did within {@code timeout}. */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        if (pool == null) {
            return true;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (pool.getQueue().size() + pool.getActiveCount() > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow(); // what is left is derived again on demand
        }
    }
}
