package dev.callvault.analysis;

import dev.callvault.Ownership;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Where ONNX Runtime's native libraries are loaded from. Left to itself, ONNX Runtime copies them (22 MB) out of its
 * jar into {@code java.io.tmpdir} at every start and loads them from there, which fails where /tmp is mounted
 * noexec (a common hardening; systemd's PrivateTmp keeps the host's flags) and stops callvaultd. Instead they are
 * copied once into the state directory ({@code onnxruntime/<platform>-<crc>/}, named by the jar entries' CRC so an
 * upgrade gets its own copy and older copies are removed) and ONNX Runtime is pointed there
 * ({@code onnxruntime.native.path}). An operator's own {@code -Donnxruntime.native.path} wins; where the state
 * directory cannot be written, ONNX Runtime's own way is left as it is.
 */
public final class OnnxRuntimeLibraries {
    static final String PROPERTY = "onnxruntime.native.path";
    private static final String[] LIBRARIES = {"libonnxruntime.so", "libonnxruntime4j_jni.so"};

    private OnnxRuntimeLibraries() {
    }

    /**
     * Points ONNX Runtime at its libraries under {@code stateDir}, copying them there first if they are not yet;
     * before ONNX Runtime is first used. Returns the directory, or null when ONNX Runtime is left to itself (the
     * property already set, a platform the jar has no libraries for, or a state directory that cannot be written).
     */
    public static synchronized Path prepare(Path stateDir) {
        if (System.getProperty(PROPERTY) != null || stateDir == null) {
            return null;
        }
        String platform = platform();
        Path dir;
        try {
            URL[] entries = new URL[LIBRARIES.length];
            StringBuilder name = new StringBuilder(platform);
            for (int i = 0; i < LIBRARIES.length; i++) {
                entries[i] = OnnxRuntimeLibraries.class.getResource("/ai/onnxruntime/native/" + platform + "/" + LIBRARIES[i]);
                if (entries[i] == null) {
                    return null;
                }
                name.append('-').append(crc(entries[i]));
            }
            Path root = stateDir.resolve("onnxruntime");
            dir = root.resolve(name.toString());
            if (!Files.isDirectory(dir)) {
                unpack(entries, root, dir);
            }
            removeOthers(root, dir);
        } catch (IOException e) {
            return null;
        }
        for (String library : LIBRARIES) {
            if (!Files.isReadable(dir.resolve(library))) {
                return null; // another user's copy (a CLI run by hand against the daemon's state directory)
            }
        }
        System.setProperty(PROPERTY, dir.toString());
        return dir;
    }

    /** The libraries are written into a directory of their own and moved into place whole: a reader never sees half. */
    private static void unpack(URL[] entries, Path root, Path dir) throws IOException {
        Ownership.createDirectories(root);
        Path partial = Files.createTempDirectory(root, ".unpacking-");
        try {
            // a command run by root in the daemon's state directory leaves the daemon's copy, not one it cannot open
            Ownership.like(partial, root);
            for (int i = 0; i < entries.length; i++) {
                try (InputStream in = entries[i].openStream()) {
                    Files.copy(in, partial.resolve(LIBRARIES[i]));
                }
                Ownership.like(partial.resolve(LIBRARIES[i]), root);
            }
            try {
                Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException | AtomicMoveNotSupportedException e) {
                if (!Files.isDirectory(dir)) {
                    throw e;
                }
                // another process unpacked the same libraries first
            }
        } finally {
            delete(partial);
        }
    }

    /** Copies of other versions (an upgrade's leftovers) and unpacking a crash interrupted, once an hour old. */
    private static void removeOthers(Path root, Path keep) {
        try (Stream<Path> all = Files.list(root)) {
            for (Path other : all.filter(p -> !p.equals(keep)).toList()) {
                if (Files.getLastModifiedTime(other).toMillis() > System.currentTimeMillis() - 3_600_000) {
                    continue; // perhaps another process unpacking it, or about to load it, right now
                }
                delete(other);
            }
        } catch (IOException e) {
            // another user's, or in use: the next start tries again, and nothing depends on it
        }
    }

    private static void delete(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The jar entry's CRC-32 (its content's fingerprint, without reading 22 MB); its size where it is no jar entry. */
    private static String crc(URL entry) throws IOException {
        if (entry.openConnection() instanceof JarURLConnection jar) {
            return Long.toHexString(jar.getJarEntry().getCrc());
        }
        return Long.toHexString(entry.openConnection().getContentLengthLong());
    }

    /** ONNX Runtime's name for this platform, as its loader computes it. */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String o = os.contains("linux") ? "linux" : os.contains("mac") ? "osx" : os.contains("win") ? "win" : os;
        String a = switch (arch) {
            case "amd64", "x86_64" -> "x64";
            case "aarch64", "arm64" -> "aarch64";
            default -> arch;
        };
        return o + "-" + a;
    }
}
