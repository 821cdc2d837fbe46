package dev.callvault.analysis;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The speech model's half of {@link VoiceActivity}: keeps the last seconds of a track at the model's 8 kHz and asks
 * the model, a batch of segments at a time, whether each segment holds speech. It must be sure ({@link #CONFIRM_P})
 * it heard speech in some 32 ms of the segment's first second, or the segment is sound that merely comes and goes (a
 * caller keying digits: DTMF tones 100 ms on, 100 ms off, which the energy takes for syllables). Reading at most a
 * second of each segment, it costs a fraction of running the model on every 32 ms of the track. Memory: a 4 s ring and
 * a batch of windows, 0.4 MB a track.
 */
final class SpeechConfirmation {
    static final double CONFIRM_P = 0.75;
    static final int CONFIRM_CHUNKS = 32;
    /** Chunks the model reads before a segment's start, to settle its state. */
    static final int WARM_CHUNKS = 3;
    static final int BATCH = 8;
    private static final int RING = 4 * SpeechModel.RATE;

    private final SpeechModel model;
    private final double step;
    private final int samplesPerFrame;
    private double position;
    private float previous;
    /** The track at 8 kHz, the last {@link #RING} samples: sample n at {@code ring[n % RING]}. */
    private final float[] ring = new float[RING];
    private long written;
    private final List<float[]> windows = new ArrayList<>();
    private final List<int[]> waiting = new ArrayList<>();
    private final Set<Integer> rejected = new HashSet<>();

    SpeechConfirmation(SpeechModel model, int sampleRate, double frameSeconds) {
        this.model = java.util.Objects.requireNonNull(model, "model");
        this.step = (double) SpeechModel.RATE / sampleRate;
        this.samplesPerFrame = (int) Math.round(SpeechModel.RATE * frameSeconds);
    }

    /** The frames after a segment's first by which its window is whole. */
    int framesToWindow() {
        return (CONFIRM_CHUNKS + 1) * SpeechModel.CHUNK / samplesPerFrame;
    }

    /** One sample of the track (any rate): as it is at 8 kHz, linearly interpolated from any other. */
    void sample(short s) {
        float x = s / 32768f;
        if (step == 1.0) {
            ring[(int) (written++ % RING)] = x;
            return;
        }
        double next = position + step;
        // output samples fall at whole positions between the previous input sample (position) and this one (next)
        for (long n = (long) Math.ceil(position); n < next; n++) {
            if (n >= written) {
                double t = (n - position) / step;
                ring[(int) (written++ % RING)] = (float) (previous + t * (x - previous));
            }
        }
        position = next;
        previous = x;
    }

    /**
     * The model's window for a segment that starts at frame {@code first}: {@link #WARM_CHUNKS} before it and
     * {@link #CONFIRM_CHUNKS} from it; null when part of it has left the ring (a track whose first frames were held
     * back for long), and then the segment is kept unconfirmed.
     */
    float[] capture(long first) {
        long from = first * samplesPerFrame - (long) WARM_CHUNKS * SpeechModel.CHUNK;
        float[] w = new float[(WARM_CHUNKS + CONFIRM_CHUNKS) * SpeechModel.CHUNK];
        for (int i = 0; i < w.length; i++) {
            long n = from + i;
            if (n >= 0 && n < written - RING) {
                return null;
            }
            if (n >= 0 && n < written) {
                w[i] = ring[(int) (n % RING)];
            }
        }
        return w;
    }

    /** Segment number {@code index} ({@code seconds} long) with its window, to be confirmed with the next batch. */
    void submit(int index, float[] window, double seconds) {
        if (window == null) {
            return;
        }
        int chunks = (int) Math.min(CONFIRM_CHUNKS, Math.ceil(seconds * SpeechModel.RATE / SpeechModel.CHUNK));
        windows.add(window);
        waiting.add(new int[]{index, Math.max(1, chunks)});
        if (windows.size() == BATCH) {
            run();
        }
    }

    /** Confirms what is still waiting; then {@link #heard} answers for every segment submitted. */
    void finish() {
        run();
    }

    boolean heard(int index) {
        return !rejected.contains(index);
    }

    private void run() {
        if (windows.isEmpty()) {
            return;
        }
        // the model stops once every segment is sure or has no chunk left to read: speech is sure within a few chunks
        boolean[] sure = new boolean[waiting.size()];
        float[][] p = model.probabilities(windows.toArray(new float[0][]), (step, q) -> {
            boolean settled = true;
            for (int b = 0; b < sure.length; b++) {
                int end = WARM_CHUNKS + waiting.get(b)[1];
                sure[b] |= step >= WARM_CHUNKS && step < end && q[b][step] >= CONFIRM_P;
                settled &= sure[b] || step >= end - 1;
            }
            return settled;
        });
        for (int b = 0; b < p.length; b++) {
            int[] segment = waiting.get(b);
            float top = 0;
            for (int c = WARM_CHUNKS; c < WARM_CHUNKS + segment[1]; c++) {
                top = Math.max(top, p[b][c]);
            }
            if (top < CONFIRM_P) {
                rejected.add(segment[0]);
            }
        }
        windows.clear();
        waiting.clear();
    }
}
