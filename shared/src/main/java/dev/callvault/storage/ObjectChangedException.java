package dev.callvault.storage;

import dev.callvault.RetryableException;

/**
 * A read of exactly one object ({@link RecordingStore#getExactly}) found another object under its key: it was replaced
 * or changed since it was looked at. Asking again, from a fresh look, may succeed.
 */
public final class ObjectChangedException extends RetryableException {
    public ObjectChangedException(String key, String etag, Throwable cause) {
        super("object " + key + " changed in storage since it was looked at (it was ETag " + etag + ")", cause);
    }
}
