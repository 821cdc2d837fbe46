package dev.callvault.daemon;

import dev.callvault.db.CallRepository;
import dev.callvault.db.CallRow;
import dev.callvault.privacy.Privacy;
import dev.callvault.privacy.Retention;
import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.RecordingStores;
import dev.callvault.testing.Environment;
import dev.callvault.testing.Sids;
import dev.callvault.testing.TwilioStandIn;
import dev.callvault.twilio.TwilioRecordings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Clock;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A call reaches its assistant by {@code ?assistant=ID} or by the number it called (the assistant's {@code numbers}):
 * either way it is stored as that assistant's call, so the assistant's policies follow it. Retention first: a call kept
 * 90 days by its assistant's policy must not go after the default 30.
 */
class CallAssistantTest {
    private static final Map<String, String> SALES = Map.of("assistant.sales.numbers", "+18005550100", "assistant.sales.retention.days", "90",
            "retention.days", "30", "privacy.hash-secret", "call-assistant-secret-0123");

    @RegisterExtension
    static final Environment env = new Environment();

    private final DaemonHarness harness = new DaemonHarness(env);

    private CallRow started(Daemon d, String query, String to) throws Exception {
        String callSid = Sids.call();
        Map<String, String> form = Map.of("CallSid", callSid, "AccountSid", TwilioStandIn.ACCOUNT_SID, "From", "+14155550102", "To", to,
                "CallStatus", "ringing");
        assertThat(harness.post(d, "/twiml" + query, form, DaemonHarness.PUBLIC_URL + "/twiml" + query).statusCode()).isEqualTo(200);
        return new CallRepository(env.db().jdbi()).findBySid(callSid).orElseThrow();
    }

    @Test
    void aCallThatReachesAnAssistantByItsNumberIsKeptAsLongAsThatAssistantsPolicySays() throws Exception {
        try (Daemon d = harness.start(SALES); RecordingStore store = RecordingStores.open(env.config().storage())) {
            CallRow byNumber = started(d, "", "+18005550100");
            CallRow byName = started(d, "?assistant=sales", "+18005550199");
            CallRow neither = started(d, "", "+18005550199");

            Retention retention = new Privacy(env.config(SALES), env.db(), store, new TwilioRecordings(env.config().twilio()), Clock.systemUTC()).retention();

            assertThat(byNumber.assistant()).as("the assistant whose number it called").isEqualTo("sales");
            assertThat(retention.schedule(byNumber).whole().orElseThrow().policy()).isEqualTo("assistant.sales.retention.days = 90");
            assertThat(retention.schedule(byName).whole().orElseThrow().policy()).isEqualTo("assistant.sales.retention.days = 90");
            assertThat(neither.assistant()).isNull();
            assertThat(retention.schedule(neither).whole().orElseThrow().policy()).isEqualTo("retention.days = 30");
        }
    }
}
