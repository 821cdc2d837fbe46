package dev.callvault.users;

import at.favre.lib.crypto.bcrypt.BCrypt;
import dev.callvault.Ownership;
import dev.callvault.config.ConfigException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The console's local users, one {@code name:bcrypt-hash} line each, as Apache's {@code htpasswd -B} writes them, so
 * either tool can manage the file. Rewritten atomically (a reader never sees half a file) and kept 0640.
 */
public final class UsersFile {
    /** bcrypt's cost: about 0.1-0.2 s per check on a server core, slow enough to make guessing expensive. */
    static final int COST = 12;
    private static final String NAME = "[A-Za-z0-9][A-Za-z0-9._@-]{0,63}";
    public static final int MIN_PASSWORD = 12;
    /** A hash checked when the user does not exist, so a wrong name takes as long as a wrong password. */
    private static final String DUMMY = new String(BCrypt.with(BCrypt.Version.VERSION_2Y).hash(COST, new byte[16], "x".getBytes(StandardCharsets.UTF_8)),
            StandardCharsets.UTF_8);

    private final Path file;

    public UsersFile(Path file) {
        this.file = file;
    }

    public Path path() {
        return file;
    }

    /** The user names, in file order. */
    public List<String> names() {
        return new ArrayList<>(read().keySet());
    }

    /**
     * Each user's credential fingerprint: the SHA-256 of their bcrypt hash (which changes with every new password,
     * its salt being new), never the hash itself.
     */
    public Map<String, String> fingerprints() {
        Map<String, String> out = new LinkedHashMap<>();
        read().forEach((name, hash) -> out.put(name, dev.callvault.storage.Hex.of(dev.callvault.storage.Hex.sha256()
                .digest(hash.getBytes(StandardCharsets.US_ASCII)))));
        return out;
    }

    /** Adds a user, or with {@code replace} sets a new password for one that exists. */
    public void put(String name, char[] password, boolean replace) {
        if (!name.matches(NAME)) {
            throw new IllegalArgumentException("user name '" + name + "': letters, digits, '.', '_', '@' and '-', at most 64, not starting with a sign");
        }
        if (password.length < MIN_PASSWORD) {
            throw new IllegalArgumentException("a password needs at least " + MIN_PASSWORD + " characters");
        }
        Map<String, String> users = read();
        if (users.containsKey(name) && !replace) {
            throw new IllegalArgumentException("user '" + name + "' exists already; --replace sets a new password");
        }
        users.put(name, new String(BCrypt.with(BCrypt.Version.VERSION_2Y).hashToChar(COST, password)));
        write(users);
    }

    /** Removes a user; false when there was none of that name. */
    public boolean remove(String name) {
        Map<String, String> users = read();
        if (users.remove(name) == null) {
            return false;
        }
        write(users);
        return true;
    }

    /** True when this user exists and this is the password; takes as long when the user does not exist. */
    public boolean verify(String name, char[] password) {
        String hash = Optional.ofNullable(read().get(name)).orElse(null);
        boolean ok = BCrypt.verifyer().verify(password, (hash == null ? DUMMY : hash).toCharArray()).verified;
        return hash != null && ok;
    }

    private Map<String, String> read() {
        Map<String, String> users = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return users;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the users file " + file + ": " + e.getMessage(), e);
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || !line.substring(colon + 1).matches("\\$2[abxy]\\$\\d\\d\\$.{53}")) {
                throw new ConfigException(file + " line " + (i + 1) + ": expected name:bcrypt-hash (htpasswd -B), as 'callvault user add' writes");
            }
            users.put(line.substring(0, colon), line.substring(colon + 1));
        }
        return users;
    }

    private void write(Map<String, String> users) {
        StringBuilder text = new StringBuilder("# callvault console users (htpasswd -B format); manage with 'callvault user'\n");
        users.forEach((n, h) -> text.append(n).append(':').append(h).append('\n'));
        try {
            Path dir = file.toAbsolutePath().getParent();
            Ownership.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".users", ".tmp");
            try {
                // the file that is replaced keeps its owner, group and mode (postinst made it root:callvault 0640 for the
                // daemon to read; root's 'user add' must not make it root:root); a new one is 0640 with its folder's owner
                if (Files.exists(file)) {
                    Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(file));
                    Ownership.like(tmp, file);
                } else {
                    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r-----"));
                    Ownership.like(tmp, dir);
                }
                Files.writeString(tmp, text, StandardCharsets.UTF_8);
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the users file " + file + ": " + e.getMessage(), e);
        }
    }
}
