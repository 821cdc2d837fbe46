package dev.callvault.pause;

import dev.callvault.calls.CallView;
import dev.callvault.db.CallRepository;
import dev.callvault.db.CallRow;
import dev.callvault.db.PauseRepository;
import dev.callvault.testing.Environment;
import dev.callvault.testing.Rows;
import dev.callvault.testing.Sids;
import dev.callvault.twilio.TwilioRecordings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** Pauses of a call that no real-time recorder records here: Twilio's recording alone, and the call's end as Twilio tells it. */
class PausesTest {
    @RegisterExtension
    static final Environment env = new Environment();

    private Pauses pauses() {
        return new Pauses(env.db(), null, new TwilioRecordings(env.config().twilio()),
                () -> new Pauses.Settings("silence", Duration.ofSeconds(3), Duration.ofMillis(20)), Clock.systemUTC());
    }

    @Test
    void aPauseOfACallTwilioAloneRecordsEndsWhenTwilioSaysTheCallIsOver() {
        String callSid = Sids.call();
        Rows.call(env.db(), callSid);
        try (Pauses pauses = pauses()) {
            CallRow call = pauses.call(callSid).orElseThrow();
            Pauses.Result paused = pauses.pause(call, "card payment", "support-bot");

            assertThat(paused.outcome()).isEqualTo(Pauses.Outcome.PAUSED);
            assertThat(paused.twilio()).isEqualTo("paused");
            assertThat(paused.twilioFailed()).isFalse();
            assertThat(pauses.endWithEndedCalls()).as("a live call's pause stays open").isZero();

            new CallRepository(env.db().jdbi()).ended(callSid, Instant.now(), true);
            int ended = pauses.endWithEndedCalls();
            Pauses.Result resumed = pauses.resume(call, "support-bot");

            assertThat(ended).isEqualTo(1);
            PauseRepository.Pause p = Pauses.of(env.db().jdbi(), call.id()).get(0);
            assertThat(p.endedAt()).isNotNull();
            assertThat(p.endedWithCall()).isTrue();
            assertThat(CallView.pauseWords(p)).contains("by support-bot (card payment): Twilio's recording paused; the call ended while paused");
            assertThat(resumed.outcome()).isEqualTo(Pauses.Outcome.CALL_ENDED);
            assertThat(env.twilio().recordingUpdates()).extracting(u -> u.status()).containsExactly("paused");
        }
    }
}
