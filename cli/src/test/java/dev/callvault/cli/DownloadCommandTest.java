package dev.callvault.cli;

import dev.callvault.archive.ArchiveResult;
import dev.callvault.archive.Archiver;
import dev.callvault.storage.RecordingStores;
import dev.callvault.testing.Environment;
import dev.callvault.testing.Sids;
import dev.callvault.testing.StandInRecording;
import dev.callvault.testing.SyntheticAudio;
import dev.callvault.testing.TwilioStandIn;
import dev.callvault.twilio.MediaFormat;
import dev.callvault.twilio.RecordingRef;
import dev.callvault.twilio.TwilioRecordings;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class DownloadCommandTest {
    @RegisterExtension
    static final Environment env = new Environment();

    private static final int SIZE = 300_000;
    private final Cli cli = new Cli(env);
    private StandInRecording twilio;
    private ArchiveResult archived;
    private byte[] audio;

    @BeforeEach
    void archiveOne() {
        twilio = env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, Sids.call(), Sids.recording(),
                Instant.parse("2026-11-24T14:06:19Z"), SIZE));
        audio = SyntheticAudio.bytes(SyntheticAudio.Kind.MP3, twilio.seed(), SIZE);
        var config = env.config();
        try (var store = RecordingStores.open(config.storage())) {
            archived = new Archiver(new TwilioRecordings(config.twilio()), store, env.db(), MediaFormat.MP3, Clock.systemUTC())
                    .archive(dev.callvault.archive.Archiver.Request.of(new RecordingRef(twilio.accountSid(), twilio.sid(), twilio.callSid())));
        }
    }

    @Test
    void downloadsTheExactBytesAndChecksTheirHash(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("call.mp3");

        Cli.Result r = cli.run("download", "--recording-sid", twilio.sid(), "-o", file.toString());

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Files.readAllBytes(file)).isEqualTo(audio);
        assertThat(r.out()).contains("SHA-256 verified");
    }

    @Test
    void resumesThePartialFileAnInterruptedDownloadLeft(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("call.mp3");
        Files.write(dir.resolve("call.mp3.part"), Arrays.copyOf(audio, 100_000));
        int downloadsBefore = env.twilio().mediaDownloads();

        Cli.Result r = cli.run("download", "--call", twilio.callSid(), "--recording", archived.recordingId().toString(), "-o", file.toString(), "--json");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Files.readAllBytes(file)).isEqualTo(audio);
        assertThat(dir.resolve("call.mp3.part")).as("renamed once verified").doesNotExist();
        assertThat(r.out()).contains("\"resumed_from\":100000").contains("\"verified\":true");
        assertThat(env.twilio().mediaDownloads()).as("from the store, not Twilio").isEqualTo(downloadsBefore);
    }

    @Test
    void refusesBytesThatDoNotMatchTheDatabaseAndLeavesNoFileBehind(@TempDir Path dir) throws Exception {
        env.db().jdbi().useHandle(h -> h.createUpdate("UPDATE recordings SET sha256 = repeat('0', 64)").execute());

        Cli.Result r = cli.run("download", "--recording-sid", twilio.sid(), "-o", dir.resolve("x.mp3").toString());

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("differs from the database");
        try (var left = Files.list(dir)) {
            assertThat(left.toList()).as("no unverified file, whole or partial").isEmpty();
        }
    }

    @Test
    void writesToStdout() {
        Cli.Result r = cli.run("download", "--recording-sid", twilio.sid(), "-o", "-");

        assertThat(r.exit()).isZero();
        assertThat(r.out().length()).isGreaterThan(0);
    }

    @Test
    void downloadsFromTwilioWhenAsked(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("fresh.mp3");

        Cli.Result r = cli.run("download", "--recording-sid", twilio.sid(), "--from", "twilio", "-o", file.toString());

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Files.readAllBytes(file)).isEqualTo(audio);
        assertThat(r.out()).contains("from twilio");
    }

    @Test
    void aMissingRecordingIsAClearError() {
        String unknown = Sids.recording();

        Cli.Result r = cli.run("download", "--recording-sid", unknown);

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().lines().count()).isEqualTo(1);
        assertThat(r.err()).contains("no recording " + unknown);
    }
}
