package dev.callvault.recorder;

import dev.callvault.derived.DerivedWork;
import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.RecordingStores;
import dev.callvault.storage.StoredObject;
import dev.callvault.testing.Environment;
import dev.callvault.testing.Sids;
import dev.callvault.testing.TwilioStandIn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A stream is finalised once: the 5-second retry that runs while the stream's own stop is uploading leaves it to the
 * stop, and each of its objects is stored once (a second upload is one more version of each on a versioned bucket).
 */
class RecorderFinalizeTest {
    @RegisterExtension
    static final Environment env = new Environment();

    /**
     * The test's S3 bucket, with a hold at the first upload of a finished file: that upload waits until the test lets it
     * go, so the retry runs exactly while it is under way. Every upload of each key is counted.
     */
    private static final class HeldFirstUpload implements RecordingStore {
        final RecordingStore store;
        final Map<String, AtomicInteger> uploads = new ConcurrentHashMap<>();
        final CountDownLatch uploading = new CountDownLatch(1);
        final CountDownLatch goOn = new CountDownLatch(1);
        private final AtomicInteger files = new AtomicInteger();

        HeldFirstUpload(RecordingStore store) {
            this.store = store;
        }

        @Override
        public StoredObject putFile(String key, Path file, String contentType, Map<String, String> metadata) {
            uploads.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            if (files.getAndIncrement() == 0) {
                uploading.countDown();
                try {
                    assertThat(goOn.await(30, TimeUnit.SECONDS)).as("the test lets the held upload go").isTrue();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            return store.putFile(key, file, contentType, metadata);
        }

        @Override
        public StoredObject put(String key, InputStream content, String contentType, Map<String, String> metadata) {
            return store.put(key, content, contentType, metadata);
        }

        @Override
        public Optional<StoredObject> head(String key) {
            return store.head(key);
        }

        @Override
        public InputStream get(String key, long offset, long length) {
            return store.get(key, offset, length);
        }

        @Override
        public InputStream getExactly(StoredObject object, long offset, long length) {
            return store.getExactly(object, offset, length);
        }

        @Override
        public Optional<URI> presignedGet(String key, Duration ttl, String downloadName) {
            return store.presignedGet(key, ttl, downloadName);
        }

        @Override
        public void delete(String key) {
            store.delete(key);
        }

        @Override
        public Inventory inventory(String prefix) {
            return store.inventory(prefix);
        }

        @Override
        public void erase(Piece piece) {
            store.erase(piece);
        }

        @Override
        public List<String> list(String prefix) {
            return store.list(prefix);
        }

        @Override
        public void move(String from, String to) {
            store.move(from, to);
        }

        @Override
        public String url(String key) {
            return store.url(key);
        }

        @Override
        public String prefix() {
            return store.prefix();
        }

        @Override
        public boolean reachable() {
            return store.reachable();
        }

        @Override
        public void close() {
            store.close();
        }
    }

    @Test
    void aStreamStoppedWhileTheRetryRunsIsUploadedAndCompletedOnce(@TempDir Path spool) throws Exception {
        try (HeldFirstUpload store = new HeldFirstUpload(RecordingStores.open(env.config().storage()))) {
            Recorder recorder = new Recorder(env.db(), store, spool, "test", Clock.systemUTC(), DerivedWork.none());
            String callSid = Sids.call();
            RealtimeRecording r = recorder.start(TwilioStandIn.ACCOUNT_SID, callSid, Sids.random("MZ"),
                    env.config(Map.of("recording.enabled", "true", "recording.format", "wav")).assistants().match(null, null));
            byte[] frame = new byte[160];
            for (int i = 0; i < 50; i++) {
                r.media("inbound", i * 20L, frame);
                r.media("outbound", i * 20L, frame);
            }
            Thread stop = new Thread(() -> {
                try {
                    recorder.stop(r, 1000, false);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, "stop");
            stop.start();
            assertThat(store.uploading.await(30, TimeUnit.SECONDS)).as("the stop's upload under way").isTrue();

            int left = recorder.retryUnfinished(); // the daemon's 5-second retry, at that very moment
            store.goOn.countDown();
            stop.join(30_000);

            assertThat(left).as("left to the stop that has it in hand").isEqualTo(1);
            assertThat(store.uploads).hasSize(3).allSatisfy((key, n) -> assertThat(n.get()).as("uploads of " + key).isEqualTo(1));
            assertThat(recorder.retryUnfinished()).as("nothing left after the stop").isZero();
            int completed = env.db().jdbi().withHandle(h -> h.createQuery("""
                            SELECT count(*) FROM recordings r JOIN calls c ON c.id = r.call_id WHERE c.call_sid = :c AND r.status = 'completed'""")
                    .bind("c", callSid).mapTo(Integer.class).one());
            assertThat(completed).isEqualTo(3);
        }
    }
}
