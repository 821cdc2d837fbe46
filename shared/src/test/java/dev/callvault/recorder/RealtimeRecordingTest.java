package dev.callvault.recorder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
        StreamInfo info = new StreamInfo(call.accountSid, call.callSid, call.streamSid, "a", format, Instant.now(),
                Map.of("user", UUID.randomUUID(), "assistant", UUID.randomUUID(), "mixed", UUID.randomUUID()), Map.of(), "test", false);
        RealtimeRecording r = new RealtimeRecording(dir.resolve("s"), info);
        for (String message : call.media(0, 30)) {
            JsonNode m = JSON.readTree(message).get("media");
            r.media(m.get("track").asText(), Long.parseLong(m.get("timestamp").asText()), Base64.getDecoder().decode(m.get("payload").asText()));
        }

        Map<String, Path> files = r.finish(30_000);

        Tones.assertTones(AudioFiles.decode(files.get("user")), call.callerSpeaks(), new double[0][]);
        Tones.assertTones(AudioFiles.decode(files.get("assistant")), new double[0][], call.assistantSpeaks());
        Tones.assertTones(AudioFiles.decode(files.get("mixed")), call.callerSpeaks(), call.assistantSpeaks());
    }
}
