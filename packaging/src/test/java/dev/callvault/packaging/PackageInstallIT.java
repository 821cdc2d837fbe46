package dev.callvault.packaging;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The package installed on this machine with dpkg, as an operator would: the commands work, the man pages are found,
 * postinst makes the daemon's database on this machine's PostgreSQL, the daemon runs as user callvault against it and
 * answers /readyz, and a purge leaves no file behind.
 * Needs root (CI runs as root); elsewhere it says why it did not run.
 */
class PackageInstallIT {
    private static final List<String> PACKAGE_PATHS = List.of("/usr/share/callvault", "/usr/bin/callvault", "/usr/bin/callvaultd", "/etc/callvault",
            "/var/lib/callvault", "/var/cache/callvault", "/lib/systemd/system/callvaultd.service", "/lib/systemd/system/callvault-reconcile.timer",
            "/lib/systemd/system/callvault-retention.timer",
            "/usr/share/man/man1/callvault.1.gz", "/usr/share/man/man1/callvault-backfill.1.gz", "/usr/share/doc/callvault",
            "/usr/share/bash-completion/completions/callvault", "/usr/lib/sysusers.d/callvault.conf", "/usr/lib/tmpfiles.d/callvault.conf",
            "/etc/systemd/system/multi-user.target.wants/callvaultd.service", "/etc/systemd/system/timers.target.wants/callvault-reconcile.timer",
            "/etc/systemd/system/timers.target.wants/callvault-retention.timer");

    @Test
    void installsRunsAsItsOwnUserAndPurgesWithoutATrace() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && Deb.onPath("dpkg"), "installing a package needs root and dpkg");
        assumeTrue(Deb.run(60, "runuser", "-u", "postgres", "--", "psql", "-Atqc", "SELECT 1").exit() == 0,
                "the package finds this machine's PostgreSQL through its postgres user; none answers here");
        Deb.run(300, "dpkg", "--purge", "callvault"); // a previous run's leftovers, if any
        Deb.dropDatabase();
        Deb.Run install = Deb.run(300, "dpkg", "-i", Deb.file().toAbsolutePath().toString());
        assertThat(install.exit()).as(install.out()).isZero();
        // a fresh install finds the local server: postinst made a role and a database there and named them for the units
        assertThat(install.out()).contains("made the role and database callvault on this machine's PostgreSQL");
        assertThat(Deb.run(30, "stat", "-c", "%U:%G %a", "/etc/callvault/callvault.env").out().strip()).isEqualTo("root:callvault 640");
        try {
            Deb.Run version = Deb.run(60, "callvault", "--version");
            assertThat(version.exit()).as(version.out()).isZero();
            assertThat(version.out()).contains("callvault");
            // that first run left the launcher's class-data-sharing archive; the next start loads our classes and
            // picocli's from it (picocli's published jar is Java 5 bytecode, which no archive holds)
            Deb.Run shared = Deb.run(60, "env", "JAVA_OPTS=-Xlog:class+load=info", "callvault", "--version");
            assertThat(shared.out()).as(shared.out())
                    .contains("dev.callvault.cli.Callvault source: shared objects file")
                    .contains("picocli.CommandLine source: shared objects file");
            // postinst made the archive under its umask 027: still readable by the other users who run callvault (the
            // daemon's own user here), and one archive of a kind: a new jar's replaces the old one's
            Deb.Run asCallvault = Deb.run(60, "runuser", "-u", "callvault", "--", "env", "JAVA_OPTS=-Xlog:class+load=info", "callvault", "--version");
            assertThat(asCallvault.out()).as(asCallvault.out()).contains("dev.callvault.cli.Callvault source: shared objects file");
            assertThat(Deb.run(30, "touch", "/usr/share/callvault/callvault.jar").exit()).isZero(); // as an upgrade's new jar
            assertThat(Deb.run(60, "callvault", "--version").exit()).isZero();
            Deb.Run archives = Deb.run(30, "sh", "-c", "stat -c '%a %n' /var/cache/callvault/*-quick.jsa");
            assertThat(Deb.lines(archives.out())).as(archives.out()).hasSize(1).allMatch(l -> l.startsWith("644 "));
            // the launcher picks a collector per command; one named in JAVA_OPTS replaces it (the JVM refuses two)
            Deb.Run ownCollector = Deb.run(60, "env", "JAVA_OPTS=-XX:+UseG1GC", "callvault", "backfill", "--help");
            assertThat(ownCollector.exit()).as(ownCollector.out()).isZero();
            assertThat(ownCollector.out()).contains("Usage: callvault backfill");
            assertThat(Deb.run(30, "man", "-w", "callvault-backfill").out().strip()).isEqualTo("/usr/share/man/man1/callvault-backfill.1.gz");
            // NAME is one line: whatis (and apropos) print the command and its summary, nothing of the long text
            Deb.Run whatis = Deb.run(60, "whatis", "callvault-backfill");
            assertThat(Deb.lines(whatis.out())).as(whatis.out()).hasSize(1);
            assertThat(whatis.out()).startsWith("callvault-backfill (1)").contains("Archive Twilio's recordings of a time window")
                    .doesNotContain("Exits 0");
            try (var pages = Files.list(Path.of("/usr/share/man/man1"))) {
                List<String> names = pages.map(f -> f.getFileName().toString()).filter(f -> f.startsWith("callvault"))
                        .map(f -> f.replaceFirst("\\.1\\.gz$", "")).toList();
                assertThat(names).hasSizeGreaterThan(20);
                for (String name : names) {
                    Deb.Run one = Deb.run(60, "whatis", name);
                    assertThat(Deb.lines(one.out())).as("whatis " + name + ": " + one.out()).hasSize(1);
                }
            }
            assertThat(Deb.run(30, "stat", "-c", "%U:%G %a", "/etc/callvault/callvault.conf").out().strip()).isEqualTo("root:callvault 640");
            assertThat(Deb.run(30, "stat", "-c", "%U:%G %a %s", "/etc/callvault/users").out().strip()).isEqualTo("root:callvault 640 0");
            assertThat(Deb.run(30, "stat", "-c", "%U:%G %a", "/var/lib/callvault").out().strip()).isEqualTo("callvault:callvault 750");
            Deb.Run check = Deb.run(120, "runuser", "-u", "callvault", "--", "callvaultd", "--config", "/etc/callvault/callvault.conf", "--check-config");
            assertThat(check.exit()).as(check.out()).isZero();

            // root's callvault works in the daemon's world: its state directory (not /root/.local/state/callvault), its
            // store, whose folders and objects stay the daemon's; the probe object doctor writes goes there
            boolean rootStateBefore = Files.exists(Path.of("/root/.local/state/callvault"));
            Deb.Run doctor = Deb.run(300, "callvault", "doctor");
            assertThat(doctor.out()).as(doctor.out()).containsPattern("PASS.{0,12} storage: \\S*/var/lib/callvault/recordings\\S*: writable");
            assertThat(Deb.run(30, "stat", "-c", "%U:%G", "/var/lib/callvault/recordings").out().strip()).isEqualTo("callvault:callvault");
            assertThat(Deb.run(30, "find", "/var/lib/callvault", "-user", "root").out().strip()).as("made as root:root by root's doctor").isEmpty();
            if (!rootStateBefore) {
                assertThat(Path.of("/root/.local/state/callvault")).doesNotExist();
            }

            // an earlier version's embedded database in the state directory: the package refuses to go over it (its calls
            // would be out of sight), changes nothing, and says how to move the data
            Files.createDirectories(Path.of("/var/lib/callvault/postgres"));
            Files.writeString(Path.of("/var/lib/callvault/postgres/PG_VERSION"), "14\n");
            Deb.Run refused = Deb.run(300, "dpkg", "-i", Deb.file().toAbsolutePath().toString());
            assertThat(refused.exit()).as(refused.out()).isNotZero();
            assertThat(refused.out()).contains("/var/lib/callvault/postgres holds the database of an earlier callvault (its embedded PostgreSQL 14)")
                    .contains("Nothing was changed").contains("pg_dump").contains("pg_restore --no-owner --role=callvault -d callvault");
            assertThat(Deb.run(30, "dpkg-query", "-W", "-f", "${Status}", "callvault").out()).isEqualTo("install ok installed");
            Deb.Run earlierDoctor = Deb.run(300, "callvault", "doctor");
            assertThat(earlierDoctor.out()).as(earlierDoctor.out()).containsPattern("FAIL.{0,12} earlier database: /var/lib/callvault/postgres holds");
            Deb.run(30, "rm", "-r", "/var/lib/callvault/postgres");

            // an earlier version kept the console's users in its state directory ({state-dir}/users): configuring this
            // one moves them beside the config, to the file the daemon and the callvault command both read
            Deb.Run earlier = Deb.run(120, "sh", "-c",
                    "printf '%s\\n' 'an earlier password' | CALLVAULT_USERS_FILE=/var/lib/callvault/users callvault user add olivia --password-stdin");
            assertThat(earlier.exit()).as(earlier.out()).isZero();
            assertThat(Deb.run(30, "stat", "-c", "%U:%G %a", "/var/lib/callvault/users").out().strip()).isEqualTo("callvault:callvault 640");
            Deb.Run again = Deb.run(300, "dpkg", "-i", Deb.file().toAbsolutePath().toString());
            assertThat(again.exit()).as(again.out()).isZero();
            assertThat(again.out()).contains("the console's users moved from /var/lib/callvault/users to /etc/callvault/users");
            assertThat(Deb.run(30, "stat", "-c", "%U:%G %a", "/etc/callvault/users").out().strip()).isEqualTo("root:callvault 640");

            // the daemon as the unit runs it, no database named but the one postinst made (the launcher reads callvault.env)
            int port = Deb.freePort();
            int management = Deb.freePort();
            Process daemon = Deb.startDaemon(port, management, List.of(), Path.of("target", "installed-daemon.log"));
            try {
                HttpClient http = HttpClient.newHttpClient();
                String owner = Deb.run(30, "ps", "-o", "user=", "-p", Long.toString(Deb.javaChild(daemon))).out().strip();
                assertThat(owner).isEqualTo("callvault");

                // the installed daemon logs as its logback.xml says, not as the CLI does (whose jar shares lib/):
                // the start-up line with its time, a request in the access log, a reload SIGHUP asked for
                Path log = Path.of("target", "installed-daemon.log");
                awaitLine(log, "^\\d{4}-\\d\\d-\\d\\dT\\S+ INFO  \\[.+?\\] \\S+ - callvaultd listening on http://");
                HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ui/sign-in")).build(),
                        HttpResponse.BodyHandlers.ofString());
                awaitLine(log, "INFO  .* callvault.access - GET /ui/sign-in " + page.statusCode() + " ");
                Deb.Run hup = Deb.run(30, "kill", "-HUP", Long.toString(Deb.javaChild(daemon)));
                assertThat(hup.exit()).as(hup.out()).isZero();
                awaitLine(log, "INFO  .* - configuration reloaded ");

                // `sudo callvault user add` adds a user the running daemon signs in, and locks nobody out: the users file
                // keeps the owner and mode the daemon reads it with
                Deb.Run add = Deb.run(120, "sh", "-c", "printf '%s\\n' 'a password for alice' | callvault user add alice --password-stdin");
                assertThat(add.exit()).as(add.out()).isZero();
                assertThat(Deb.run(30, "stat", "-c", "%U:%G %a", "/etc/callvault/users").out().strip()).isEqualTo("root:callvault 640");
                assertThat(signIn(port, "alice", "a password for alice")).isEqualTo(303);
                assertThat(signIn(port, "olivia", "an earlier password")).isEqualTo(303);
                assertThat(signIn(port, "alice", "not alice's password")).isEqualTo(401);
            } finally {
                Deb.stop(daemon);
            }
        } finally {
            Deb.Run purge = Deb.run(300, "dpkg", "--purge", "callvault");
            Deb.dropDatabase(); // the package leaves the database to its owner; this test cleans up after itself
            assertThat(purge.exit()).as(purge.out()).isZero();
        }
        assertThat(PACKAGE_PATHS).as("left behind by dpkg --purge").noneMatch(p -> Files.exists(Path.of(p), java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    /** Signs in on the console's form as a browser does (its CSRF cookie and field, same origin): the answer's status. */
    private static int signIn(int port, String user, String password) throws Exception {
        HttpClient browser = HttpClient.newBuilder().cookieHandler(new java.net.CookieManager()).build();
        URI form = URI.create("http://127.0.0.1:" + port + "/ui/sign-in");
        String page = browser.send(HttpRequest.newBuilder(form).build(), HttpResponse.BodyHandlers.ofString()).body();
        java.util.regex.Matcher csrf = java.util.regex.Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(page);
        assertThat(csrf.find()).as(page).isTrue();
        String body = "user=" + enc(user) + "&password=" + enc(password) + "&csrf=" + enc(csrf.group(1)) + "&next=%2Fui";
        return browser.send(HttpRequest.newBuilder(form).header("Content-Type", "application/x-www-form-urlencoded")
                .header("Origin", "http://127.0.0.1:" + port).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private static String enc(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Until a line of the log matches (a regular expression, found anywhere in the line); fails after 60 s showing the log. */
    private static void awaitLine(Path log, String regex) throws Exception {
        java.util.regex.Pattern wanted = java.util.regex.Pattern.compile(regex);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            String text = Files.readString(log);
            if (text.lines().anyMatch(l -> wanted.matcher(l).find())) {
                return;
            }
            if (System.nanoTime() > deadline) {
                org.junit.jupiter.api.Assertions.fail("no line matching " + regex + " in the installed daemon's log in 60 s:\n" + text);
            }
            Thread.sleep(100);
        }
    }
}
