package dev.callvault.audio;

import dev.callvault.testing.SpeechFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Times read from an MP3 are the times recorded: the codec's delay (LAME's 576 samples and the decoder's 529) is taken
 * off, and where the file says how it was padded, the padding too. Without it every segment from an MP3 started 0.14 s
 * (real-time recording) to 0.21 s (a stream-written file) late.
 */
class Mp3TimingTest {
    private static final int CLICK = 4000;
    private static final int LENGTH = 3 * 8000 + 123;

    @TempDir
    Path dir;

    /** Silence with one 2 ms burst at {@link #CLICK}: where it decodes is where the file's clock is. */
    private static short[] click() {
        short[] s = new short[LENGTH];
        for (int i = CLICK; i < CLICK + 16; i++) {
            s[i] = (short) (i % 2 == 0 ? 20000 : -20000);
        }
        return s;
    }

    @Test
    void ourRecordersMp3DecodesToTheSamplesRecordedAtTheirTimes() throws IOException {
        Path file = dir.resolve("track.mp3");
        try (Mp3Sink sink = new Mp3Sink(file)) {
            short[] s = click();
            sink.write(s, 0, s.length);
        }
        short[] decoded;
        try (InputStream in = Files.newInputStream(file)) {
            decoded = decode(in, 1);
        }
        assertThat(loudest(decoded)).isBetween(CLICK - 2, CLICK + 18);
        assertThat(decoded.length).as("the encoder's padding is taken off").isEqualTo(LENGTH);
    }

    @Test
    void aStreamWrittenMp3WithLamesUnfilledTagFrameIsOnTimeToo() throws IOException {
        // LameEncoder writes as a stream: its first frame stays the zeros LAME reserved for the tag
        byte[] mp3 = SpeechFixture.mp3(click(), new short[LENGTH]);
        short[] both = decode(new ByteArrayInputStream(mp3), 2);
        short[] left = new short[both.length / 2];
        for (int i = 0; i < left.length; i++) {
            left[i] = both[2 * i];
        }
        assertThat(loudest(left)).isBetween(CLICK - 2, CLICK + 18);
        // the end is not known without the tag: the last frame's padding stays (under one frame of 576)
        assertThat(left.length).isBetween(LENGTH, LENGTH + 576);
    }

    private static int loudest(short[] s) {
        int at = 0;
        for (int i = 0; i < s.length; i++) {
            if (Math.abs(s[i]) > Math.abs(s[at])) {
                at = i;
            }
        }
        return at;
    }

    private static short[] decode(InputStream in, int expectedChannels) throws IOException {
        short[][] out = {new short[0]};
        int[] length = {0};
        PcmReader.read(in, "mp3", new PcmReader.Sink() {
            @Override
            public void format(int sampleRate, int channels) {
                assertThat(channels).isEqualTo(expectedChannels);
            }

            @Override
            public void samples(short[] samples, int frames) {
                int n = frames * expectedChannels;
                if (length[0] + n > out[0].length) {
                    out[0] = Arrays.copyOf(out[0], Math.max(2 * out[0].length, length[0] + n));
                }
                System.arraycopy(samples, 0, out[0], length[0], n);
                length[0] += n;
            }
        });
        return Arrays.copyOf(out[0], length[0]);
    }
}
