package dev.callvault.encrypted;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.callvault.storage.StoredObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What authenticating an encrypted recording's stored object found, bound to the object that was read: its ETag, its
 * version (where the store keeps versions) and its size. Kept in the row's {@code recording_metadata} as
 * {@code "authentication"}; it speaks for that object only, never for one that took its place.
 */
public record Seal(String etag, String versionId, long size, boolean authentic, Instant at) {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The key of the seal in {@code recording_metadata}. */
    public static final String KEY = "authentication";

    public Seal {
        Objects.requireNonNull(at, "at");
    }

    /** The verdict on {@code object}, as a head found it, reached at {@code at}. */
    public static Seal of(StoredObject object, boolean authentic, Instant at) {
        return new Seal(object.etag(), object.version(), object.size(), authentic, at);
    }

    /**
     * True when this seal speaks for {@code object}: the same ETag, version and size. An object without an ETag cannot be
     * told from another, so no seal speaks for it.
     */
    public boolean bindsTo(StoredObject object) {
        return etag != null && etag.equals(object.etag()) && Objects.equals(versionId, object.version()) && size == object.size();
    }

    /** The seal a row's metadata keeps; empty for a row never authenticated (or archived again since). */
    public static Optional<Seal> of(String metadataJson) {
        try {
            JsonNode s = JSON.readTree(metadataJson == null ? "{}" : metadataJson).path(KEY);
            if (!s.isObject() || !s.path("at").isTextual()) {
                return Optional.empty();
            }
            return Optional.of(new Seal(s.path("etag").isTextual() ? s.path("etag").asText() : null,
                    s.path("version_id").isTextual() ? s.path("version_id").asText() : null,
                    s.path("size").asLong(-1), s.path("authentic").asBoolean(false), Instant.parse(s.path("at").asText())));
        } catch (IOException e) {
            throw new UncheckedIOException("a recording's metadata is not JSON", e);
        }
    }

    /** As kept in {@code recording_metadata}. */
    public ObjectNode json() {
        ObjectNode n = JSON.createObjectNode();
        n.put("etag", etag);
        n.put("version_id", versionId);
        n.put("size", size);
        n.put("authentic", authentic);
        n.put("at", at.toString());
        return n;
    }
}
