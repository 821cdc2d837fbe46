package dev.callvault.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.callvault.db.CallRepository;
import dev.callvault.db.RecordingRow;
import dev.callvault.privacy.Eraser;
import dev.callvault.privacy.Privacy;
import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.RecordingStores;
import dev.callvault.testing.Environment;
import dev.callvault.testing.StandInRecording;
import dev.callvault.testing.SyntheticCall;
import dev.callvault.testing.TwilioStandIn;
import dev.callvault.twilio.TwilioRecordings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Phone numbers are personal data: a whole run of a call's life (the voice webhook, its media stream, Twilio's
 * recording archived, the console's search by number, a hold, retention and erasure) writes none to the log at INFO or
 * above, in any format.
 */
class LogPrivacyTest {
    private static final String CALLER = "+14155550102";
    private static final String CALLED = "+18005550199";

    @RegisterExtension
    static final Environment env = new Environment();

    private final DaemonHarness harness = new DaemonHarness(env);

    @Test
    void noPhoneNumberReachesTheLogAtInfoOrAbove() throws Exception {
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger ours = (Logger) LoggerFactory.getLogger("dev.callvault");
        Level before = ours.getLevel();
        ours.setLevel(Level.INFO); // everything INFO and above, whatever the test configuration says
        log.start();
        root.addAppender(log);
        try (Daemon d = harness.start(Map.of("recording.enabled", "true", "recording.format", "wav", "privacy.hash-secret", "log-privacy-secret-01"))) {
            SyntheticCall call = SyntheticCall.standard(TwilioStandIn.ACCOUNT_SID);
            Map<String, String> start = Map.of("CallSid", call.callSid, "AccountSid", TwilioStandIn.ACCOUNT_SID, "From", CALLER, "To", CALLED,
                    "Caller", CALLER, "Called", CALLED, "CallStatus", "ringing");
            assertThat(harness.post(d, "/twiml", start, DaemonHarness.PUBLIC_URL + "/twiml").statusCode()).isEqualTo(200);
            try (MediaClient stream = MediaClient.open(d.port())) {
                stream.send(call.all());
            }
            String recordingSid = dev.callvault.testing.Sids.recording();
            env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, call.callSid, recordingSid, Instant.now(), 32 * 1024));
            assertThat(harness.postSigned(d, DaemonHarness.callback(call.callSid, recordingSid, "completed")).statusCode()).isEqualTo(204);
            DaemonHarness.await("Twilio's recording archived", Duration.ofSeconds(60), () -> rows(call.callSid).stream()
                    .anyMatch(r -> recordingSid.equals(r.recordingSid()) && r.completed()));
            for (String typed : List.of("4155550102", "%2B1%20415%20555%200102", "0102")) {
                assertThat(harness.get(d, "/api/v1/calls?number=" + typed, "Authorization", "Bearer " + DaemonHarness.API_TOKEN).statusCode()).isEqualTo(200);
            }
            assertThat(harness.get(d, "/api/v1/calls?number=no-digits", "Authorization", "Bearer " + DaemonHarness.API_TOKEN).statusCode()).isEqualTo(400);

            Clock clock = Clock.systemUTC();
            var config = env.config(Map.of("privacy.hash-secret", "log-privacy-secret-01", "retention.days", "1"));
            try (RecordingStore store = RecordingStores.open(env.config().storage())) {
                Privacy now = new Privacy(config, env.db(), store, new TwilioRecordings(config.twilio()), clock);
                Privacy later = new Privacy(config, env.db(), store, new TwilioRecordings(config.twilio()), Clock.offset(clock, Duration.ofDays(3)));
                now.holds().place(null, CALLER, "dispute 4411", "carol", null);
                later.retention().apply(false);
                now.holds().list(false).forEach(h -> now.holds().remove(h.id(), "settled", "carol"));
                now.eraser().erase(new Eraser.Request(CALLER, null, null, null, "GDPR request", "dpo"));
            }
            assertThat(new CallRepository(env.db().jdbi()).findBySid(call.callSid).orElseThrow().fromNumber()).as("erased").isNull();
        } finally {
            root.detachAppender(log);
            ours.setLevel(before);
        }
        List<String> lines = log.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.INFO))
                .map(e -> e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : " " + e.getThrowableProxy().getMessage())).toList();
        assertThat(lines).as("lines logged at INFO or above").hasSizeGreaterThan(10);
        assertThat(lines).as("lines with a phone number").noneMatch(l -> l.replaceAll("[^0-9]", "").contains("4155550102")
                || l.replaceAll("[^0-9]", "").contains("8005550199"));
    }

    private List<RecordingRow> rows(String callSid) {
        var call = new CallRepository(env.db().jdbi()).findBySid(callSid);
        return call.map(c -> new dev.callvault.db.RecordingRepository(env.db().jdbi()).findByCall(c.id())).orElse(List.of());
    }
}
