package dev.callvault.cli;

import dev.callvault.testing.Environment;
import dev.callvault.users.UsersFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code callvault user}: the console's users file, written as htpasswd -B would, passwords never in arguments or output. */
class UserCommandTest {
    @RegisterExtension
    static final Environment env = new Environment();

    @TempDir
    Path dir;

    private final Cli cli = new Cli(env);

    private List<String> users() {
        return List.of("--set=http.users-file=" + dir.resolve("users"));
    }

    private Cli.Result user(String stdin, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("user"));
        command.add(args[0]);
        command.addAll(users());
        return cli.runWithInput(stdin, command, java.util.Arrays.copyOfRange(args, 1, args.length));
    }

    @Test
    void addsListsReplacesAndRemovesUsersInAnHtpasswdFile() throws Exception {
        UsersFile file = new UsersFile(dir.resolve("users"));

        Cli.Result added = user("correct horse battery\n", "add", "alice", "--password-stdin");
        Cli.Result again = user("another long password\n", "add", "alice", "--password-stdin");
        Cli.Result bob = user("bob's long password\n", "add", "bob@example.com", "--password-stdin");
        Cli.Result listed = user("", "list");

        assertThat(added.exit()).as(added.err()).isZero();
        assertThat(again.exit()).isEqualTo(64);
        assertThat(again.err()).contains("exists already").contains("--replace");
        assertThat(bob.exit()).isZero();
        assertThat(listed.out().lines().toList()).containsExactly("alice", "bob@example.com");
        assertThat(Files.readAllLines(dir.resolve("users"))).anyMatch(l -> l.matches("alice:\\$2y\\$12\\$.{53}"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("users")))).isEqualTo("rw-r-----");
        assertThat(file.verify("alice", "correct horse battery".toCharArray())).isTrue();
        assertThat(file.verify("alice", "correct horse batterY".toCharArray())).isFalse();
        assertThat(file.verify("nobody", "correct horse battery".toCharArray())).isFalse();
        assertThat(added.out() + added.err() + listed.out()).doesNotContain("correct horse").doesNotContain("$2y$");

        Cli.Result replaced = user("a brand new password\n", "add", "alice", "--password-stdin", "--replace");
        Cli.Result removed = user("", "remove", "bob@example.com");
        Cli.Result removedAgain = user("", "remove", "bob@example.com");

        assertThat(replaced.exit()).isZero();
        assertThat(file.verify("alice", "a brand new password".toCharArray())).isTrue();
        assertThat(file.verify("alice", "correct horse battery".toCharArray())).isFalse();
        assertThat(removed.exit()).isZero();
        assertThat(file.names()).containsExactly("alice");
        assertThat(removedAgain.exit()).isEqualTo(64);
        assertThat(removedAgain.err()).contains("no user 'bob@example.com'");
    }

    @Test
    void replacingTheUsersFileKeepsItsOwnerGroupAndMode() throws Exception {
        // the package's /etc/callvault/users is root:callvault 0640 for the daemon to read; `sudo callvault user add`
        // once made it root:root 0640 and locked everyone out of the console
        Path users = dir.resolve("users");
        assertThat(user("correct horse battery\n", "add", "alice", "--password-stdin").exit()).isZero();
        Files.setPosixFilePermissions(users, PosixFilePermissions.fromString("rw-rw----"));
        var view = Files.getFileAttributeView(users, java.nio.file.attribute.PosixFileAttributeView.class);
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) { // as the daemon's user and group would own it; only root can give a file away
            var lookup = users.getFileSystem().getUserPrincipalLookupService();
            view.setOwner(lookup.lookupPrincipalByName("nobody"));
            view.setGroup(lookup.lookupPrincipalByGroupName("nogroup"));
        }
        var before = view.readAttributes();

        Cli.Result bob = user("bob's long password\n", "add", "bob", "--password-stdin");

        assertThat(bob.exit()).as(bob.err()).isZero();
        var after = Files.readAttributes(users, java.nio.file.attribute.PosixFileAttributes.class);
        assertThat(PosixFilePermissions.toString(after.permissions())).isEqualTo("rw-rw----");
        assertThat(after.owner()).isEqualTo(before.owner());
        assertThat(after.group()).isEqualTo(before.group());
        assertThat(new UsersFile(users).names()).containsExactly("alice", "bob");
    }

    @Test
    void refusesShortPasswordsBadNamesAndAMissingTerminal() {
        Cli.Result tooShort = user("short\n", "add", "carol", "--password-stdin");
        Cli.Result badName = user("a long enough password\n", "add", "-carol", "--password-stdin");
        Cli.Result noTerminal = user("", "add", "carol");
        Cli.Result empty = user("", "add", "carol", "--password-stdin");

        assertThat(List.of(tooShort.exit(), noTerminal.exit(), empty.exit())).containsOnly(64);
        assertThat(tooShort.err()).contains("at least 12 characters");
        assertThat(badName.exit()).isEqualTo(64);
        assertThat(noTerminal.err()).contains("--password-stdin");
        assertThat(empty.err()).contains("standard input was empty");
        assertThat(Files.exists(dir.resolve("users"))).isFalse();
    }

    @Test
    void aMalformedUsersFileIsABadConfiguration() throws Exception {
        Files.writeString(dir.resolve("users"), "alice:plaintext\n");

        Cli.Result r = user("", "list");

        assertThat(r.exit()).isEqualTo(78);
        assertThat(r.err()).contains("line 1").contains("htpasswd -B");
    }
}
