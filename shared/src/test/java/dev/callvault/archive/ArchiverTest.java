package dev.callvault.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.PermanentException;
import dev.callvault.RetryableException;
import dev.callvault.db.RecordingRepository;
import dev.callvault.db.RecordingRow;
import dev.callvault.storage.Hex;
import dev.callvault.storage.RecordingStores;
import dev.callvault.storage.S3RecordingStore;
import dev.callvault.storage.StoredObject;
import dev.callvault.testing.Environment;
import dev.callvault.testing.Rows;
import dev.callvault.testing.Sids;
import dev.callvault.testing.StandInRecording;
import dev.callvault.testing.TwilioStandIn;
import dev.callvault.twilio.MediaFormat;
import dev.callvault.twilio.RecordingRef;
import dev.callvault.twilio.TwilioRecordings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.InputStream;
import java.math.BigDecimal;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ArchiverTest {
    @RegisterExtension
    static final Environment env = new Environment();

    private static final long MIB = 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private S3RecordingStore store;
    private Archiver archiver;
    private RecordingRepository recordings;
    private String callSid;
    private String recordingSid;

    @BeforeEach
    void setUp() {
        var config = env.config();
        store = (S3RecordingStore) RecordingStores.open(config.storage());
        archiver = new Archiver(new TwilioRecordings(config.twilio()), store, env.db(), MediaFormat.MP3, Clock.systemUTC());
        recordings = new RecordingRepository(env.db().jdbi());
        callSid = Sids.call();
        recordingSid = Sids.recording();
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    private StandInRecording twilioHas(long size) {
        return env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, callSid, recordingSid,
                Instant.parse("2026-11-24T14:06:19Z"), size));
    }

    private RecordingRef ref() {
        return new RecordingRef(TwilioStandIn.ACCOUNT_SID, recordingSid, callSid);
    }

    @Test
    void archives12MiBRecordingAndUpgradesMixedRowInPlace() throws Exception {
        StandInRecording twilio = twilioHas(12 * MIB);
        UUID call = Rows.call(env.db(), callSid);
        String realtimeKey = "recordings/2026/11/24/" + callSid + "/MZ0-mixed.wav";
        UUID mixed = Rows.realtime(env.db(), call, "mixed", realtimeKey);
        UUID user = Rows.realtime(env.db(), call, "user", "recordings/2026/11/24/" + callSid + "/MZ0-user.wav");
        RecordingRow userBefore = recordings.findById(user).orElseThrow();

        ArchiveResult result = archiver.archive(Archiver.Request.of(ref()));

        String expectedKey = "recordings/2026/11/24/" + callSid + "/" + recordingSid + ".mp3";
        String expectedSha = twilio.sha256("mp3");
        assertThat(result.outcome()).isEqualTo(ArchiveResult.Outcome.ARCHIVED);
        assertThat(result.key()).isEqualTo(expectedKey);
        assertThat(sha256Of(store.get(expectedKey, 0, -1))).isEqualTo(expectedSha);
        StoredObject object = store.head(expectedKey).orElseThrow();
        assertThat(object.size()).isEqualTo(12 * MIB);
        assertThat(object.sha256()).isEqualTo(expectedSha);
        assertThat(object.metadata()).containsEntry("call-sid", callSid).containsEntry("recording-sid", recordingSid)
                .containsEntry("channels", "2").containsEntry("duration", "187");

        RecordingRow row = recordings.findById(mixed).orElseThrow();
        assertThat(result.recordingId()).isEqualTo(mixed);
        assertThat(row.recordingType()).isEqualTo("mixed");
        assertThat(row.recordingSource()).isEqualTo("s3");
        assertThat(row.status()).isEqualTo("completed");
        assertThat(row.recordingSid()).isEqualTo(recordingSid);
        assertThat(row.s3Key()).isEqualTo(expectedKey);
        assertThat(row.s3Url()).isEqualTo(store.url(expectedKey)).contains(env.bucket()).endsWith(expectedKey);
        assertThat(row.durationSeconds()).isEqualByComparingTo(new BigDecimal("187"));
        assertThat(row.fileSize()).isEqualTo(12 * MIB);
        assertThat(row.sha256()).isEqualTo(expectedSha);
        assertThat(row.channels()).isEqualTo(2);
        assertThat(row.format()).isEqualTo("mp3");
        JsonNode meta = JSON.readTree(row.metadataJson());
        assertThat(meta.get("source").asText()).isEqualTo("twilio_override");
        assertThat(meta.get("original_source").asText()).isEqualTo("s3");
        assertThat(meta.get("original_s3_key").asText()).isEqualTo(realtimeKey);
        assertThat(meta.get("recorder").asText()).as("the real-time row's own metadata is kept").isEqualTo("realtime");
        assertThat(meta.get("frames").asInt()).isEqualTo(9325);
        assertThat(recordings.findById(user).orElseThrow()).as("user row untouched").isEqualTo(userBefore);
        assertThat(recordings.findByCall(call)).hasSize(2);
    }

    @Test
    void createsMixedRowWhenCallHasNone() throws Exception {
        twilioHas(1 * MIB);

        ArchiveResult result = archiver.archive(Archiver.Request.of(ref()));

        UUID call = env.db().jdbi().withHandle(h -> h.createQuery("SELECT id FROM calls WHERE call_sid = :s")
                .bind("s", callSid).mapTo(UUID.class).one());
        List<RecordingRow> rows = recordings.findByCall(call);
        assertThat(rows).hasSize(1);
        RecordingRow row = rows.get(0);
        assertThat(row.id()).isEqualTo(result.recordingId());
        assertThat(row.recordingType()).isEqualTo("mixed");
        assertThat(row.recordingSource()).isEqualTo("s3");
        assertThat(row.status()).isEqualTo("completed");
        assertThat(row.recordingSid()).isEqualTo(recordingSid);
        assertThat(row.fileSize()).isEqualTo(MIB);
        JsonNode meta = JSON.readTree(row.metadataJson());
        assertThat(meta.get("source").asText()).isEqualTo("twilio_override");
        assertThat(meta.has("original_s3_key")).isFalse();
    }

    @Test
    void archivingAgainChangesNothing() {
        twilioHas(12 * MIB);
        archiver.archive(Archiver.Request.of(ref()));
        RecordingRow before = recordings.findByRecordingSid(recordingSid).orElseThrow();
        int downloads = env.twilio().mediaDownloads();

        ArchiveResult again = archiver.archive(Archiver.Request.of(ref()));

        assertThat(again.outcome()).isEqualTo(ArchiveResult.Outcome.ALREADY_ARCHIVED);
        assertThat(recordings.findByRecordingSid(recordingSid).orElseThrow()).isEqualTo(before);
        assertThat(env.twilio().mediaDownloads()).isEqualTo(downloads);
        assertThat(objectsUnder("recordings/")).containsExactly(before.s3Key(), dev.callvault.derived.Waveforms.key(before.s3Key()));
        assertThat(store.unfinishedUploads("")).isEmpty();
    }

    @Test
    void s3FailingMidUploadIsRetryableAndChangesNothing() {
        twilioHas(12 * MIB);
        UUID call = Rows.call(env.db(), callSid);
        UUID mixed = Rows.realtime(env.db(), call, "mixed", "recordings/2026/11/24/" + callSid + "/MZ0-mixed.wav");
        RecordingRow before = recordings.findById(mixed).orElseThrow();
        env.s3().failPartsAfterFirst(true);

        assertThatThrownBy(() -> archiver.archive(Archiver.Request.of(ref())))
                .isInstanceOf(RetryableException.class)
                .hasMessageContaining("storage unavailable");

        assertThat(recordings.findById(mixed).orElseThrow()).isEqualTo(before);
        assertThat(objectsUnder("recordings/")).isEmpty();
        assertThat(store.unfinishedUploads("")).isEmpty();
    }

    @Test
    void s3StoppedMidUploadIsRetryableAndTheNextAttemptLeavesNoParts() throws Exception {
        twilioHas(12 * MIB);
        env.twilio().latency(java.time.Duration.ZERO);
        var stopper = new Thread(() -> {
            try {
                while (env.twilio().mediaDownloads() == 0) {
                    Thread.sleep(1);
                }
                env.s3().stop();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        stopper.start();
        try {
            assertThatThrownBy(() -> archiver.archive(Archiver.Request.of(ref()))).isInstanceOf(RetryableException.class);
        } finally {
            stopper.join();
            env.s3().restart();
        }
        assertThat(recordings.findByRecordingSid(recordingSid)).isEmpty();

        ArchiveResult retried = archiver.archive(Archiver.Request.of(ref()));

        assertThat(retried.outcome()).isEqualTo(ArchiveResult.Outcome.ARCHIVED);
        assertThat(store.unfinishedUploads("")).isEmpty();
        assertThat(objectsUnder("recordings/")).containsExactly(retried.key(), dev.callvault.derived.Waveforms.key(retried.key()));
    }

    @Test
    void retriesAfter429WithRetryAfterThenArchives() {
        twilioHas(MIB);
        env.twilio().failNext(1, 429, 1);
        long started = System.nanoTime();

        ArchiveResult result = archiver.archive(Archiver.Request.of(ref()));

        assertThat(result.outcome()).isEqualTo(ArchiveResult.Outcome.ARCHIVED);
        assertThat((System.nanoTime() - started) / 1_000_000).as("waited as Retry-After asked").isGreaterThanOrEqualTo(950);
        assertThat(env.twilio().requests()).filteredOn(r -> r.contains(recordingSid + ".json")).hasSize(2);
    }

    @Test
    void gives5xxUpAsRetryableAfterTheConfiguredAttempts() {
        twilioHas(MIB);
        env.twilio().failNext(5, 500, null);

        assertThatThrownBy(() -> archiver.archive(Archiver.Request.of(ref())))
                .isInstanceOf(RetryableException.class)
                .hasMessageContaining(recordingSid);
        assertThat(env.twilio().requests()).hasSize(5);
    }

    @Test
    void twilio404IsPermanentAndNamesTheRecording() {
        assertThatThrownBy(() -> archiver.archive(Archiver.Request.of(ref())))
                .isInstanceOf(PermanentException.class)
                .hasMessageContaining(recordingSid)
                .hasMessageContaining("404");
        assertThat(env.twilio().requests()).as("a 404 is not retried").hasSize(1);
    }

    @Test
    void followsMediaRedirectToAnotherHostWithoutCredentials() {
        StandInRecording twilio = twilioHas(2 * MIB);
        env.twilio().redirectMediaToOtherHost(true);

        ArchiveResult result = archiver.archive(Archiver.Request.of(ref()));

        assertThat(result.sha256()).isEqualTo(twilio.sha256("mp3"));
        assertThat(env.twilio().authorizationAtMediaHost()).containsExactly("");
    }

    @Test
    void refusesAccountsWeHoldNoCredentialsFor() {
        var stranger = new RecordingRef("AC" + "f".repeat(32), recordingSid, callSid);

        assertThatThrownBy(() -> archiver.archive(Archiver.Request.of(stranger)))
                .isInstanceOf(PermanentException.class)
                .hasMessageContaining("no Twilio credentials for account AC" + "f".repeat(32));
        assertThat(env.twilio().requests()).isEmpty();
    }

    @Test
    void recordingWithoutMediaIsReportedNotArchived() {
        env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, callSid, recordingSid, Instant.now(), 0)
                .withStatus("absent", 16101));

        ArchiveResult result = archiver.archive(Archiver.Request.of(ref()));

        assertThat(result.outcome()).isEqualTo(ArchiveResult.Outcome.NO_MEDIA);
        assertThat(result.twilioStatus()).isEqualTo("absent");
        assertThat(objectsUnder("recordings/")).isEmpty();
    }

    @Test
    void fetchesEncryptedRecordingsAsWav() {
        StandInRecording twilio = env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, callSid, recordingSid,
                Instant.parse("2026-11-24T14:06:19Z"), MIB).encryptedRecording());

        ArchiveResult result = archiver.archive(Archiver.Request.of(ref()));

        assertThat(result.key()).endsWith(recordingSid + ".wav");
        assertThat(result.sha256()).isEqualTo(twilio.sha256("wav"));
        assertThat(recordings.findByRecordingSid(recordingSid).orElseThrow().format()).isEqualTo("wav");
    }

    private List<String> objectsUnder(String prefix) {
        try (var s3 = software.amazon.awssdk.services.s3.S3Client.builder()
                .endpointOverride(env.s3().endpoint()).region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(() -> software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(
                        dev.callvault.testing.TestS3.ACCESS_KEY, dev.callvault.testing.TestS3.SECRET_KEY))
                .build()) {
            return s3.listObjectsV2(b -> b.bucket(env.bucket()).prefix(prefix)).contents().stream()
                    .map(software.amazon.awssdk.services.s3.model.S3Object::key).toList();
        }
    }

    static String sha256Of(InputStream in) throws Exception {
        MessageDigest d = Hex.sha256();
        try (in) {
            byte[] buf = new byte[65536];
            int n;
            while ((n = in.read(buf)) > 0) {
                d.update(buf, 0, n);
            }
        }
        return Hex.of(d.digest());
    }
}
