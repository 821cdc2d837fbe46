package dev.callvault.storage;

import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Where recording files live. Keys are full object keys ({@link #prefix()} included). Every put streams: no
 * implementation holds a whole file in memory, and none leaves a partial object behind when a put fails.
 */
public interface RecordingStore extends AutoCloseable {
    /** Metadata key under which the object's SHA-256 (lowercase hex) is kept. */
    String SHA256 = "sha256";

    /**
     * Streams {@code content} to {@code key}, computing size and SHA-256 on the way, and stores them with
     * {@code metadata}. Replaces an existing object. Throws {@link StorageException} when the store fails.
     */
    StoredObject put(String key, InputStream content, String contentType, Map<String, String> metadata);

    /**
     * Stores the finished local file {@code file} at {@code key}, as {@link #put} does. The file is not changed
     * afterwards (the caller may delete it): a store on the same file system may link it rather than copy it.
     */
    default StoredObject putFile(String key, java.nio.file.Path file, String contentType, Map<String, String> metadata) {
        try (InputStream in = java.nio.file.Files.newInputStream(file)) {
            return put(key, in, contentType, metadata);
        } catch (java.io.IOException e) {
            throw StorageException.unavailable("reading " + file + " to store as", key, e);
        }
    }

    /**
     * Stores something made from a recording that can be made again (its waveform): a store may skip waiting for its
     * disk, so after a crash it may be missing or cut short, and its reader must then make it again.
     */
    default StoredObject putDerived(String key, byte[] content, String contentType, Map<String, String> metadata) {
        return put(key, new java.io.ByteArrayInputStream(content), contentType, metadata);
    }

    Optional<StoredObject> head(String key);

    /** Bytes {@code [offset, offset+length)} of the object; {@code length < 0} means to the end. */
    InputStream get(String key, long offset, long length);

    /**
     * Bytes {@code [offset, offset+length)} of exactly {@code object}, as a {@link #head} found it (by its ETag): throws
     * {@link ObjectChangedException} when its key holds another object now, so that what was checked of one object is
     * never taken for what another holds. An object without an ETag is read as {@link #get} reads it.
     */
    InputStream getExactly(StoredObject object, long offset, long length);

    /** A short-lived URL a client can fetch the object from without our credentials, where the store can mint one. */
    Optional<URI> presignedGet(String key, Duration ttl, String downloadName);

    void delete(String key);

    /** What erasing an object took away: how many stored versions (delete markers included) and the bytes they held. */
    record Erased(int versions, long bytes) {
    }

    /**
     * Removes the object at {@code key} for good: every version a versioned bucket keeps of it and its delete markers, so
     * nothing of it is left in {@code ListObjectVersions}. A plain delete on a versioned bucket only adds a marker and
     * the audio stays. Nothing to remove is {@code Erased(0, 0)}. Throws {@link StorageException} when it cannot.
     */
    default Erased eraseAllVersions(String key) {
        int versions = 0;
        long bytes = 0;
        for (Piece p : inventory(key).pieces()) {
            if (p.key().equals(key) && p.kind() != Piece.Kind.UPLOAD) {
                erase(p);
                versions++;
                bytes += p.size();
            }
        }
        return new Erased(versions, bytes);
    }

    /**
     * One thing the store keeps under a key: the object itself (a store without versions), one version of it or a delete
     * marker (a store with versions), or an upload begun and never finished ({@code version} is then its upload id).
     */
    record Piece(String key, String version, long size, Kind kind) {
        public enum Kind { OBJECT, VERSION, DELETE_MARKER, UPLOAD }
    }

    /**
     * Everything the store keeps whose key starts with a prefix, and what the listing knows of its own completeness
     * ({@code notes}: "the bucket has never had versioning, so a deletion is for good").
     */
    record Inventory(java.util.List<Piece> pieces, java.util.List<String> notes) {
        public Inventory {
            pieces = java.util.List.copyOf(pieces);
            notes = java.util.List.copyOf(notes);
        }
    }

    /**
     * Every piece under {@code prefix}: every version and delete marker where the store keeps versions, every unfinished
     * upload. Throws {@link StorageException} (saying which permission is missing) when any part of it cannot be listed, so
     * that nothing is deleted on the strength of a listing that may have missed something.
     */
    Inventory inventory(String prefix);

    /** Removes one piece for good (a version by its id, an upload by aborting it). Throws {@link StorageException}. */
    void erase(Piece piece);

    /** Keys of the objects under {@code prefix}, in key order. */
    java.util.List<String> list(String prefix);

    /** Moves an object to another key, metadata and all (a copy, then a delete). */
    void move(String from, String to);

    /** The URL of the object as it stands in the database's {@code s3_url}. */
    String url(String key);

    /** Prefix under which this store keeps its keys: "" or ending in "/". */
    String prefix();

    /** True when the store answers (bucket exists and is reachable; directory is writable). */
    boolean reachable();

    @Override
    void close();
}
