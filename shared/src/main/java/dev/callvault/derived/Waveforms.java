package dev.callvault.derived;

import dev.callvault.peaks.Peaks;
import dev.callvault.db.RecordingRow;
import dev.callvault.storage.RecordingStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * Waveform peaks kept beside each recording's object ({@code <key>.peaks.json}), made once when a recording is
 * completed and, for one completed before peaks existed (or whose peaks failed), on first view.
 */
public final class Waveforms {
    private static final Logger log = LoggerFactory.getLogger(Waveforms.class);
    public static final String SUFFIX = ".peaks.json";
    /**
     * Larger recordings get their peaks on first view rather than holding up an archive: 64 MiB is over four hours of
     * Twilio's dual-channel MP3, and decoding it takes seconds.
     */
    public static final long INLINE_LIMIT = 64L * 1024 * 1024;

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private final RecordingStore store;

    public Waveforms(RecordingStore store) {
        this.store = store;
    }

    public static String key(String objectKey) {
        return objectKey + SUFFIX;
    }

    /** The stored peaks of a completed recording, computed now and stored when missing. */
    public String of(RecordingRow row) throws IOException {
        if (row.s3Key() == null || !row.completed()) {
            throw new IllegalStateException("recording " + row.id() + " has no stored audio (status " + row.status() + ")");
        }
        Optional<String> stored = stored(row.s3Key());
        return stored.isPresent() ? stored.get() : compute(row.s3Key(), row.format());
    }

    /**
     * Computes and stores the peaks of a just completed recording. A failure is logged, not thrown: the recording is
     * safe, and its first view computes the peaks again.
     */
    public void afterCompleted(String objectKey, String format, long size) {
        if (size > INLINE_LIMIT) {
            log.info("waveform of {} ({} bytes) left to its first view", objectKey, size);
            return;
        }
        afterCompleted(objectKey, format, () -> store.get(objectKey, 0, -1));
    }

    /** As {@link #afterCompleted(String, String, long)}, reading the audio from a local copy of the object. */
    public void afterCompleted(String objectKey, String format, Audio audio) {
        try {
            compute(objectKey, format, audio);
        } catch (IOException | RuntimeException e) {
            log.warn("waveform of {} not computed now ({}); its first view computes it", objectKey, e.toString());
        }
    }

    private Optional<String> stored(String objectKey) throws IOException {
        if (store.head(key(objectKey)).isEmpty()) {
            return Optional.empty();
        }
        String json;
        try (InputStream in = store.get(key(objectKey), 0, -1)) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try {
            JSON.readTree(json); // stored without waiting for the disk: a crash may have cut it short
            return Optional.of(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            log.warn("waveform of {} is damaged ({}); making it again", objectKey, e.getOriginalMessage());
            return Optional.empty();
        }
    }

    /** Where the audio is read from. */
    public interface Audio {
        InputStream open() throws IOException;
    }

    private String compute(String objectKey, String format) throws IOException {
        return compute(objectKey, format, () -> store.get(objectKey, 0, -1));
    }

    /** Stores the waveform a live recorder made of {@code objectKey} as it wrote it; a failure leaves it to the first view. */
    public void afterCompleted(String objectKey, Peaks peaks) {
        try {
            store(objectKey, peaks);
        } catch (RuntimeException e) {
            log.warn("waveform of {} not stored now ({}); its first view computes it", objectKey, e.toString());
        }
    }

    private String compute(String objectKey, String format, Audio audio) throws IOException {
        long start = System.nanoTime();
        Peaks peaks;
        try (InputStream in = audio.open()) {
            peaks = Peaks.of(in, format);
        }
        String json = store(objectKey, peaks);
        log.debug("waveform of {}: {} pixels x {} channels in {} ms", objectKey, peaks.length(), peaks.channels(),
                (System.nanoTime() - start) / 1_000_000);
        return json;
    }

    private String store(String objectKey, Peaks peaks) {
        String json = peaks.toJson();
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        try {
            store.putDerived(key(objectKey), bytes, "application/json", Map.of("waveform-of", objectKey));
        } catch (RuntimeException e) {
            throw new UncheckedIOException(new IOException("storing the waveform of " + objectKey + ": " + e.getMessage(), e));
        }
        return json;
    }
}
