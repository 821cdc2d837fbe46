package dev.callvault.storage;

import dev.callvault.PermanentException;
import dev.callvault.RetryableException;

/** Factories for storage failures: retryable when the store is down or overloaded, permanent when it refuses us. */
public final class StorageException {
    private StorageException() {
    }

    public static RetryableException unavailable(String what, String key, Throwable cause) {
        return new RetryableException("storage unavailable while " + what + " " + key + ": " + message(cause), cause);
    }

    public static PermanentException refused(String what, String key, Throwable cause) {
        return new PermanentException("storage refused " + what + " " + key + ": " + message(cause)
                + " (check the bucket name, its permissions and the credentials)", cause);
    }

    private static String message(Throwable t) {
        return t == null ? "" : String.valueOf(t.getMessage());
    }
}
