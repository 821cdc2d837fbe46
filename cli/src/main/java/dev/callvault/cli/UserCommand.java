package dev.callvault.cli;

import dev.callvault.users.UsersFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code callvault user}: the console's local users, in the users file ({@code http.users-file}). */
@Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "user",
        description = "Manage the people who may sign in to the console: a users file of name:bcrypt-hash lines (htpasswd -B format), at http.users-file.",
        subcommands = {UserCommand.Add.class, UserCommand.Remove.class, UserCommand.List.class})
public final class UserCommand {

    static UsersFile file(ConfigMixin config) {
        return new UsersFile(config.load().http().usersFile());
    }

    @Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "add",
            description = {"Add a user, asking for the password twice on the terminal, or reading it from standard input with --password-stdin. "
                    + "A password is never an argument: arguments show in the process list and shell history. At least 12 characters."},
            footer = {"", "Examples:", "  callvault user add alice", "  printf '%s\\n' \"$PASSWORD\" | callvault user add alice --password-stdin",
                    "  callvault user add alice --replace           set a new password"})
    static final class Add implements Callable<Integer> {
        @Mixin
        ConfigMixin config;

        @Mixin
        OutputMixin output;

        @Parameters(paramLabel = "NAME", description = "Letters, digits, '.', '_', '@', '-'; at most 64.")
        String name;

        @Option(names = "--password-stdin", description = "Read the password from the first line of standard input.")
        boolean stdin;

        @Option(names = "--replace", description = "Set a new password for a user that exists.")
        boolean replace;

        @Override
        public Integer call() throws IOException {
            char[] password = stdin ? readLine() : ask();
            UsersFile users = file(config);
            try {
                users.put(name, password, replace);
            } catch (IllegalArgumentException e) {
                throw new UsageError(e.getMessage());
            } finally {
                Arrays.fill(password, '\0');
            }
            Output out = output.output();
            out.json(Map.of("user", name, "action", replace ? "replaced" : "added", "file", users.path().toString()));
            out.text("user " + name + (replace ? " has a new password" : " added") + " in " + users.path());
            return ExitCode.OK.code;
        }

        private static char[] readLine() throws IOException {
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (line == null) {
                throw new UsageError("--password-stdin: standard input was empty");
            }
            return line.toCharArray();
        }

        private static char[] ask() {
            Console console = System.console();
            if (console == null) {
                throw new UsageError("no terminal to ask for the password on: give it on standard input with --password-stdin");
            }
            char[] first = console.readPassword("password: ");
            char[] again = console.readPassword("again: ");
            if (first == null || again == null || !Arrays.equals(first, again)) {
                throw new UsageError("the two passwords differ");
            }
            Arrays.fill(again, '\0');
            return first;
        }
    }

    @Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "remove",
            description = "Remove a user: they can no longer sign in (sessions already open end at their next request).",
            footer = {"", "Examples:", "  callvault user remove alice"})
    static final class Remove implements Callable<Integer> {
        @Mixin
        ConfigMixin config;

        @Mixin
        OutputMixin output;

        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            UsersFile users = file(config);
            if (!users.remove(name)) {
                throw new UsageError("no user '" + name + "' in " + users.path());
            }
            Output out = output.output();
            out.json(Map.of("user", name, "action", "removed"));
            out.text("user " + name + " removed from " + users.path());
            return ExitCode.OK.code;
        }
    }

    @Command(mixinStandardHelpOptions = true, versionProvider = Callvault.VersionProvider.class, name = "list",
            description = "List the users, one name a line (never their hashes).",
            footer = {"", "Examples:", "  callvault user list", "  callvault user list --json"})
    static final class List implements Callable<Integer> {
        @Mixin
        ConfigMixin config;

        @Mixin
        OutputMixin output;

        @Override
        public Integer call() {
            Output out = output.output();
            for (String n : file(config).names()) {
                out.json(Map.of("user", n));
                out.text(n);
            }
            return ExitCode.OK.code;
        }
    }
}
