package dev.callvault.daemon;

import dev.callvault.db.RecordingRepository;
import dev.callvault.db.RecordingRow;
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
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /play} of Twilio's encrypted recordings, archived by the daemon from their callback: a private key of another
 * pair is told apart from altered bytes.
 */
class EncryptedPlaybackTest {
    private static final String KEY_SID = "CR" + "fedcba9876543210".repeat(2);

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
}
