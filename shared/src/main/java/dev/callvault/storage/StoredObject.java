package dev.callvault.storage;

import java.time.Instant;
import java.util.Map;

/**
 * An object in the store as HEAD sees it: size, our SHA-256 (hex), user metadata, and what HTTP caches need. {@code etag}
 * and {@code version} (null where the store keeps no versions) say which object this is: a store gives other bytes
 * another ETag, so a read of exactly this object can be asked for ({@link RecordingStore#getExactly}).
 */
public record StoredObject(String key, long size, String sha256, Map<String, String> metadata, Instant lastModified,
                           String etag, String contentType, String version) {
    public StoredObject {
        metadata = Map.copyOf(metadata);
    }

    /** An object of a store that keeps no versions, or whose version is not known. */
    public StoredObject(String key, long size, String sha256, Map<String, String> metadata, Instant lastModified, String etag, String contentType) {
        this(key, size, sha256, metadata, lastModified, etag, contentType, null);
    }

    /** True when this object holds exactly the bytes described by {@code size} and {@code sha256}. */
    public boolean matches(long expectedSize, String expectedSha256) {
        return size == expectedSize && expectedSha256 != null && expectedSha256.equals(sha256);
    }
}
