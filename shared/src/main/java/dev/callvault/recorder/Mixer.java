package dev.callvault.recorder;

import dev.callvault.audio.AudioSink;

import java.io.IOException;
import java.util.Arrays;

/**
 * Sums the caller's and the assistant's tracks into the mixed track as frames arrive. Output advances to where
 * both tracks have audio, or to one second behind the track that is ahead (a track silent for longer than that
 * sends no frames), so memory stays at about a second per call however long it runs.
 */
final class Mixer {
    static final int LAG = 8000; // one second at 8 kHz

    private final AudioSink sink;
    private final short[][] buffers = {new short[LAG * 2], new short[LAG * 2]};
    private final short[] out = new short[LAG];
    private final long[] ends = new long[2];
    private long position;

    Mixer(AudioSink sink) {
        this.sink = sink;
    }

    /** {@code track} 0 is the caller, 1 the assistant. */
    void add(int track, long startSample, short[] pcm) throws IOException {
        long end = startSample + pcm.length;
        if (end <= position) {
            return; // already mixed without it
        }
        int from = (int) Math.max(0, position - startSample);
        int at = (int) (startSample + from - position);
        ensure(track, at + pcm.length - from);
        System.arraycopy(pcm, from, buffers[track], at, pcm.length - from);
        ends[track] = Math.max(ends[track], end);
        long ready = Math.max(Math.min(ends[0], ends[1]), Math.max(ends[0], ends[1]) - LAG);
        emit(ready);
    }

    /** Mixes everything up to {@code endSample}, silence included. */
    void finish(long endSample) throws IOException {
        emit(Math.max(endSample, Math.max(ends[0], ends[1])));
    }

    private void emit(long upTo) throws IOException {
        while (upTo > position) {
            int n = (int) Math.min(upTo - position, LAG);
            ensure(0, n);
            ensure(1, n);
            for (int i = 0; i < n; i++) {
                int sum = buffers[0][i] + buffers[1][i];
                out[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, sum));
            }
            sink.write(out, 0, n);
            for (short[] b : buffers) {
                System.arraycopy(b, n, b, 0, b.length - n);
                Arrays.fill(b, b.length - n, b.length, (short) 0);
            }
            position += n;
        }
    }

    private void ensure(int track, int length) {
        if (buffers[track].length < length) {
            buffers[track] = Arrays.copyOf(buffers[track], Math.max(length, buffers[track].length * 2));
        }
    }
}
