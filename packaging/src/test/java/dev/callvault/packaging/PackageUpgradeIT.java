package dev.callvault.packaging;

import dev.callvault.testing.StandInRecording;
import dev.callvault.testing.TwilioStandIn;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * An operator's upgrade: the package of an earlier build (commit {@value #EARLIER}, built here from this repository's
 * history) installed and configured, recordings archived by its own commands, then this build's package installed over
 * it. Every recording is then listed, downloads with its SHA-256 and plays with a Range, and the operator's conffile
 * edit is kept; from an install that ran on the earlier version's embedded PostgreSQL, the package first refuses and the
 * steps it prints move the data. Needs root, dpkg, this machine's PostgreSQL and the repository's history.
 */
class PackageUpgradeIT {
    /** The last build whose package carried an embedded PostgreSQL (schema 11, the users file under the state directory). */
    static final String EARLIER = "56887c1";
    private static final Path CONF = Path.of("/etc/callvault/callvault.conf");
    private static final Instant DAY = Instant.parse("2026-11-24T00:00:00Z");
    private static final String TOKEN = "upgrade-test-api-token-0123456789";

    private TwilioStandIn twilio;
    private final List<StandInRecording> recordings = new ArrayList<>();

    @BeforeEach
    void earlierPackageAndTwilio() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && Deb.onPath("dpkg"), "installing a package needs root and dpkg");
        assumeTrue(Deb.run(60, "runuser", "-u", "postgres", "--", "psql", "-Atqc", "SELECT 1").exit() == 0,
                "the package finds this machine's PostgreSQL through its postgres user; none answers here");
        twilio = new TwilioStandIn();
        for (int i = 0; i < 4; i++) {
            String call = String.format("CA%032x", 0xca11L + i);
            recordings.add(twilio.add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, call, String.format("RE%032x", 0x5eedL + i),
                    DAY.plusSeconds(3600 + 600L * i), 40_000 + 1000L * i)));
        }
        Deb.run(300, "dpkg", "--purge", "callvault");
        Deb.dropDatabase();
    }

    @AfterEach
    void purge() throws Exception {
        if (twilio != null) {
            twilio.close();
            Deb.Run purge = Deb.run(300, "dpkg", "--purge", "callvault");
            Deb.dropDatabase();
            assertThat(purge.exit()).as(purge.out()).isZero();
        }
    }

    @Test
    void anInstallOnADatabaseServerKeepsEveryRecordingAndTheOperatorsEdit() throws Exception {
        installEarlier();
        Deb.run(60, "runuser", "-u", "postgres", "--", "psql", "-qc", "CREATE ROLE callvault LOGIN PASSWORD 'upgrade-test'");
        Deb.run(60, "runuser", "-u", "postgres", "--", "psql", "-qc", "CREATE DATABASE callvault OWNER callvault");
        configure("""
                database.url = jdbc:postgresql://127.0.0.1:5432/callvault
                database.user = callvault
                database.password = upgrade-test
                """);
        archiveWithTheEarlierVersion();

        Deb.Run upgrade = Deb.run(300, "dpkg", "-i", "--force-confold", Deb.file().toAbsolutePath().toString());

        assertThat(upgrade.exit()).as(upgrade.out()).isZero();
        assertThat(Files.readString(CONF)).as("the operator's edit of the conffile").contains("# the operator's own lines")
                .contains("database.url = jdbc:postgresql://127.0.0.1:5432/callvault");
        everyRecordingListedDownloadedAndPlayed();

        // back to the earlier build (which has no retention timer) and purged: no enable link is left dangling
        Deb.Run downgrade = Deb.run(300, "dpkg", "-i", "--force-confold", earlierPackage().toString());
        assertThat(downgrade.exit()).as(downgrade.out()).isZero();
        Deb.Run purge = Deb.run(300, "dpkg", "--purge", "callvault");
        assertThat(purge.exit()).as(purge.out()).isZero();
        assertThat(Files.exists(Path.of("/etc/systemd/system/timers.target.wants/callvault-retention.timer"), java.nio.file.LinkOption.NOFOLLOW_LINKS))
                .as("a dangling enable link of the retention timer").isFalse();
    }

    @Test
    void anInstallOnTheEmbeddedDatabaseIsRefusedUntilItsDataIsMovedAsThePackageSays() throws Exception {
        installEarlier();
        configure("");
        archiveWithTheEarlierVersion();
        assertThat(Path.of("/var/lib/callvault/postgres/PG_VERSION")).as("the earlier version's embedded database").exists();

        Deb.Run refused = Deb.run(300, "dpkg", "-i", "--force-confold", Deb.file().toAbsolutePath().toString());

        assertThat(refused.exit()).as(refused.out()).isNotZero();
        assertThat(refused.out()).contains("holds the database of an earlier callvault").contains("Nothing was changed");
        // the steps the message gives, as an operator follows them: 1. dump while the installed daemon runs
        Process daemon = startDaemon(EARLIER_UNIT);
        try {
            String command = step(refused.out(), "sudo -u callvault pg_dump ");
            Deb.Run dump = Deb.run(300, "sh", "-c", command.replace("sudo -u callvault ", "runuser -u callvault -- ").replace("$(sudo ", "$("));
            assertThat(dump.exit()).as(command + "\n" + dump.out()).isZero();
        } finally {
            Deb.stop(daemon);
        }
        // 2. set the directory aside; 3. install, load the dump into the database postinst made
        assertThat(Deb.run(30, "mv", "/var/lib/callvault/postgres", "/var/lib/callvault/postgres.dumped").exit()).isZero();
        Deb.Run upgrade = Deb.run(300, "dpkg", "-i", "--force-confold", Deb.file().toAbsolutePath().toString());
        assertThat(upgrade.exit()).as(upgrade.out()).isZero();
        assertThat(upgrade.out()).contains("made the role and database callvault on this machine's PostgreSQL");
        for (String prefix : List.of("sudo -u postgres dropdb ", "sudo cat /var/lib/callvault/embedded.dump")) {
            String command = step(refused.out(), prefix);
            Deb.Run done = Deb.run(300, "sh", "-c", command.replace("sudo -u postgres ", "runuser -u postgres -- ").replace("sudo ", ""));
            assertThat(done.exit()).as(command + "\n" + done.out()).isZero();
        }
        everyRecordingListedDownloadedAndPlayed();
    }

    /** The earlier build's package, made once from this repository's history into target/. */
    private static Path earlierPackage() throws Exception {
        Path dir = Path.of("target", "earlier-" + EARLIER).toAbsolutePath();
        Path built = dir.resolve("packaging").resolve("target");
        if (!Files.isDirectory(built) || Deb.newest(built).isEmpty()) {
            Path repository = Path.of("..").toRealPath();
            Deb.Run has = Deb.run(30, "git", "-C", repository.toString(), "cat-file", "-e", EARLIER + "^{commit}");
            if (has.exit() != 0 && Files.exists(repository.resolve(".git").resolve("shallow"))) { // a shallow clone: its history, once
                Deb.run(600, "git", "-C", repository.toString(), "fetch", "--quiet", "--unshallow");
                has = Deb.run(30, "git", "-C", repository.toString(), "cat-file", "-e", EARLIER + "^{commit}");
            }
            assertThat(has.exit()).as("commit " + EARLIER + " in this clone's history (a shallow clone lacks it): " + has.out()).isZero();
            Deb.run(60, "rm", "-rf", dir.toString());
            Files.createDirectories(dir);
            Deb.Run archive = Deb.run(120, "sh", "-c", "git -C '" + repository + "' archive " + EARLIER + " | tar -x -C '" + dir + "'");
            assertThat(archive.exit()).as(archive.out()).isZero();
            Deb.Run build = Deb.run(1200, "sh", "-c", "cd '" + dir + "' && mvn -B -q -DskipTests package");
            assertThat(build.exit()).as("building " + EARLIER + ": " + build.out()).isZero();
        }
        return Deb.newest(built).orElseThrow();
    }

    private static void installEarlier() throws Exception {
        Deb.Run install = Deb.run(300, "dpkg", "-i", earlierPackage().toString());
        assertThat(install.exit()).as(install.out()).isZero();
    }

    /** The operator's edit of the conffile: Twilio, the store, the API token, and {@code more}. */
    private void configure(String more) throws Exception {
        Files.writeString(CONF, Files.readString(CONF) + "\n# the operator's own lines\n"
                + "twilio.account-sid = " + TwilioStandIn.ACCOUNT_SID + "\n"
                + "twilio.auth-token = " + TwilioStandIn.AUTH_TOKEN + "\n"
                + "twilio.api-url = " + twilio.baseUrl() + "\n"
                + "public-url = https://callvault.example.com\n"
                + "storage = /var/lib/callvault/recordings\n"
                + "http.api-token = " + TOKEN + "\n" + more);
    }

    /**
     * What the earlier version's units give it: the state directory from systemd, and a /tmp of its own (PrivateTmp; its
     * embedded PostgreSQL unpacks its binaries there, where another user's copy may already lie).
     */
    private static final List<String> EARLIER_UNIT = List.of("STATE_DIRECTORY=/var/lib/callvault", "JAVA_OPTS=-Djava.io.tmpdir=/var/lib/callvault/tmp");

    /** The earlier version's nightly backfill, as its timer runs it (user callvault). */
    private void archiveWithTheEarlierVersion() throws Exception {
        assertThat(Deb.run(30, "install", "-d", "-o", "callvault", "-g", "callvault", "/var/lib/callvault/tmp").exit()).isZero();
        List<String> command = new ArrayList<>(List.of("runuser", "-u", "callvault", "--", "env"));
        command.addAll(EARLIER_UNIT);
        command.addAll(List.of("callvault", "backfill", "--config", CONF.toString(), "--since", "2026-11-24", "--until", "2026-11-25"));
        Deb.Run backfill = Deb.run(300, command.toArray(String[]::new));
        assertThat(backfill.exit()).as(backfill.out()).isZero();
        assertThat(Deb.run(30, "sh", "-c", "find /var/lib/callvault/recordings -name 'RE*.mp3' | wc -l").out().strip())
                .as(backfill.out()).isEqualTo(Integer.toString(recordings.size()));
    }

    /** As root, this version's callvault and callvaultd: each recording listed, downloaded whole, and played in part. */
    private void everyRecordingListedDownloadedAndPlayed() throws Exception {
        Path out = Files.createTempDirectory("callvault-upgrade");
        Process daemon = startDaemon(List.of());
        try {
            HttpClient http = HttpClient.newHttpClient();
            for (StandInRecording r : recordings) {
                Deb.Run show = Deb.run(120, "callvault", "call", "show", r.callSid(), "--json");
                assertThat(show.exit()).as(show.out()).isZero();
                var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(show.out());
                String callId = json.findParents("call_sid").stream().filter(n -> r.callSid().equals(n.path("call_sid").asText()))
                        .map(n -> n.path("id").asText()).filter(id -> !id.isEmpty()).findFirst().orElseThrow(() -> new AssertionError(show.out()));
                String recordingId = json.findParents("recording_sid").stream().filter(n -> r.sid().equals(n.path("recording_sid").asText()))
                        .map(n -> n.path("id").asText()).findFirst().orElseThrow(() -> new AssertionError("recording " + r.sid() + " listed in " + show.out()));

                Deb.Run download = Deb.run(120, "callvault", "download", "--recording-sid", r.sid(), "--from", "store", "-o", out + "/");
                assertThat(download.exit()).as(download.out()).isZero();
                byte[] bytes;
                try (var files = Files.list(out)) {
                    Path file = files.filter(f -> f.getFileName().toString().contains(r.sid())).findFirst().orElseThrow();
                    bytes = Files.readAllBytes(file);
                }
                assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes))).isEqualTo(twilio.sha256Of(r.sid(), "mp3"));

                HttpResponse<byte[]> part = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemonPort + "/calls/" + callId
                                + "/recording/" + recordingId + "/play")).header("Authorization", "Bearer " + TOKEN).header("Range", "bytes=1000-1999").build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertThat(part.statusCode()).as(new String(part.body())).isEqualTo(206);
                assertThat(part.body()).isEqualTo(java.util.Arrays.copyOfRange(bytes, 1000, 2000));
            }
        } finally {
            Deb.stop(daemon);
        }
    }

    private int daemonPort;

    /** callvaultd as its unit runs it, on free ports; {@link #daemonPort} is its public one. */
    private Process startDaemon(List<String> env) throws Exception {
        daemonPort = Deb.freePort();
        return Deb.startDaemon(daemonPort, Deb.freePort(), env, Path.of("target", "upgrade-daemon.log"));
    }

    /** The command of the refusal's step that starts with {@code prefix} (a line "callvault:   PREFIX..."). */
    private static String step(String message, String prefix) {
        return message.lines().map(l -> l.replaceFirst("^callvault:\\s+(\\d\\.\\s+)?", "")).filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no step starting '" + prefix + "' in:\n" + message));
    }

}
