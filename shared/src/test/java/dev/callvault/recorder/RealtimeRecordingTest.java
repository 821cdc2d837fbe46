package dev.callvault.recorder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.testing.AudioFiles;
import dev.callvault.testing.Goertzel;
import dev.callvault.testing.SyntheticCall;
import dev.callvault.testing.TwilioStandIn;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class RealtimeRecordingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"wav", "mp3"})
    void placesEachTrackByTimestampAndMixesThem(String format, @TempDir Path dir) throws Exception {
        SyntheticCall call = SyntheticCall.standard(TwilioStandIn.ACCOUNT_SID);
        StreamInfo info = new StreamInfo(call.accountSid, call.callSid, call.streamSid, "a", format, Instant.now(),
                Map.of("user", UUID.randomUUID(), "assistant", UUID.randomUUID(), "mixed", UUID.randomUUID()), Map.of(), "test");
        RealtimeRecording r = new RealtimeRecording(dir.resolve("s"), info);
        for (String message : call.media(0, 30)) {
            JsonNode m = JSON.readTree(message).get("media");
            r.media(m.get("track").asText(), Long.parseLong(m.get("timestamp").asText()), Base64.getDecoder().decode(m.get("payload").asText()));
        }

        Map<String, Path> files = r.finish(30_000);

        ToneCheck.assertTones(AudioFiles.decode(files.get("user")), call.callerSpeaks(), new double[0][]);
        ToneCheck.assertTones(AudioFiles.decode(files.get("assistant")), new double[0][], call.assistantSpeaks());
        ToneCheck.assertTones(AudioFiles.decode(files.get("mixed")), call.callerSpeaks(), call.assistantSpeaks());
    }

    /** Listens to decoded audio in 100 ms windows and checks which tone sounds where (±40 ms at the edges). */
    static final class ToneCheck {
        static void assertTones(short[] audio, double[][] caller, double[][] assistant) {
            assertThat(audio.length / 8000.0).as("duration").isCloseTo(30.0, org.assertj.core.data.Offset.offset(0.15));
            for (int w = 0; w + 800 <= Math.min(audio.length, 30 * 8000); w += 800) {
                double t0 = w / 8000.0;
                double t1 = t0 + 0.1;
                check(audio, w, t0, t1, caller, SyntheticCall.CALLER_HZ);
                check(audio, w, t0, t1, assistant, SyntheticCall.ASSISTANT_HZ);
            }
        }

        private static void check(short[] audio, int w, double t0, double t1, double[][] spans, int hz) {
            boolean on = SyntheticCall.speaks(spans, t0 + 0.045) && SyntheticCall.speaks(spans, t1 - 0.045);
            boolean off = !SyntheticCall.speaks(spans, t0 - 0.04) && !SyntheticCall.speaks(spans, t1 + 0.04);
            double p = Goertzel.power(audio, w, 800, hz);
            if (on) {
                assertThat(p).as(hz + " Hz at " + t0 + " s").isGreaterThan(0.01);
            } else if (off) {
                assertThat(p).as("no " + hz + " Hz at " + t0 + " s").isLessThan(0.001);
            }
        }
    }
}
