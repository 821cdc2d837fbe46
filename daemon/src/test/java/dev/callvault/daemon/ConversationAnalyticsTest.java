package dev.callvault.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.analysis.Conversation;
import dev.callvault.testing.Environment;
import dev.callvault.testing.Sids;
import dev.callvault.testing.SpeechFixture;
import dev.callvault.testing.StandInRecording;
import dev.callvault.testing.TwilioStandIn;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A call's conversation analytics as the daemon makes them: from the real-time tracks when the stream ends, then from
 * Twilio's dual-channel recording once it is archived (Twilio's wins), in the API and in the metrics.
 */
class ConversationAnalyticsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final Environment env = new Environment();

    @TempDir
    Path state;

    private final DaemonHarness harness = new DaemonHarness(env);

    private JsonNode call(Daemon d, String callSid) throws Exception {
        var r = harness.get(d, "/api/v1/calls/" + callSid, "Authorization", "Bearer " + DaemonHarness.API_TOKEN);
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private String analyticsSource(Daemon d, String callSid) {
        try {
            var r = harness.get(d, "/api/v1/calls/" + callSid, "Authorization", "Bearer " + DaemonHarness.API_TOKEN);
            if (r.statusCode() == 404) {
                return null; // the stream's start not handled yet
            }
            JsonNode a = JSON.readTree(r.body()).path("analytics");
            return a.isNull() || a.isMissingNode() ? null : a.path("source").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aCallIsAnalysedFromItsRealtimeTracksThenFromTwiliosRecordingWhichWins() throws Exception {
        SpeechFixture f = SpeechFixture.load("conversation");
        Conversation truth = f.truth();
        String callSid = Sids.call();
        try (Daemon d = harness.start(Map.of("recording.enabled", "true", "recording.format", "mp3", "state-dir", state.toString()))) {
            try (MediaClient stream = MediaClient.open(d.port())) {
                stream.send(f.mediaStream(TwilioStandIn.ACCOUNT_SID, callSid, Sids.random("MZ")));
            }
            DaemonHarness.await("analytics from the real-time tracks", Duration.ofSeconds(60), () -> "realtime".equals(analyticsSource(d, callSid)));
            JsonNode realtime = call(d, callSid).get("analytics");
            assertMatchesTruth(realtime, truth);
            String metrics = new String(harness.manage(d, "/metrics").body(), StandardCharsets.UTF_8);
            assertThat(metrics).contains("callvault_response_latency_seconds_count{source=\"realtime\"} 4\n")
                    .contains("callvault_call_barge_ins_count{source=\"realtime\"} 1\n")
                    .contains("callvault_call_barge_ins_sum{source=\"realtime\"} 1.0");

            // Twilio's dual-channel recording of the same call arrives: it is read, and it wins
            StandInRecording r = env.twilio().add(StandInRecording.completed(TwilioStandIn.ACCOUNT_SID, callSid, Sids.recording(), Instant.now(), 0),
                    SpeechFixture.mp3(f.caller(), f.assistant()));
            assertThat(harness.postSigned(d, DaemonHarness.callback(callSid, r.sid(), "completed")).statusCode()).isEqualTo(204);
            DaemonHarness.await("analytics from Twilio's recording", Duration.ofSeconds(60), () -> "twilio".equals(analyticsSource(d, callSid)));
            JsonNode twilio = call(d, callSid).get("analytics");
            assertMatchesTruth(twilio, truth);
            assertThat(twilio.get("turns").asInt()).isEqualTo(realtime.get("turns").asInt());
            assertThat(new String(harness.manage(d, "/metrics").body(), StandardCharsets.UTF_8))
                    .contains("callvault_response_latency_seconds_count{source=\"twilio\"} 4\n");

            // the analysis decoded Twilio's recording and drew its waveform in the same pass: the same as decoding it alone
            String key = env.db().jdbi().withHandle(h -> h.createQuery("SELECT s3_key FROM recordings WHERE recording_sid = :s")
                    .bind("s", r.sid()).mapTo(String.class).one());
            try (var store = dev.callvault.storage.RecordingStores.open(env.config().storage())) {
                String peaks = dev.callvault.derived.Waveforms.key(key);
                DaemonHarness.await("the waveform of Twilio's recording", Duration.ofSeconds(60), () -> store.head(peaks).isPresent());
                try (var stored = store.get(peaks, 0, -1); var audio = store.get(key, 0, -1)) {
                    assertThat(new String(stored.readAllBytes(), StandardCharsets.UTF_8))
                            .isEqualTo(dev.callvault.peaks.Peaks.of(audio, "mp3").toJson());
                }
            }
        }
    }

    private static void assertMatchesTruth(JsonNode a, Conversation truth) {
        JsonNode each = a.get("response_latency_seconds").get("each");
        assertThat(each.size()).isEqualTo(truth.latencies().size());
        for (int i = 0; i < each.size(); i++) {
            // the fixture's noise sits at the truth's own -40 dBFS: the noisy set's 10 dB band (ConversationAnalysisTest)
            assertThat(each.get(i).asDouble()).as("latency " + (i + 1)).isCloseTo(truth.latencies().get(i), Offset.offset(0.100));
        }
        assertThat(a.get("barge_ins").asInt()).isEqualTo(truth.bargeIns());
        assertThat(a.get("turns").asInt()).isEqualTo(truth.turns());
        assertThat(a.get("caller_talk_seconds").asDouble()).isCloseTo(truth.callerTalk(), Offset.offset(0.03 * truth.callerTalk()));
        assertThat(a.get("assistant_talk_seconds").asDouble()).isCloseTo(truth.assistantTalk(), Offset.offset(0.03 * truth.assistantTalk()));
        assertThat(a.get("response_latency_seconds").get("max").asDouble()).isEqualTo(each.get(3).asDouble());
    }
}
