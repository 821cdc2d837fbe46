package dev.callvault.testing;

import de.sciss.jump3r.lowlevel.LameDecoder;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Decodes what the recorder wrote back to 8 kHz samples: WAV by its header, MP3 through jump3r's decoder. */
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

    /**
     * jump3r's decoder writes one frame's samples into the buffer's array per call but does not say how many; its
     * running sample count (a private field) tells, and stops growing at the end of the file.
     */
    public static short[] mp3(Path file) {
        LameDecoder decoder = new LameDecoder(file.toString());
        short[] out = new short[8000 * 60];
        int n = 0;
        ByteBuffer frame = ByteBuffer.allocate(1152 * 2 * 2).order(ByteOrder.LITTLE_ENDIAN);
        try {
            java.lang.reflect.Field decoded = LameDecoder.class.getDeclaredField("wavsize");
            decoded.setAccessible(true);
            while (true) {
                int before = decoded.getInt(decoder);
                decoder.decode(frame, true);
                int samples = decoded.getInt(decoder) - before;
                if (samples <= 0) {
                    break;
                }
                if (n + samples > out.length) {
                    out = Arrays.copyOf(out, Math.max(out.length * 2, n + samples));
                }
                for (int i = 0; i < samples; i++) {
                    out[n++] = frame.getShort(i * 2);
                }
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this jump3r has no sample counter to read", e);
        } catch (RuntimeException endOfStream) {
            // jump3r signals the end of some files by failing to read another frame
        } finally {
            decoder.close();
        }
        // LAME's encoder delay plus mpglib's decoder delay for 8 kHz mono, which a gapless player trims (measured:
        // a tone written at sample 8000 decodes at 9682)
        int delay = Math.min(n, MP3_DELAY_SAMPLES);
        return Arrays.copyOfRange(out, delay, n);
    }

    static final int MP3_DELAY_SAMPLES = 1682;
}
