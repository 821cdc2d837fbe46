package dev.callvault.verify;

import dev.callvault.storage.Hex;
import dev.callvault.storage.RecordingStore;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongConsumer;

/**
 * Re-reads objects and hashes their bytes ({@code verify --deep}): what a HEAD cannot see, such as bytes changed in
 * place under unchanged metadata. Objects are streamed, a few at a time, so memory stays flat whatever their size.
 */
final class ContentCheck {
    /** One object to check: its key and the size and SHA-256 its row holds. */
    record Expected(String key, long size, String sha256) {
    }

    private final RecordingStore store;
    private final int concurrency;

    ContentCheck(RecordingStore store, int concurrency) {
        if (concurrency < 1 || concurrency > 64) {
            throw new IllegalArgumentException("--concurrency must be 1 to 64, got " + concurrency);
        }
        this.store = store;
        this.concurrency = concurrency;
    }

    /** What is wrong with each object that is not as expected, by key; {@code read} hears every byte count read. */
    Map<String, String> problems(List<Expected> objects, LongConsumer read) {
        Map<String, String> problems = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency, r -> new Thread(r, "verify-deep"));
        try {
            List<Future<?>> running = objects.stream().<Future<?>>map(o -> pool.submit(() -> check(o, read).ifPresent(p -> problems.put(o.key(), p))))
                    .toList();
            for (Future<?> f : running) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading objects", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return problems;
    }

    private Optional<String> check(Expected o, LongConsumer read) {
        MessageDigest sha = Hex.sha256();
        long size = 0;
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = store.get(o.key(), 0, -1)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
                size += n;
                read.accept(n);
            }
        } catch (IOException e) {
            return Optional.of("could not be read: " + e.getMessage());
        }
        String actual = Hex.of(sha.digest());
        if (size != o.size() || !actual.equals(o.sha256())) {
            return Optional.of("content is " + size + " bytes sha256 " + actual + ", row says " + o.size() + " bytes sha256 " + o.sha256());
        }
        return Optional.empty();
    }
}
