package dev.callvault.audio;

import de.sciss.jump3r.lowlevel.LameEncoder;

import javax.sound.sampled.AudioFormat;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Path;

/** A streaming mono MP3 (32 kbit/s, 8 kHz) through jump3r, LAME's Java port: encoded as the samples arrive. */
public final class Mp3Sink implements AudioSink {
    private final LameEncoder encoder;
    private final FileOutputStream out;
    private final byte[] pcm;
    private final byte[] mp3;
    private int pending;
    private long samples;

    public Mp3Sink(Path file) throws IOException {
        encoder = new LameEncoder(new AudioFormat(SAMPLE_RATE, 16, 1, true, false), 32, LameEncoder.CHANNEL_MODE_MONO,
                LameEncoder.QUALITY_MIDDLE, false);
        out = new FileOutputStream(file.toFile());
        pcm = new byte[encoder.getPCMBufferSize()];
        mp3 = new byte[Math.max(encoder.getMP3BufferSize(), 8192)];
    }

    @Override
    public void write(short[] s, int offset, int length) throws IOException {
        for (int i = 0; i < length; i++) {
            short v = s[offset + i];
            pcm[pending++] = (byte) v;
            pcm[pending++] = (byte) (v >> 8);
            if (pending == pcm.length) {
                encode();
            }
        }
        samples += length;
    }

    private void encode() throws IOException {
        if (pending > 0) {
            int n = encoder.encodeBuffer(pcm, 0, pending, mp3);
            out.write(mp3, 0, n);
            pending = 0;
        }
    }

    @Override
    public void sync() throws IOException {
        encode();
        out.flush();
        out.getFD().sync();
    }

    @Override
    public long samples() {
        return samples;
    }

    @Override
    public void close() throws IOException {
        encode();
        int n = encoder.encodeFinish(mp3);
        out.write(mp3, 0, n);
        encoder.close();
        out.getFD().sync();
        out.close();
    }
}
