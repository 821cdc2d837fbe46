package dev.callvault.testing;

import java.nio.file.Path;

/**
 * Makes files immutable ({@code chattr +i}) and mutable again: how a test makes a directory unwritable when it runs as
 * root, whom file modes do not stop. Writes fail even through descriptors already open, as on a failing disk.
 */
public final class Immutable {
    private Immutable() {
    }

    /** {@code chattr -R flag path}; {@code flag} is "+i" or "-i". */
    public static void chattr(String flag, Path path) throws Exception {
        Process p = new ProcessBuilder("chattr", "-R", flag, path.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException("chattr " + flag + " " + path + " failed (needs e2fsprogs and a filesystem with attributes): " + out);
        }
    }
}
