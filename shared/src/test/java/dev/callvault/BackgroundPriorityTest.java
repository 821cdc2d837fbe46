package dev.callvault;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Background work yields the CPU: a thread that lowers its priority runs at nice 10, and only that thread does. */
class BackgroundPriorityTest {
    @Test
    void aBackgroundThreadRunsAtNice19AndTheOthersKeepTheirs() throws Exception {
        int before = BackgroundPriority.niceOfThisThread();
        AtomicInteger background = new AtomicInteger(Integer.MIN_VALUE);
        Thread t = new Thread(() -> {
            BackgroundPriority.lowerThisThread();
            try {
                background.set(BackgroundPriority.niceOfThisThread());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        t.start();
        t.join();

        assertThat(background.get()).isEqualTo(BackgroundPriority.NICE).isEqualTo(10);
        assertThat(BackgroundPriority.niceOfThisThread()).as("the calling thread's own niceness is untouched").isEqualTo(before);
    }
}
