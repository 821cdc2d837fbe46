package dev.callvault.storage;

import dev.callvault.Ownership;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.io.Writer;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;

/**
 * Recordings in a local directory, for a machine without S3. An object is a file; its metadata a
 * {@code .meta} file beside it. A put writes a temporary file and renames it into place, so readers never see
 * a partial recording.
 */
public final class DirectoryRecordingStore implements RecordingStore {
    private static final String META = ".meta";
    private final Path root;

    public DirectoryRecordingStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    private Path file(String key) {
        Path p = root.resolve(key).normalize();
        if (!p.startsWith(root) || key.endsWith(META) || key.contains("\\")) {
            throw new IllegalArgumentException("invalid object key '" + key + "'");
        }
        return p;
    }

    @Override
    public StoredObject put(String key, InputStream content, String contentType, Map<String, String> metadata) {
        return write(key, content, contentType, metadata, true);
    }

    /** Not synced to the disk: a waveform cut short by a crash is made again by its reader. */
    @Override
    public StoredObject putDerived(String key, byte[] content, String contentType, Map<String, String> metadata) {
        return write(key, new ByteArrayInputStream(content), contentType, metadata, false);
    }

    private StoredObject write(String key, InputStream content, String contentType, Map<String, String> metadata, boolean durable) {
        Path target = file(key);
        Path tmp = null;
        try {
            Ownership.createDirectories(target.getParent());
            tmp = Files.createTempFile(target.getParent(), ".upload-", ".tmp");
            MessageDigest sha = Hex.sha256();
            long size;
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE);
                 OutputStream out = new DigestOutputStream(Channels.newOutputStream(ch), sha)) {
                size = content.transferTo(out);
                out.flush();
                if (durable) {
                    ch.force(true);
                }
            }
            return place(key, tmp, size, sha, contentType, metadata);
        } catch (IOException e) {
            throw StorageException.unavailable("writing", key, e);
        } finally {
            deleteLeftover(tmp);
        }
    }

    /**
     * A finished file on this store's file system is linked into place, not copied: its bytes are read once for the
     * hash and made durable where they are (syncing a file already synced costs next to nothing). On another file
     * system, or one without links, it is copied as {@link #put} copies.
     */
    @Override
    public StoredObject putFile(String key, Path file, String contentType, Map<String, String> metadata) {
        Path target = file(key);
        Path link = target.resolveSibling(".link-" + UUID.randomUUID() + ".tmp");
        try {
            // its data synced before it is linked, and only its data (fdatasync): the writer synced it already, so this
            // costs nothing, where a sync of its metadata (times, then the new link count) would be a journal commit
            MessageDigest sha = Hex.sha256();
            long size;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                size = Channels.newInputStream(ch).transferTo(new DigestOutputStream(OutputStream.nullOutputStream(), sha));
                ch.force(false);
            }
            Ownership.createDirectories(target.getParent());
            try {
                Files.createLink(link, file);
            } catch (IOException | UnsupportedOperationException e) {
                return RecordingStore.super.putFile(key, file, contentType, metadata);
            }
            if (Files.getFileStore(link).supportsFileAttributeView(java.nio.file.attribute.PosixFileAttributeView.class)) {
                // as private as a put's temporary file (the file and its link are one)
                Files.setPosixFilePermissions(link, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            }
            return place(key, link, size, sha, contentType, metadata);
        } catch (IOException e) {
            throw StorageException.unavailable("storing " + file + " as", key, e);
        } finally {
            deleteLeftover(link);
        }
    }

    /** Writes the metadata, then renames the finished {@code tmp} into place: readers never see a partial object. */
    private StoredObject place(String key, Path tmp, long size, MessageDigest sha, String contentType, Map<String, String> metadata)
            throws IOException {
        Path target = file(key);
        Map<String, String> meta = new HashMap<>(metadata);
        meta.put(SHA256, Hex.of(sha.digest()));
        meta.put("content-type", contentType);
        writeMeta(target, meta);
        Ownership.like(tmp, root);
        move(tmp, target);
        return new StoredObject(key, size, meta.get(SHA256), meta, Files.getLastModifiedTime(target).toInstant(), null, contentType);
    }

    private static void deleteLeftover(Path tmp) {
        if (tmp != null) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort: a leftover .tmp file is never mistaken for a recording
            }
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private void writeMeta(Path target, Map<String, String> meta) throws IOException {
        Properties p = new Properties();
        p.putAll(meta);
        Path tmp = target.resolveSibling(target.getFileName() + META + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(w, null);
        }
        Ownership.like(tmp, root);
        move(tmp, target.resolveSibling(target.getFileName() + META));
    }

    @Override
    public Optional<StoredObject> head(String key) {
        Path f = file(key);
        try {
            long size = Files.size(f);
            Properties p = new Properties();
            Path meta = f.resolveSibling(f.getFileName() + META);
            if (Files.exists(meta)) {
                try (Reader r = Files.newBufferedReader(meta, StandardCharsets.UTF_8)) {
                    p.load(r);
                }
            }
            Map<String, String> m = new HashMap<>();
            p.stringPropertyNames().forEach(n -> m.put(n, p.getProperty(n)));
            var modified = Files.getLastModifiedTime(f).toInstant();
            return Optional.of(new StoredObject(key, size, m.get(SHA256), m, modified,
                    "\"" + Long.toHexString(size) + "-" + Long.toHexString(modified.toEpochMilli()) + "\"", m.get("content-type")));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw StorageException.unavailable("reading", key, e);
        }
    }

    @Override
    public InputStream get(String key, long offset, long length) {
        try {
            FileChannel ch = FileChannel.open(file(key), StandardOpenOption.READ);
            ch.position(offset);
            InputStream in = Channels.newInputStream(ch);
            return length < 0 ? in : new BoundedInputStream(in, length);
        } catch (IOException e) {
            throw StorageException.unavailable("reading", key, e);
        }
    }

    /**
     * The file as opened, when it is still the one {@code object} describes (its size and time of change, the ETag a
     * directory gives): a file replaced by a put is another inode, and an open channel keeps reading the one it opened.
     */
    @Override
    public InputStream getExactly(StoredObject object, long offset, long length) {
        InputStream in = get(object.key(), offset, length);
        String now = head(object.key()).map(StoredObject::etag).orElse(null);
        if (!java.util.Objects.equals(now, object.etag())) {
            try {
                in.close();
            } catch (IOException ignored) {
                // it was only opened
            }
            throw new ObjectChangedException(object.key(), object.etag(), null);
        }
        return in;
    }

    @Override
    public Optional<URI> presignedGet(String key, Duration ttl, String downloadName) {
        return Optional.empty();
    }

    @Override
    public void delete(String key) {
        Path f = file(key);
        try {
            Files.deleteIfExists(f.resolveSibling(f.getFileName() + META));
            Files.deleteIfExists(f);
        } catch (IOException e) {
            throw StorageException.unavailable("deleting", key, e);
        }
    }

    /** A directory keeps one version of a file, and no unfinished uploads (a put writes a temporary file and renames it). */
    @Override
    public Inventory inventory(String prefix) {
        List<Piece> pieces = new ArrayList<>();
        for (String key : list(prefix)) {
            try {
                pieces.add(new Piece(key, null, Files.size(file(key)), Piece.Kind.OBJECT));
            } catch (java.nio.file.NoSuchFileException gone) {
                // deleted since it was listed
            } catch (IOException e) {
                throw StorageException.unavailable("listing", prefix, e);
            }
        }
        return new Inventory(pieces, List.of("a directory keeps one copy of a file: deleting it removes it for good"));
    }

    /** Erasing a file is deleting it and its metadata. */
    @Override
    public void erase(Piece piece) {
        delete(piece.key());
    }

    @Override
    public List<String> list(String prefix) {
        // walk only the directory the prefix names (or the one it ends in): a call's folder, not every recording kept
        int slash = prefix.lastIndexOf('/');
        Path from = slash < 0 ? root : root.resolve(prefix.substring(0, slash));
        if (!Files.isDirectory(from)) {
            return List.of();
        }
        try (var files = Files.walk(from)) {
            return files.filter(Files::isRegularFile)
                    .map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .filter(k -> k.startsWith(prefix) && !k.endsWith(META) && !k.endsWith(".tmp"))
                    .sorted().toList();
        } catch (java.nio.file.NoSuchFileException gone) {
            return List.of();
        } catch (IOException e) {
            throw StorageException.unavailable("listing", prefix, e);
        }
    }

    @Override
    public void move(String from, String to) {
        Path source = file(from);
        Path target = file(to);
        try {
            Ownership.createDirectories(target.getParent());
            Path meta = source.resolveSibling(source.getFileName() + META);
            if (Files.exists(meta)) {
                move(meta, target.resolveSibling(target.getFileName() + META));
            }
            move(source, target);
        } catch (IOException e) {
            throw StorageException.unavailable("moving", from, e);
        }
    }

    @Override
    public String url(String key) {
        return file(key).toUri().toString();
    }

    @Override
    public String prefix() {
        return "";
    }

    @Override
    public boolean reachable() {
        try {
            Ownership.createDirectories(root);
            return Files.isWritable(root);
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
    }

    /** Stops after {@code remaining} bytes: a ranged read. */
    private static final class BoundedInputStream extends java.io.FilterInputStream {
        private long remaining;

        BoundedInputStream(InputStream in, long remaining) {
            super(in);
            this.remaining = remaining;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = super.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = super.read(b, off, (int) Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }
    }
}
