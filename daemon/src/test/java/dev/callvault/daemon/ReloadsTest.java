package dev.callvault.daemon;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGHUP's requests against the daemon's start, raced on purpose: the request and the start are released together
 * thousands of times, so every interleaving of "is it started?" and "it is started" comes up (the two-flag version this
 * replaced lost about one request in 200 here).
 */
class ReloadsTest {
    private static final int ROUNDS = 20_000;
    /** On a loaded machine a round takes a scheduling quantum or two: fewer rounds then, but never a test of minutes. */
    private static final long BUDGET_NANOS = 15_000_000_000L;
    private static final ch.qos.logback.classic.Logger LOG = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Reloads.class);

    /** Tens of thousands of rounds: their log lines would only slow the race down and fill the build's output. */
    @BeforeAll
    static void quiet() {
        LOG.setLevel(ch.qos.logback.classic.Level.ERROR);
    }

    @AfterAll
    static void loud() {
        LOG.setLevel(null);
    }

    @Test
    void aReloadAskedForAsTheDaemonStartsIsNeverLost() throws Exception {
        int lost = 0;
        int rounds = 0;
        long start = System.nanoTime();
        for (; rounds < ROUNDS && System.nanoTime() - start < BUDGET_NANOS; rounds++) {
            AtomicInteger carriedOut = new AtomicInteger();
            Reloads<String> reloads = new Reloads<>(target -> "round " + carriedOut.incrementAndGet());
            AtomicInteger ready = new AtomicInteger();
            Thread signal = new Thread(() -> {
                together(ready);
                reloads.request();
            });
            signal.start();
            together(ready);
            reloads.started("daemon");
            signal.join();
            if (carriedOut.get() != 1 || reloads.answered() != 1) {
                lost++;
            }
        }
        assertThat(rounds).as("rounds raced").isGreaterThan(1_000);
        assertThat(lost).as("rounds in which the one reload was not carried out exactly once, of " + rounds).isZero();
    }

    @Test
    void severalReloadsWhileStartingAreCarriedOutAsOneAndAllAnswered() throws Exception {
        for (int i = 0; i < 500; i++) {
            AtomicInteger carriedOut = new AtomicInteger();
            Reloads<String> reloads = new Reloads<>(target -> "round " + carriedOut.incrementAndGet());
            AtomicInteger ready = new AtomicInteger();
            List<Thread> signals = new ArrayList<>();
            for (int s = 0; s < 3; s++) {
                Thread t = new Thread(() -> {
                    together(ready, 4);
                    reloads.request();
                });
                t.start();
                signals.add(t);
            }
            together(ready, 4);
            reloads.started("daemon");
            for (Thread t : signals) {
                t.join();
            }
            assertThat(reloads.asked()).isEqualTo(3);
            assertThat(reloads.answered()).as("every request answered").isEqualTo(3);
            assertThat(carriedOut.get()).as("carried out at least once, at most once each").isBetween(1, 3);
        }
    }

    @Test
    void aRefusedReloadIsAnsweredAndTheNextOneStillRuns() {
        AtomicInteger attempts = new AtomicInteger();
        Reloads<String> reloads = new Reloads<>(target -> {
            if (attempts.incrementAndGet() == 1) {
                throw new IllegalArgumentException("a bad config");
            }
            return "ok";
        });
        reloads.started("daemon");

        reloads.request();
        reloads.request();

        assertThat(attempts.get()).isEqualTo(2);
        assertThat(reloads.answered()).isEqualTo(2);
    }

    @Test
    void reloadsWhileStoppingOrAfterAFailedStartAreRefusedNotLeftWaiting() {
        AtomicInteger carriedOut = new AtomicInteger();
        Reloads<String> reloads = new Reloads<>(target -> "round " + carriedOut.incrementAndGet());
        reloads.request();

        reloads.stopped(); // the start failed
        reloads.request();

        assertThat(carriedOut.get()).isZero();
        assertThat(reloads.answered()).isEqualTo(reloads.asked()).isEqualTo(2);
    }

    private static void together(AtomicInteger ready) {
        together(ready, 2);
    }

    /** Both (all) sides spin until every one has arrived, then run at once. */
    private static void together(AtomicInteger ready, int parties) {
        ready.incrementAndGet();
        for (int spins = 0; ready.get() < parties; spins++) {
            if (spins < 100) {
                Thread.onSpinWait();
            } else {
                Thread.yield(); // on a loaded machine the other side may not be running: give it the core
            }
        }
    }
}
