package dev.callvault.twilio;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** How often and how patiently to retry Twilio: jittered exponential backoff, or what Retry-After asks. */
public record RetryPolicy(int maxAttempts, Duration baseDelay, Duration maxDelay) {
    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
    }

    /** Delay before attempt {@code attempt + 1}, after {@code attempt} failed (1-based). */
    public Duration delay(int attempt, Duration retryAfter) {
        if (retryAfter != null) {
            return retryAfter.compareTo(maxDelay) > 0 ? maxDelay : retryAfter;
        }
        long base = baseDelay.toMillis() << Math.min(attempt - 1, 20);
        long capped = Math.min(base, maxDelay.toMillis());
        // "full jitter" between half and all of the step keeps replicas from retrying in lockstep
        return Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
    }
}
