package dev.callvault;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;

/**
 * Files a command run as root makes among the daemon's: given the owner and group of what they sit in, so the daemon
 * (user callvault) goes on reading and writing beside them. {@code sudo callvault backfill} on an installed system
 * writes into the same store as the daemon; a day's folder it made as root:root would refuse every later recording of
 * that day to the daemon. A process that is not root makes its files as itself, as it always did: nothing changes.
 */
public final class Ownership {
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    private Ownership() {
    }

    /** As {@link Files#createDirectories}; each folder it makes takes the owner and group of the nearest one that was there. */
    public static void createDirectories(Path dir) throws IOException {
        if (!ROOT || Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            return;
        }
        Path existing = dir.toAbsolutePath();
        while (existing.getParent() != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        Files.createDirectories(dir);
        for (Path made = dir.toAbsolutePath(); made != null && !made.equals(existing); made = made.getParent()) {
            like(made, existing);
        }
    }

    /** Gives {@code made} the owner and group of {@code model} when this process runs as root and they differ. */
    public static void like(Path made, Path model) throws IOException {
        if (!ROOT) {
            return;
        }
        PosixFileAttributeView view = Files.getFileAttributeView(made, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (view == null) {
            return; // not a POSIX file system: nothing to keep
        }
        PosixFileAttributes want = Files.readAttributes(model, PosixFileAttributes.class);
        PosixFileAttributes have = view.readAttributes();
        if (!have.owner().equals(want.owner())) {
            view.setOwner(want.owner());
        }
        if (!have.group().equals(want.group())) {
            view.setGroup(want.group());
        }
    }
}
