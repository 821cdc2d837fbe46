package dev.callvault.twilio;

import dev.callvault.PermanentException;
import dev.callvault.testing.Environment;
import dev.callvault.testing.Sids;
import dev.callvault.testing.StandInRecording;
import dev.callvault.testing.TwilioStandIn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TwilioRecordingsTest {
    @RegisterExtension
    static final Environment env = new Environment();

    private StandInRecording recordingAt(String iso) {
        return env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, Sids.call(), Sids.recording(), Instant.parse(iso), 1000));
    }

    @Test
    void listsExactlyTheRecordingsInsideA25HourWindowSpanningThreeDaysAcrossPages() {
        Instant from = Instant.parse("2026-11-23T23:30:00Z");
        Instant to = Instant.parse("2026-11-25T00:30:00Z");
        List<String> inside = new ArrayList<>();
        recordingAt("2026-11-23T00:00:00Z");                       // same day as the start, before the window
        recordingAt("2026-11-23T23:29:59Z");                       // one second early
        inside.add(recordingAt("2026-11-23T23:30:00Z").sid());     // the first instant belongs to the window
        for (int h = 0; h < 24; h++) {
            inside.add(recordingAt("2026-11-24T%02d:15:00Z".formatted(h)).sid());
        }
        inside.add(recordingAt("2026-11-25T00:29:59Z").sid());
        recordingAt("2026-11-25T00:30:00Z");                       // the end is exclusive
        recordingAt("2026-11-25T18:00:00Z");
        recordingAt("2026-11-26T00:10:00Z");
        var twilio = new TwilioRecordings(env.config().twilio(), 7);

        List<TwilioRecording> listed = twilio.list(TwilioStandIn.ACCOUNT_SID, from, to, null);

        assertThat(listed).extracting(TwilioRecording::sid).containsExactlyInAnyOrderElementsOf(inside);
        assertThat(listed).extracting(TwilioRecording::dateCreated).isSorted();
        assertThat(env.twilio().requests()).as("followed the pages").hasSizeGreaterThanOrEqualTo(4)
                .allMatch(r -> r.startsWith("GET /2010-04-01/Accounts/" + TwilioStandIn.ACCOUNT_SID + "/Recordings.json"));
    }

    @Test
    void readsEveryFieldOfTheRecordingResource() {
        StandInRecording r = env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, Sids.call(), Sids.recording(),
                Instant.parse("2026-11-24T14:06:19Z"), 1000));
        var twilio = new TwilioRecordings(env.config().twilio());

        TwilioRecording fetched = twilio.fetch(TwilioStandIn.ACCOUNT_SID, r.sid());

        assertThat(fetched.sid()).isEqualTo(r.sid());
        assertThat(fetched.callSid()).isEqualTo(r.callSid());
        assertThat(fetched.status()).isEqualTo("completed");
        assertThat(fetched.channels()).isEqualTo(2);
        assertThat(fetched.durationSeconds()).isEqualByComparingTo("187");
        assertThat(fetched.dateCreated()).isEqualTo(Instant.parse("2026-11-24T14:06:19Z"));
        assertThat(fetched.startTime()).isEqualTo(Instant.parse("2026-11-24T14:03:12Z"));
        assertThat(fetched.source()).isEqualTo("StartCallRecordingAPI");
        assertThat(fetched.encrypted()).isFalse();
    }

    @Test
    void toleratesSourcesTwilioAddsLater() {
        StandInRecording r = env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, Sids.call(), Sids.recording(),
                Instant.parse("2026-11-24T14:06:19Z"), 1000).withSource("HolographicCallAPI"));
        var twilio = new TwilioRecordings(env.config().twilio());

        TwilioRecording fetched = twilio.fetch(TwilioStandIn.ACCOUNT_SID, r.sid());

        assertThat(fetched.sid()).isEqualTo(r.sid());
        assertThat(fetched.hasMedia()).isTrue();
    }

    @Test
    void badCredentialsArePermanentAndSaySo() {
        String sid = Sids.recording();
        var twilio = new TwilioRecordings(env.config(Map.of("twilio.auth-token", "wrong")).twilio());

        assertThatThrownBy(() -> twilio.fetch(TwilioStandIn.ACCOUNT_SID, sid))
                .isInstanceOf(PermanentException.class)
                .hasMessageContaining("refused the credentials for account " + TwilioStandIn.ACCOUNT_SID)
                .hasMessageNotContaining("wrong");
        assertThat(env.twilio().requests()).as("401 is not retried").hasSize(1);
    }

    @Test
    void deletesARecording() {
        StandInRecording r = recordingAt("2026-11-24T10:00:00Z");
        var twilio = new TwilioRecordings(env.config().twilio());

        twilio.delete(TwilioStandIn.ACCOUNT_SID, r.sid());

        assertThat(env.twilio().has(r.sid())).isFalse();
    }
}
