package dev.callvault.cli;

import dev.callvault.config.ConfigLoader;
import dev.callvault.daemon.Daemon;
import dev.callvault.testing.Environment;
import dev.callvault.testing.S3Front;
import dev.callvault.testing.TestS3;
import dev.callvault.testing.TestS3Mock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class DoctorCommandTest {
    @RegisterExtension
    static final Environment env = new Environment();

    private final Cli cli = new Cli(env);

    /** S3Mock, for the buckets that keep versions (s3proxy keeps none): one process for the tests that need it. */
    private static TestS3Mock s3mock;

    private static synchronized TestS3Mock s3mock() throws Exception {
        if (s3mock == null) {
            s3mock = new TestS3Mock();
        }
        return s3mock;
    }

    @AfterAll
    static void stopS3Mock() throws Exception {
        if (s3mock != null) {
            s3mock.close();
        }
    }

    private static List<String> failed(Cli.Result r) {
        return r.lines().stream().filter(l -> l.startsWith("FAIL ")).map(l -> l.substring("FAIL ".length(), l.indexOf(':'))).toList();
    }

    private static Map<String, String> bucketAt(String bucket, URI endpoint) {
        return Map.of("storage", "s3://" + bucket + "/", "s3.endpoint", endpoint.toString());
    }

    @Test
    void passesEveryCheckIncludingASignedRequestToTheDaemon() throws Exception {
        int port;
        try (var socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Map<String, String> settings = new LinkedHashMap<>(env.settings());
        settings.put("http.port", Integer.toString(port));
        settings.put("public-url", "http://127.0.0.1:" + port);
        try (Daemon d = Daemon.start(ConfigLoader.of(settings))) {
            Cli.Result r = cli.run(List.of("doctor"), Map.of("public-url", "http://127.0.0.1:" + port), "--daemon");

            assertThat(r.exit()).as(r.out()).isZero();
            assertThat(r.out()).contains("PASS database").contains("PASS storage").contains("PASS speech model").contains("PASS twilio").contains("PASS daemon");
        }
    }

    @Test
    void anEarlierEmbeddedDatabaseLeftInTheStateDirectoryIsNamedByDoctorAndTheDaemon(@TempDir Path dir) throws Exception {
        // an install that ran on the embedded PostgreSQL, now configured with a server: its calls are out of sight
        java.nio.file.Files.createDirectories(dir.resolve("postgres"));
        java.nio.file.Files.writeString(dir.resolve("postgres").resolve("PG_VERSION"), "14\n");
        String said = dir.resolve("postgres") + " holds an embedded PostgreSQL 14 database of an earlier callvault, and this one uses "
                + env.settings().get("database.url") + ": the calls stored there are not listed until its data is moved";

        Cli.Result r = cli.run(List.of("doctor"), Map.of("state-dir", dir.toString()));

        assertThat(r.exit()).as(r.out()).isEqualTo(1);
        assertThat(r.out()).contains("FAIL earlier database: " + said).contains("fix: move its data into this database as docs/operations.md (Upgrade) says");

        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> log = new ch.qos.logback.core.read.ListAppender<>();
        var root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        log.start();
        root.addAppender(log);
        Map<String, String> settings = new LinkedHashMap<>(env.settings());
        settings.put("state-dir", dir.toString());
        settings.put("http.port", "0");
        try (Daemon d = Daemon.start(ConfigLoader.of(settings))) {
            assertThat(log.list).anyMatch(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN
                    && e.getFormattedMessage().equals(said + ": see docs/operations.md, Upgrade"));
        } finally {
            root.detachAppender(log);
        }
    }

    @Test
    void aSchemaANewerCallvaultMigratedFailsTheDatabaseCheck() {
        // after a downgrade: the daemon refuses this schema (exit 78), so doctor must not call it PASS
        env.migratedByANewerCallvault();

        Cli.Result r = cli.run(List.of("doctor"), Map.of());

        assertThat(r.exit()).as(r.out()).isEqualTo(1);
        assertThat(failed(r)).contains("database");
        assertThat(r.out()).contains("schema version 99, newer than this callvault's " + dev.callvault.db.Database.LATEST_MIGRATION)
                .contains("fix: install the callvault that migrated it");
    }

    @Test
    void saysWhatToFixAndExits1() {
        Cli.Result r = cli.run(List.of("doctor"), Map.of("twilio.auth-token", "0000000000000000000000000000dead"));

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("FAIL twilio").contains("fix: check the account's auth token").doesNotContain("0000000000000000000000000000dead");
    }

    @Test
    void namesAMissingSpeechModelAndWhatToDo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path truncated = java.nio.file.Files.write(dir.resolve("silero_vad_v5.onnx"), new byte[]{8, 1, 18, 0});

        Cli.Result missing = cli.run(List.of("doctor"), Map.of("analysis.speech-model", dir.resolve("nothing.onnx").toString()));
        Cli.Result wrong = cli.run(List.of("doctor"), Map.of("analysis.speech-model", truncated.toString()));

        assertThat(missing.exit()).as(missing.out()).isEqualTo(1);
        assertThat(missing.out()).contains("FAIL speech model").contains("nothing.onnx does not exist").contains("fix: point analysis.speech-model at Silero VAD v5");
        assertThat(wrong.out()).contains("FAIL speech model").contains("is not Silero VAD v5: its SHA-256 is").contains("(4 bytes");
    }

    @Test
    void namesChunkedEncodingWhenTheStoreKeepsTheFramingAndPassesWithItOff() throws Exception {
        String endpoint = dev.callvault.testing.TestS3.get().framingKeepingEndpoint().toString();

        Cli.Result framed = cli.run(List.of("doctor"), Map.of("s3.endpoint", endpoint));
        Cli.Result plain = cli.run(List.of("doctor"), Map.of("s3.endpoint", endpoint, "s3.chunked-encoding", "false"));

        assertThat(framed.exit()).as(framed.out()).isEqualTo(1);
        assertThat(framed.out()).contains("FAIL storage").contains("aws-chunked").contains("fix: set s3.chunked-encoding = false");
        assertThat(plain.out()).contains("PASS storage");
    }

    @Test
    void onAVersionedBucketSaysDeletionsAreForGoodAndLeavesNoVersionOfItsProbe() throws Exception {
        String bucket = s3mock().versionedBucket();

        Cli.Result r = cli.run(List.of("doctor"), bucketAt(bucket, s3mock().endpoint));

        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).contains("PASS storage: ").contains("PASS storage deletes for good: the bucket keeps versions")
                .contains("may list them (ListObjectVersions) and delete them (DeleteObjectVersion)");
        assertThat(s3mock().versions(bucket, "")).as("versions and delete markers left in the bucket").isEmpty();
    }

    @Test
    void failsNamingListBucketVersionsWhenTheCredentialsMayNotListVersions() throws Exception {
        String bucket = s3mock().versionedBucket();
        try (S3Front denied = S3Front.deniedVersions(s3mock().endpoint)) {
            Cli.Result r = cli.run(List.of("doctor"), bucketAt(bucket, denied.endpoint()));

            assertThat(r.exit()).as(r.out()).isEqualTo(1);
            assertThat(failed(r)).as("the checks that failed").containsExactly("storage deletes for good");
            assertThat(r.out()).contains("PASS storage: ").contains("FAIL storage deletes for good: ").contains("s3:ListBucketVersions")
                    .contains("erasure and retention cannot delete every version; they stop before deleting anything")
                    .contains("fix: grant callvault's credentials s3:ListBucketVersions");
            assertThat(denied.answered()).contains("ListObjectVersions");
        }
    }

    @Test
    void failsNamingDeleteObjectVersionWhenDeletingAVersionIsRefused() throws Exception {
        String bucket = s3mock().versionedBucket();
        try (S3Front denied = S3Front.answering(s3mock().endpoint, Map.of(S3Front.Operation.DELETE_OBJECT_VERSION, S3Front.S3Error.accessDenied()))) {
            Cli.Result r = cli.run(List.of("doctor"), bucketAt(bucket, denied.endpoint()));

            assertThat(r.exit()).as(r.out()).isEqualTo(1);
            assertThat(failed(r)).as("the checks that failed").containsExactly("storage deletes for good");
            assertThat(r.out()).contains("FAIL storage deletes for good: ").contains("(DeleteObjectVersion")
                    .contains("erasure and retention cannot delete every version")
                    .contains("fix: grant callvault's credentials s3:DeleteObjectVersion");
        }
    }

    @Test
    void failsNamingGetBucketVersioningWhenTheStoreMayNotSayWhetherItKeepsVersions() {
        try (S3Front denied = S3Front.answering(TestS3.get().endpoint(), Map.of(S3Front.Operation.GET_BUCKET_VERSIONING, S3Front.S3Error.accessDenied()))) {
            Cli.Result r = cli.run(List.of("doctor"), Map.of("s3.endpoint", denied.endpoint().toString()));

            assertThat(r.exit()).as(r.out()).isEqualTo(1);
            assertThat(failed(r)).as("the checks that failed").containsExactly("storage deletes for good");
            assertThat(r.out()).contains("PASS storage: ").contains("FAIL storage deletes for good: ").contains("s3:GetBucketVersioning")
                    .contains("fix: grant callvault's credentials s3:GetBucketVersioning");
        }
    }

    @Test
    void passesOnAStoreWithoutVersioningSayingWhy() {
        try (S3Front s3rver = S3Front.s3rver(TestS3.get().endpoint())) {
            Cli.Result r = cli.run(List.of("doctor"), Map.of("s3.endpoint", s3rver.endpoint().toString()));

            assertThat(r.exit()).as(r.out()).isZero();
            assertThat(r.out()).contains("PASS storage deletes for good: the store does not implement versioning");
            assertThat(s3rver.answered()).contains("GetBucketVersioning");
        }
    }

    @Test
    void passesOnADirectorySayingItKeepsOneCopy(@TempDir Path dir) {
        Cli.Result r = cli.run(List.of("doctor"), Map.of("storage", dir.toString()));

        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).contains("PASS storage deletes for good: a directory keeps one copy");
    }
}
