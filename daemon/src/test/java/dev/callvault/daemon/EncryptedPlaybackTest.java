package dev.callvault.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.db.RecordingRepository;
import dev.callvault.db.RecordingRow;
import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.RecordingStores;
import dev.callvault.testing.Environment;
import dev.callvault.testing.RecordingKeyPair;
import dev.callvault.testing.Sids;
import dev.callvault.testing.StandInRecording;
import dev.callvault.testing.TwilioStandIn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /play} of Twilio's encrypted recordings, archived by the daemon from their callback: every byte range of an
 * intact one is exactly the WAV Twilio recorded, every range of one whose stored bytes changed is refused (wherever the
 * range starts: no altered byte is ever played), and a private key of another pair is told apart from altered bytes.
 */
class EncryptedPlaybackTest {
    private static final String KEY_SID = "CR" + "fedcba9876543210".repeat(2);
    /** Where the recording is altered: past 3 MB, far from the start a player reads first. */
    private static final int ALTERED = 3_000_000;
    private static final int RANGES = 200;

    @RegisterExtension
    static final Environment env = new Environment();

    @TempDir
    Path dir;

    private final DaemonHarness harness = new DaemonHarness(env);
    private final String bearer = "Bearer " + DaemonHarness.API_TOKEN;
    /** 100 s of Twilio's dual-channel WAV: 3.2 MB. */
    private final byte[] wav = RecordingKeyPair.wav(100);

    private record Archived(String callSid, RecordingRow row) {
        String play() {
            return "/calls/" + callSid + "/recording/" + row.id() + "/play";
        }
    }

    /** A recording Twilio encrypted for {@code pair}, archived by {@code d} from its completed callback. */
    private Archived archive(Daemon d, RecordingKeyPair pair) throws Exception {
        String callSid = Sids.call();
        String recordingSid = Sids.recording();
        env.twilio().addEncrypted(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, callSid, recordingSid, Instant.now().minusSeconds(600), 0),
                wav, pair.publicKey(), pair.sid());
        assertThat(harness.postSigned(d, DaemonHarness.callback(callSid, recordingSid, "completed")).statusCode()).isEqualTo(204);
        RecordingRepository rows = new RecordingRepository(env.db().jdbi());
        DaemonHarness.await("the encrypted recording archived", Duration.ofSeconds(60),
                () -> rows.findByRecordingSid(recordingSid).map(RecordingRow::completed).orElse(false));
        return new Archived(callSid, rows.findByRecordingSid(recordingSid).orElseThrow());
    }

    private Daemon start(Map<String, String> keys) {
        Map<String, String> s = new HashMap<>(keys);
        s.put("state-dir", dir.resolve("state").toString());
        return harness.start(s);
    }

    private HttpResponse<byte[]> play(Daemon d, Archived a, String range) throws Exception {
        return range == null ? harness.get(d, a.play(), "Authorization", bearer) : harness.get(d, a.play(), "Authorization", bearer, "Range", range);
    }

    /** A range header with a random start and a random length (a quarter open-ended, as players ask): {first, last, header}. */
    private static Object[] randomRange(Random random, int size) {
        int first = random.nextInt(size);
        if (random.nextInt(4) == 0) {
            return new Object[]{first, size - 1, "bytes=" + first + "-"};
        }
        int longest = size - first;
        int length = 1 + random.nextInt(random.nextBoolean() ? Math.min(longest, 4096) : longest);
        return new Object[]{first, first + length - 1, "bytes=" + first + "-" + (first + length - 1)};
    }

    @Test
    void everyRangeOfAnIntactEncryptedRecordingIsExactlyThoseBytesOfTheWav() throws Exception {
        RecordingKeyPair pair = RecordingKeyPair.generate(KEY_SID, dir);
        try (Daemon d = start(pair.setting())) {
            Archived a = archive(d, pair);
            long seed = System.nanoTime();
            Random random = new Random(seed);

            for (int i = 0; i < RANGES; i++) {
                Object[] r = randomRange(random, wav.length);
                HttpResponse<byte[]> answer = play(d, a, (String) r[2]);

                assertThat(answer.statusCode()).as("%s (seed %d)", r[2], seed).isEqualTo(206);
                assertThat(answer.headers().firstValue("Content-Range")).as("%s (seed %d)", r[2], seed).hasValue("bytes " + r[0] + "-" + r[1] + "/" + wav.length);
                assertThat(answer.body()).as("%s (seed %d)", r[2], seed).isEqualTo(Arrays.copyOfRange(wav, (int) r[0], (int) r[1] + 1));
            }
            assertThat(play(d, a, null).body()).as("the whole recording").isEqualTo(wav);
        }
    }

    @Test
    void everyRangeOfAnEncryptedRecordingWhoseStoredBytesChangedIsRefused() throws Exception {
        RecordingKeyPair pair = RecordingKeyPair.generate(KEY_SID, dir);
        try (Daemon d = start(pair.setting())) {
            Archived a = archive(d, pair);
            assertThat(play(d, a, "bytes=2999990-3000009").body()).as("before: what Twilio recorded")
                    .isEqualTo(Arrays.copyOfRange(wav, 2_999_990, 3_000_010));
            byte[] ciphertext = env.twilio().ciphertext(a.row().recordingSid());
            env.s3().overwriteInPlace(env.bucket(), a.row().s3Key(), ALTERED, new byte[]{(byte) (ciphertext[ALTERED] ^ 0x01)});

            HttpResponse<byte[]> around = play(d, a, "bytes=2999990-3000009");
            assertThat(around.statusCode()).as("the range that holds the altered byte").isEqualTo(500);
            assertThat(new String(around.body(), StandardCharsets.UTF_8)).contains("failed authentication");
            long seed = System.nanoTime();
            Random random = new Random(seed);
            for (int i = 0; i < RANGES; i++) {
                Object[] r = randomRange(random, wav.length);
                HttpResponse<byte[]> answer = play(d, a, (String) r[2]);

                assertThat(answer.statusCode()).as("%s (seed %d)", r[2], seed).isEqualTo(500);
                assertThat(new String(answer.body(), StandardCharsets.UTF_8)).as("%s (seed %d)", r[2], seed).contains("failed authentication");
            }
            assertThat(play(d, a, null).statusCode()).as("the whole recording").isEqualTo(500);
        }
    }

    @Test
    void aPrivateKeyOfAnotherPairIs503NamingTheKeyNotAnInternalError() throws Exception {
        RecordingKeyPair pair = RecordingKeyPair.generate(KEY_SID, dir);
        RecordingKeyPair other = RecordingKeyPair.generate("CR" + "0".repeat(32), dir);
        try (Daemon d = start(pair.settingWithKeyOf(other))) {
            Archived a = archive(d, pair);

            for (String range : new String[]{null, "bytes=0-", "bytes=1000000-1000099"}) {
                HttpResponse<byte[]> answer = play(d, a, range);
                String body = new String(answer.body(), StandardCharsets.UTF_8);

                assertThat(answer.statusCode()).as(range + ": " + body).isEqualTo(503);
                assertThat(body).as(String.valueOf(range)).contains("twilio.encryption.private-key." + KEY_SID).contains("does not open")
                        .doesNotContain("failed authentication");
            }
        }
    }

    @Test
    void theArchiveAuthenticatesTheStoredObjectAndBindsThatToItsETagAndSize() throws Exception {
        RecordingKeyPair pair = RecordingKeyPair.generate(KEY_SID, dir);
        try (Daemon d = start(pair.setting()); RecordingStore store = RecordingStores.open(env.config().storage())) {
            Archived a = archive(d, pair);
            var object = store.head(a.row().s3Key()).orElseThrow();

            JsonNode seal = new ObjectMapper().readTree(a.row().metadataJson()).path("authentication");
            assertThat(seal.path("authentic").asBoolean(false)).as(seal.toString()).isTrue();
            assertThat(seal.path("etag").asText()).isEqualTo(object.etag());
            assertThat(seal.path("size").asLong()).isEqualTo(object.size()).isEqualTo(wav.length + 16L);
            assertThat(Instant.parse(seal.path("at").asText())).isBefore(Instant.now().plusSeconds(1));
        }
    }
}
