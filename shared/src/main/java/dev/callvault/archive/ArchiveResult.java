package dev.callvault.archive;

import dev.callvault.twilio.RecordingRef;

import java.time.Duration;
import java.util.UUID;

/** What one {@link Archiver#archive} did, for logs, metrics and the CLI's reports. */
public record ArchiveResult(Outcome outcome, RecordingRef ref, UUID recordingId, String key, long size, String sha256,
                            String twilioStatus, Duration took) {

    public enum Outcome {
        /** Streamed from Twilio into the store; the call's mixed row now carries it. */
        ARCHIVED,
        /** The row and the object already held exactly this recording: nothing was downloaded or written. */
        ALREADY_ARCHIVED,
        /** Twilio has no media for it (absent, still processing, deleted...): nothing to archive. */
        NO_MEDIA,
        /** It, or its call, was erased or expired here (a tombstone): it is never archived again. */
        ERASED
    }

    /** Megabytes (10^6 bytes) per second, for logs and benchmarks. */
    public double megabytesPerSecond() {
        double seconds = Math.max(took.toNanos(), 1) / 1e9;
        return size / 1e6 / seconds;
    }
}
