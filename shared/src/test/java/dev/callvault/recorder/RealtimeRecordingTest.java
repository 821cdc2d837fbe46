package dev.callvault.recorder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.peaks.Peaks;
import dev.callvault.testing.AudioFiles;
import dev.callvault.testing.Tones;
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


class RealtimeRecordingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"wav", "mp3"})
    void placesEachTrackByTimestampAndMixesThem(String format, @TempDir Path dir) throws Exception {
        SyntheticCall call = SyntheticCall.standard(TwilioStandIn.ACCOUNT_SID);
        RealtimeRecording r = recorded(call, format, dir);

        Map<String, Path> files = r.finish(30_000);

        Tones.assertTones(AudioFiles.decode(files.get("user")), call.callerSpeaks(), new double[0][]);
        Tones.assertTones(AudioFiles.decode(files.get("assistant")), new double[0][], call.assistantSpeaks());
        Tones.assertTones(AudioFiles.decode(files.get("mixed")), call.callerSpeaks(), call.assistantSpeaks());
    }

    /** The waveform drawn from the samples as they were written is loud exactly where each track speaks. */
    @ParameterizedTest
    @ValueSource(strings = {"wav", "mp3"})
    void drawsEachTracksWaveformAsItWrites(String format, @TempDir Path dir) throws Exception {
        SyntheticCall call = SyntheticCall.standard(TwilioStandIn.ACCOUNT_SID);
        RealtimeRecording r = recorded(call, format, dir);
        Map<String, Path> files = r.finish(30_000);
        Map<String, Peaks> peaks = r.peaks();

        loudExactlyWhere(peaks.get("user"), call.callerSpeaks());
        loudExactlyWhere(peaks.get("assistant"), call.assistantSpeaks());
        double[][] either = {{0, 22}, {20, 30}};
        loudExactlyWhere(peaks.get("mixed"), either);
        if (format.equals("wav")) { // lossless: the same waveform as the file's, pixel for pixel
            try (var in = java.nio.file.Files.newInputStream(files.get("user"))) {
                Peaks decoded = Peaks.of(in, "wav");
                org.assertj.core.api.Assertions.assertThat(peaks.get("user").toJson()).isEqualTo(decoded.toJson());
            }
        }
    }

    /** The standard call's 30 s of media, as Twilio sends it, written into a new recording. */
    private static RealtimeRecording recorded(SyntheticCall call, String format, Path dir) throws Exception {
        StreamInfo info = new StreamInfo(call.accountSid, call.callSid, call.streamSid, "a", format, Instant.now(),
                Map.of("user", UUID.randomUUID(), "assistant", UUID.randomUUID(), "mixed", UUID.randomUUID()), Map.of(), "test", false);
        RealtimeRecording r = new RealtimeRecording(dir.resolve("s"), info);
        for (String message : call.media(0, 30)) {
            JsonNode m = JSON.readTree(message).get("media");
            r.media(m.get("track").asText(), Long.parseLong(m.get("timestamp").asText()), Base64.getDecoder().decode(m.get("payload").asText()));
        }
        return r;
    }

    private static void loudExactlyWhere(Peaks p, double[][] spans) {
        org.assertj.core.api.Assertions.assertThat(p.seconds()).isCloseTo(30, org.assertj.core.data.Offset.offset(0.05));
        int loud = 0;
        int quiet = 0;
        for (int i = 0; i < p.length(); i++) {
            double from = (double) i * p.samplesPerPixel() / p.sampleRate();
            double to = (double) (i + 1) * p.samplesPerPixel() / p.sampleRate();
            boolean all = SyntheticCall.speaks(spans, from - 0.05) && SyntheticCall.speaks(spans, to + 0.05);
            boolean none = !SyntheticCall.speaks(spans, from - 0.05) && !SyntheticCall.speaks(spans, to + 0.05)
                    && !SyntheticCall.speaks(spans, (from + to) / 2);
            if (all) {
                org.assertj.core.api.Assertions.assertThat(p.max(i, 0)).as("pixel %d at %.2f s", i, from).isGreaterThan(20);
                loud++;
            } else if (none) {
                org.assertj.core.api.Assertions.assertThat(p.max(i, 0)).as("pixel %d at %.2f s", i, from).isLessThan(3);
                quiet++;
            }
        }
        org.assertj.core.api.Assertions.assertThat(loud + quiet).isGreaterThan(p.length() * 9 / 10);
    }
}
