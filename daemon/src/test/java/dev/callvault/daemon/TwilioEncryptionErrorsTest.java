package dev.callvault.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import org.openqa.selenium.By;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static dev.callvault.daemon.ConsoleFixture.base;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Twilio's error callbacks of Voice Recording Encryption keep their meaning in the recording's row and show it where
 * people look: the call's API ({@code twilio_error}, and the origin in words) and the console's call page. 16105: the
 * recording was not stored, no valid public key; 16107: it was encrypted with an alternate public key.
 */
class TwilioEncryptionErrorsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final Environment env = new Environment();

    @TempDir
    static Path state;

    private final DaemonHarness harness = new DaemonHarness(env);
    private final ConsoleFixture console = new ConsoleFixture(env, harness, state);

    /** Twilio's callback for {@code recordingSid} with its status and error code, signed and sent; its row, once written. */
    private RecordingRow callback(Daemon d, String callSid, String recordingSid, String status, String errorCode) throws Exception {
        var p = DaemonHarness.callback(callSid, recordingSid, status);
        p.put("ErrorCode", errorCode);
        assertThat(harness.postSigned(d, p).statusCode()).isEqualTo(204);
        RecordingRepository rows = new RecordingRepository(env.db().jdbi());
        DaemonHarness.await("the " + status + " recording's row", Duration.ofSeconds(60),
                () -> rows.findByRecordingSid(recordingSid).map(r -> r.status().equals(status)).orElse(false));
        return rows.findByRecordingSid(recordingSid).orElseThrow();
    }

    private JsonNode recordingInApi(Daemon d, String callSid) throws Exception {
        HttpResponse<byte[]> r = harness.get(d, "/api/v1/calls/" + callSid, "Authorization", "Bearer " + DaemonHarness.API_TOKEN);
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
        JsonNode recordings = JSON.readTree(r.body()).path("recordings");
        assertThat(recordings).hasSize(1);
        return recordings.get(0);
    }

    @Test
    void a16105CallbackKeepsItsMeaningInTheRowAndTheApiShowsIt() throws Exception {
        String callSid = Sids.call();
        try (Daemon d = harness.start()) {
            RecordingRow row = callback(d, callSid, Sids.recording(), "failed", "16105");

            assertThat(JSON.readTree(row.metadataJson()).path("twilio_error").asText()).startsWith("16105: ").contains("no valid public key");
            JsonNode r = recordingInApi(d, callSid);
            assertThat(r.path("twilio_error").path("code").asText()).isEqualTo("16105");
            assertThat(r.path("twilio_error").path("meaning").asText()).startsWith("16105: ").contains("no valid public key");
            assertThat(r.path("origin").asText()).contains("16105: ");
        }
    }

    @Test
    void a16107CallbackKeepsItsMeaningOnTheArchivedRecordingAndTheApiShowsIt() throws Exception {
        String callSid = Sids.call();
        String recordingSid = Sids.recording();
        RecordingKeyPair alternate = RecordingKeyPair.generate("CR" + "a1".repeat(16), state);
        env.twilio().addEncrypted(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, callSid, recordingSid, Instant.now().minusSeconds(600), 0),
                RecordingKeyPair.wav(2), alternate.publicKey(), alternate.sid());
        try (Daemon d = harness.start()) {
            RecordingRow row = callback(d, callSid, recordingSid, "completed", "16107");

            assertThat(JSON.readTree(row.metadataJson()).path("twilio_error_code").asText()).isEqualTo("16107");
            JsonNode r = recordingInApi(d, callSid);
            assertThat(r.path("twilio_error").path("code").asText()).isEqualTo("16107");
            assertThat(r.path("twilio_error").path("meaning").asText()).startsWith("16107: ").contains("alternate public key");
            assertThat(r.path("origin").asText()).contains("16107: ").contains(alternate.sid());
        }
    }

    @Test
    void theCallPageSaysWhatTwilio16105Means() throws Exception {
        String callSid = Sids.call();
        try (Daemon d = console.start(Map.of()); Browser browser = Browser.start()) {
            callback(d, callSid, Sids.recording(), "failed", "16105");
            ConsoleFixture.signIn(browser, base(d));
            browser.driver.get(base(d) + "/ui/calls/" + callSid);
            browser.until("the recording's card", w -> !w.findElements(By.cssSelector("#recordings .recording")).isEmpty());

            assertThat(browser.text("#recordings .recording .twilio-error")).startsWith("16105: ").contains("no valid public key");
        }
    }
}
