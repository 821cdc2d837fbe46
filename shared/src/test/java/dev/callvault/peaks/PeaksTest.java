package dev.callvault.peaks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.audio.AudioSink;
import dev.callvault.audio.Mp3Sink;
import dev.callvault.audio.WavSink;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Waveform peaks: loud where the audio is loud, per channel, in audiowaveform's JSON, from MP3 and WAV. */
class PeaksTest {
    @TempDir
    Path dir;

    /** 20 s at 8 kHz: a 440 Hz tone at half scale from 5 s to 8 s, silence elsewhere. */
    private static short[] toneAt5To8() {
        short[] s = new short[20 * 8000];
        for (int i = 5 * 8000; i < 8 * 8000; i++) {
            s[i] = (short) (16000 * Math.sin(2 * Math.PI * 440 * i / 8000.0));
        }
        return s;
    }

    @ParameterizedTest
    @ValueSource(strings = {"mp3", "wav"})
    void loudWhereTheToneIsAndQuietElsewhere(String format) throws IOException {
        Path file = dir.resolve("tone." + format);
        try (AudioSink sink = format.equals("mp3") ? new Mp3Sink(file) : new WavSink(file)) {
            short[] s = toneAt5To8();
            sink.write(s, 0, s.length);
        }
        Peaks p;
        try (InputStream in = Files.newInputStream(file)) {
            p = Peaks.of(in, format);
        }
        assertThat(p.channels()).isEqualTo(1);
        assertThat(p.sampleRate()).isEqualTo(8000);
        assertThat(p.seconds()).isBetween(19.9, 20.4);
        double perPixel = (double) p.samplesPerPixel() / p.sampleRate();
        for (int i = 0; i < p.length(); i++) {
            double t = i * perPixel;
            int amplitude = Math.max(p.max(i, 0), -p.min(i, 0));
            // MP3 smears an edge over a frame or two (the codec delay itself is taken off)
            if (t > 5.3 && t < 7.9) {
                assertThat(amplitude).as("at %.2f s", t).isGreaterThan(40);
            } else if (t < 4.9 || t > 8.4) {
                assertThat(amplitude).as("at %.2f s", t).isLessThan(8);
            }
        }
    }

    @Test
    void twoChannelsStayApartAndTheJsonIsAudiowaveformsVersion2() throws IOException {
        // stereo WAV: channel 0 loud in the first second, channel 1 in the second
        int n = 2 * 8000;
        ByteBuffer b = ByteBuffer.allocate(44 + n * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(36 + n * 4).put("WAVE".getBytes()).put("fmt ".getBytes()).putInt(16).putShort((short) 1)
                .putShort((short) 2).putInt(8000).putInt(32000).putShort((short) 4).putShort((short) 16)
                .put("data".getBytes()).putInt(n * 4);
        for (int i = 0; i < n; i++) {
            short v = (short) (20000 * Math.sin(2 * Math.PI * 1000 * i / 8000.0));
            b.putShort(i < 8000 ? v : 0).putShort(i < 8000 ? 0 : v);
        }
        Peaks p = Peaks.of(new ByteArrayInputStream(b.array()), "wav");
        assertThat(p.channels()).isEqualTo(2);
        assertThat(p.length()).isEqualTo(200);
        assertThat(p.max(50, 0)).isGreaterThan(60);
        assertThat(p.max(50, 1)).isZero();
        assertThat(p.max(150, 0)).isZero();
        assertThat(p.max(150, 1)).isGreaterThan(60);

        JsonNode json = new ObjectMapper().readTree(p.toJson());
        assertThat(json.get("version").asInt()).isEqualTo(2);
        assertThat(json.get("channels").asInt()).isEqualTo(2);
        assertThat(json.get("sample_rate").asInt()).isEqualTo(8000);
        assertThat(json.get("samples_per_pixel").asInt()).isEqualTo(80);
        assertThat(json.get("bits").asInt()).isEqualTo(8);
        assertThat(json.get("length").asInt()).isEqualTo(200);
        assertThat(json.get("data").size()).isEqualTo(200 * 2 * 2);
        assertThat(Peaks.parse(p.toJson())).usingRecursiveComparison().isEqualTo(p);
    }

    @Test
    void aLongRecordingIsHalvedToAtMostMaxPixelsKeepingItsExtremes() throws IOException {
        // two hours of silence with one loud sample near the end
        int n = 2 * 3600 * 8000;
        ByteBuffer b = ByteBuffer.allocate(44 + n * 2).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(36 + n * 2).put("WAVE".getBytes()).put("fmt ".getBytes()).putInt(16).putShort((short) 1)
                .putShort((short) 1).putInt(8000).putInt(16000).putShort((short) 2).putShort((short) 16)
                .put("data".getBytes()).putInt(n * 2);
        b.putShort(44 + (n - 1000) * 2, Short.MAX_VALUE);
        Peaks p = Peaks.of(new ByteArrayInputStream(b.array()), "wav");
        assertThat(p.length()).isLessThanOrEqualTo(Peaks.MAX_PIXELS);
        assertThat(p.seconds()).isCloseTo(7200, org.assertj.core.data.Offset.offset(p.samplesPerPixel() / 8000.0));
        int loud = 0;
        for (int i = 0; i < p.length(); i++) {
            loud += p.max(i, 0) == 127 ? 1 : 0;
        }
        assertThat(loud).isEqualTo(1);
    }

    @Test
    void bytesThatAreNotAudioAreRefusedWithTheReason() {
        assertThatThrownBy(() -> Peaks.of(new ByteArrayInputStream("<html>not found</html>".getBytes()), "mp3"))
                .isInstanceOf(IOException.class).hasMessageContaining("MP3");
        assertThatThrownBy(() -> Peaks.of(new ByteArrayInputStream("<html>not found</html>".getBytes()), "wav"))
                .isInstanceOf(IOException.class).hasMessageContaining("WAV");
    }
}
