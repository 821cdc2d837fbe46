package dev.callvault.storage;

import java.time.Instant;
import java.util.Map;

/** An object in the store as HEAD sees it: size, our SHA-256 (hex), user metadata, and what HTTP caches need. */
public record StoredObject(String key, long size, String sha256, Map<String, String> metadata, Instant lastModified,
                           String etag, String contentType) {
    public StoredObject {
        metadata = Map.copyOf(metadata);
    }

    /** True when this object holds exactly the bytes described by {@code size} and {@code sha256}. */
    public boolean matches(long expectedSize, String expectedSha256) {
        return size == expectedSize && expectedSha256 != null && expectedSha256.equals(sha256);
    }
}
