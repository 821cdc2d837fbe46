package dev.callvault;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Background work (archiving, waveforms, analytics) yields the CPU to requests that someone waits for (Twilio's webhooks,
 * playback, media streams): its threads run at nice 10. Java's thread priorities do nothing on Linux unless the JVM runs
 * as root, so the thread asks the kernel itself, through {@code renice} on its own thread id (on Linux, niceness is a
 * thread's, not the whole process's). Where that cannot be done (not Linux, no renice) the work runs at normal priority.
 */
public final class BackgroundPriority {
    private static final Logger log = LoggerFactory.getLogger(BackgroundPriority.class);
    static final int NICE = 10;

    private BackgroundPriority() {
    }

    /** Lowers the calling thread's priority; call it first thing on a background thread. */
    public static void lowerThisThread() {
        try {
            // /proc/thread-self links to /proc/<pid>/task/<tid>: the calling thread's own id
            String tid = Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
            Process renice = new ProcessBuilder("renice", "-n", Integer.toString(NICE), "-p", tid)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!renice.waitFor(5, TimeUnit.SECONDS) || renice.exitValue() != 0) {
                log.debug("renice of thread {} ({}) did not succeed; it runs at normal priority", tid, Thread.currentThread().getName());
            }
        } catch (java.io.IOException | UnsupportedOperationException e) {
            log.debug("no lower priority for {}: {}", Thread.currentThread().getName(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** This thread's niceness as the kernel sees it (field 19 of /proc/thread-self/stat), for tests and diagnostics. */
    public static int niceOfThisThread() throws java.io.IOException {
        String stat = Files.readString(Path.of("/proc/thread-self/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(fields[16]); // field 19 overall; fields after the name start at 3
    }
}
