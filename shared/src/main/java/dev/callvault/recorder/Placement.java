package dev.callvault.recorder;

import dev.callvault.audio.AudioSink;

import java.io.IOException;

/**
 * Puts one track's frames into its sink by timestamp: a gap becomes silence, audio that overlaps what is already
 * written (a late or repeated frame) is dropped, so the track stays aligned to the stream's clock.
 */
final class Placement {
    private static final short[] SILENCE = new short[1600];
    private final AudioSink sink;

    Placement(AudioSink sink) {
        this.sink = sink;
    }

    void place(long startSample, short[] pcm) throws IOException {
        long pos = sink.samples();
        int skip = 0;
        if (startSample > pos) {
            silence(startSample - pos);
        } else if (startSample < pos) {
            skip = (int) Math.min(pcm.length, pos - startSample);
        }
        if (skip < pcm.length) {
            sink.write(pcm, skip, pcm.length - skip);
        }
    }

    void padTo(long endSample) throws IOException {
        if (endSample > sink.samples()) {
            silence(endSample - sink.samples());
        }
    }

    private void silence(long n) throws IOException {
        while (n > 0) {
            int chunk = (int) Math.min(n, SILENCE.length);
            sink.write(SILENCE, 0, chunk);
            n -= chunk;
        }
    }

    AudioSink sink() {
        return sink;
    }
}
