package dev.callvault.testing;

import dev.callvault.audio.PcmReader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Decodes what the recorder wrote back to 8 kHz samples: WAV by its header, MP3 through the production reader. */
public final class AudioFiles {
    private AudioFiles() {
    }

    public static short[] decode(Path file) throws IOException {
        return file.toString().endsWith(".mp3") ? mp3(file) : wav(Files.readAllBytes(file));
    }

    public static short[] wav(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.position(44);
        short[] s = new short[b.remaining() / 2];
        b.asShortBuffer().get(s);
        return s;
    }

    /** Through the production reader, whose clock Mp3TimingTest checks against a click of known position. */
    public static short[] mp3(Path file) throws IOException {
        short[][] out = {new short[8000 * 60]};
        int[] n = {0};
        try (InputStream in = Files.newInputStream(file)) {
            PcmReader.read(in, "mp3", new PcmReader.Sink() {
                @Override
                public void format(int sampleRate, int channels) {
                    if (sampleRate != 8000 || channels != 1) {
                        throw new IllegalStateException("the recorder wrote " + channels + " channels at " + sampleRate + " Hz");
                    }
                }

                @Override
                public void samples(short[] samples, int frames) {
                    if (n[0] + frames > out[0].length) {
                        out[0] = Arrays.copyOf(out[0], Math.max(out[0].length * 2, n[0] + frames));
                    }
                    System.arraycopy(samples, 0, out[0], n[0], frames);
                    n[0] += frames;
                }
            });
        }
        return Arrays.copyOf(out[0], n[0]);
    }
}
