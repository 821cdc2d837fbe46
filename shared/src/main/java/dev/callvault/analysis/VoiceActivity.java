package dev.callvault.analysis;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds one party's speech in telephone audio (8 kHz, or any rate): the energy of each 10 ms frame against a noise
 * floor that follows the line's hiss (a low percentile of the smoothed frame energies of the last three seconds,
 * minimum statistics: a pause between words always reaches it and a sentence does not raise it), with hysteresis (speech starts {@link #ON_DB} dB above the floor and lasts
 * while it stays {@link #OFF_DB} dB above) and a {@link #HANGOVER_S} hangover that bridges the pauses between words.
 * A segment's edges are its first and last frame above the floor by {@link #EDGE_DB}, in one run with its loud ones:
 * the hangover joins words, it never lengthens a turn. Chosen
 * over a spectral or learned detector because a phone line's noise is steady, the two parties are already on their
 * own tracks, and this runs at thousands of times real time; the fixtures of real speech at 20 dB SNR bound its error.
 */
public final class VoiceActivity {
    static final double FRAME_S = 0.010;
    static final double ON_DB = 9;
    static final double OFF_DB = 4;
    /** How far back a segment's start may reach over quieter frames before the one that crossed {@link #ON_DB}. */
    static final int LOOK_BACK_FRAMES = 25;
    /**
     * A segment's edges reach out from its loud frames over the run of frames just above the floor by this much: the
     * soft start of a word and the quiet tail of a sentence, which noise half covers. Measured on bench/vad's 37 calls
     * (WAV, latencies within 60 ms at 30/20/10/5 dB SNR): at 4 dB (OFF_DB, as before) 100/79/40/21 %, at 3 dB
     * 100/90/43/21 %, at 1.5 dB 100/100/60/36 %; but below 3 dB the first fixtures' calls (another level and voice
     * mix) read a sentence's end 70 ms past its audible edge, so 3 dB it is until a second opinion (issue 24) decides.
     */
    static final double EDGE_DB = 3.0;
    static final double HANGOVER_S = 0.45;
    static final double MIN_SPEECH_S = 0.08;
    /** The floor: the 5th percentile of the smoothed frame energies of the last {@link #FLOOR_WINDOW_S}. */
    static final double FLOOR_WINDOW_S = 3.0;
    static final double FLOOR_PERCENTILE = 0.05;
    static final double SMOOTHING = 0.3;
    /**
     * Frames quieter than this (an RMS under 4 of 32768) are digital silence: a codec's padding or a muted line, never
     * speech, and no measure of the line's noise (a floor taken from them would make all hiss look like speech).
     */
    static final double DIGITAL_SILENCE_DB = 12;
    /**
     * A segment whose frame energies spread less than this (their standard deviation, dB) is a step of the line's noise,
     * not speech: speech comes in syllables, 10-30 dB apart from the pauses between them, while steady noise varies by
     * under a decibel from one 10 ms frame to the next (white noise at 8 kHz: 0.7 dB). Without it a noise that rises
     * by 10 dB is "speech" until the floor's window has caught up, 3 s later.
     */
    static final double MIN_SPREAD_DB = 2.0;

    private final int frameSamples;
    private final List<Segment> segments = new ArrayList<>();
    static final int PRIME_FRAMES = 50;
    /** Frames after digital silence that the floor does not learn from (an MP3 decoder's ramp is 50-100 ms). */
    static final int RAMP_FRAMES = 10;
    private int sinceSilence;
    private final List<Double> held = new ArrayList<>();
    private int heldSound;
    private boolean primed;
    private double floor = Double.NaN;
    private double smoothed = Double.NaN;
    private final SlidingPercentile minimum = new SlidingPercentile((int) Math.round(FLOOR_WINDOW_S / FRAME_S), FLOOR_PERCENTILE);
    private double sum;
    private int inFrame;
    private long frame;
    private long firstLoud = -1;
    private long lastLoud = -1;
    private long tail = -1;
    private boolean speaking;
    /** The open segment's frame energies: count, mean and sum of squared deviations (Welford), for its spread. */
    private long spreadFrames;
    private double spreadMean;
    private double spreadSquares;
    /** The last frames' margins over the floor (dB), to find where a segment's soft start began. */
    private final double[] recent = new double[LOOK_BACK_FRAMES];

    /**
     * The speech model confirms each segment the energy finds: it must be sure ({@link #CONFIRM_P}) it heard speech in
     * some 32 ms of the segment's first second, or the segment is sound that merely comes and goes (a caller keying
     * digits: DTMF tones 100 ms on, 100 ms off, which the energy takes for syllables). Run on at most a second of each
     * segment, a batch of segments at a time, it costs a fraction of running it on every 32 ms of the track; the
     * energy detector keeps placing the edges, which the model (32 ms steps, a recurrent state that lags) places worse.
     */
    static final double CONFIRM_P = 0.75;
    static final int CONFIRM_CHUNKS = 32;
    /** Chunks the model reads before a segment's start, to settle its state. */
    static final int WARM_CHUNKS = 3;
    static final int CONFIRM_BATCH = 8;
    private static final int RING = 4 * SpeechModel.RATE;
    private static final int FRAME_8K = (int) Math.round(SpeechModel.RATE * FRAME_S);
    private final SpeechModel model;
    private final double step8k;
    private double position8k;
    private float previous;
    /** The track at 8 kHz, the last {@link #RING} samples, for the model: sample n at {@code ring[n % RING]}. */
    private final float[] ring = new float[RING];
    private long written;
    private float[] window;
    private final List<float[]> pendingWindows = new ArrayList<>();
    private final List<int[]> pendingSegments = new ArrayList<>();
    private final List<Boolean> confirmed = new ArrayList<>();

    public VoiceActivity(int sampleRate, SpeechModel model) {
        this.frameSamples = Math.max(1, (int) Math.round(sampleRate * FRAME_S));
        this.model = java.util.Objects.requireNonNull(model, "model");
        this.step8k = (double) SpeechModel.RATE / sampleRate;
    }

    /** One sample of this track. */
    public void sample(short s) {
        resampled(s / 32768f);
        sum += (double) s * s;
        if (++inFrame == frameSamples) {
            measured(10 * Math.log10(sum / frameSamples + 1));
            sum = 0;
            inFrame = 0;
        }
    }

    /** The track at the model's 8 kHz: as it is at 8 kHz, linearly interpolated from any other rate. */
    private void resampled(float x) {
        if (step8k == 1.0) {
            ring[(int) (written++ % RING)] = x;
            return;
        }
        double next = position8k + step8k;
        // output samples fall at whole positions between the previous input sample (position8k) and this one (next)
        for (long n = (long) Math.ceil(position8k); n < next; n++) {
            if (n >= written) {
                double t = (n - position8k) / step8k;
                ring[(int) (written++ % RING)] = (float) (previous + t * (x - previous));
            }
        }
        position8k = next;
        previous = x;
    }

    /**
     * The first {@link #PRIME_FRAMES} frames of sound are held back until the floor has seen them all: a track that
     * starts with a codec's ramp, or with speech at once, has no history to judge its first frames by.
     */
    private void measured(double db) {
        if (primed) {
            frame(db);
            return;
        }
        held.add(db);
        if (db >= DIGITAL_SILENCE_DB && ++heldSound == PRIME_FRAMES + RAMP_FRAMES) {
            prime();
        }
    }

    private void prime() {
        double s = Double.NaN;
        int sound = 0;
        for (double db : held) {
            sound = db >= DIGITAL_SILENCE_DB ? sound + 1 : 0;
            if (sound > RAMP_FRAMES) {
                s = Double.isNaN(s) ? db : s + SMOOTHING * (db - s);
                minimum.push(s);
            }
        }
        primed = true;
        held.forEach(this::frame);
        held.clear();
    }

    private void frame(double db) {
        if (db < DIGITAL_SILENCE_DB) {
            sinceSilence = 0;
            recent[(int) (frame % LOOK_BACK_FRAMES)] = 0;
            speaking = false;
            if (firstLoud >= 0 && frame - lastLoud > hangoverFrames()) {
                close();
            }
            frame++;
            return;
        }
        boolean inSegment = firstLoud >= 0 && frame - lastLoud <= hangoverFrames();
        smoothed = Double.isNaN(smoothed) ? db : smoothed + SMOOTHING * (db - smoothed);
        // a codec ramps up out of its padding over a few frames: sound, but no measure of the line's noise
        if (++sinceSilence > RAMP_FRAMES || Double.isNaN(floor)) {
            floor = minimum.push(smoothed);
        }
        recent[(int) (frame % LOOK_BACK_FRAMES)] = db - floor;
        if (firstLoud >= 0) {
            spread(db);
        }
        // within a segment (its words and the pauses between them) speech needs only OFF_DB; a new one needs ON_DB
        boolean loud = db > floor + (inSegment ? OFF_DB : ON_DB);
        if (loud) {
            if (!speaking) {
                speaking = true;
                if (firstLoud < 0 || frame - lastLoud > hangoverFrames()) {
                    close();
                    firstLoud = softStart(frame);
                    spread(db);
                }
            }
            lastLoud = frame;
            tail = frame;
        } else if (firstLoud >= 0 && tail == frame - 1 && db - floor > EDGE_DB) {
            tail = frame; // the sentence's quieter tail, in one run from its last loud frame
        }
        if (!loud && speaking && frame - lastLoud > 0) {
            speaking = false;
        }
        if (firstLoud >= 0 && window == null && frame >= firstLoud + (long) (CONFIRM_CHUNKS + 1) * SpeechModel.CHUNK / FRAME_8K) {
            window = capture(firstLoud);
        }
        if (firstLoud >= 0 && !speaking && frame - lastLoud > hangoverFrames()) {
            close();
        }
        frame++;
    }

    /**
     * The model's window for a segment that starts at frame {@code first}: {@link #WARM_CHUNKS} before it and
     * {@link #CONFIRM_CHUNKS} from it; null when part of it has left the ring (a track that held its first frames
     * back for long), and then the segment is kept unconfirmed.
     */
    private float[] capture(long first) {
        long from = first * FRAME_8K - (long) WARM_CHUNKS * SpeechModel.CHUNK;
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

    /** Runs the model on the segments waiting for it; those it does not hear speech in are dropped at {@link #finish()}. */
    private void confirm() {
        if (pendingWindows.isEmpty()) {
            return;
        }
        float[][] p = model.probabilities(pendingWindows.toArray(new float[0][]));
        for (int b = 0; b < p.length; b++) {
            int[] segment = pendingSegments.get(b);
            float top = 0;
            for (int c = WARM_CHUNKS; c < WARM_CHUNKS + segment[1]; c++) {
                top = Math.max(top, p[b][c]);
            }
            confirmed.set(segment[0], top >= CONFIRM_P);
        }
        pendingWindows.clear();
        pendingSegments.clear();
    }

    /** The first of the frames just before {@code frame} that were above the floor by {@link #OFF_DB}, in one run. */
    private long softStart(long frame) {
        long start = frame;
        long earliest = Math.max(Math.max(0, frame - LOOK_BACK_FRAMES + 1), lastLoud + 1);
        while (start - 1 >= earliest && recent[(int) ((start - 1) % LOOK_BACK_FRAMES)] > EDGE_DB) {
            start--;
        }
        return start;
    }

    /**
     * A low percentile of the last {@code window} values: like a minimum, it is reached in any pause, but a codec's
     * few frames of ramp out of its padding, or a dip of the hiss, do not pull it down.
     */
    private static final class SlidingPercentile {
        private final double[] ring;
        private final double[] sorted;
        private final double percentile;
        private int size;
        private long pushed;

        SlidingPercentile(int window, double percentile) {
            this.ring = new double[window];
            this.sorted = new double[window];
            this.percentile = percentile;
        }

        double push(double value) {
            if (size == ring.length) {
                double old = ring[(int) (pushed % ring.length)];
                int at = java.util.Arrays.binarySearch(sorted, 0, size, old);
                System.arraycopy(sorted, at + 1, sorted, at, size - at - 1);
                size--;
            }
            ring[(int) (pushed % ring.length)] = value;
            pushed++;
            int at = java.util.Arrays.binarySearch(sorted, 0, size, value);
            at = at < 0 ? -at - 1 : at;
            System.arraycopy(sorted, at, sorted, at + 1, size - at);
            sorted[at] = value;
            size++;
            return sorted[(int) Math.floor(percentile * (size - 1))];
        }
    }

    private long hangoverFrames() {
        return Math.round(HANGOVER_S / FRAME_S);
    }

    private void close() {
        if (firstLoud >= 0) {
            double start = firstLoud * FRAME_S;
            double end = (Math.max(lastLoud, tail) + 1) * FRAME_S;
            boolean modulated = spreadFrames > 1 && Math.sqrt(spreadSquares / (spreadFrames - 1)) >= MIN_SPREAD_DB;
            if (end - start >= MIN_SPEECH_S && modulated) {
                segments.add(new Segment(round(start), round(end)));
                confirmed.add(true);
                float[] w = window != null ? window : capture(firstLoud);
                if (w != null) {
                    int chunks = (int) Math.min(CONFIRM_CHUNKS, Math.ceil((end - start) * SpeechModel.RATE / SpeechModel.CHUNK));
                    pendingWindows.add(w);
                    pendingSegments.add(new int[]{segments.size() - 1, Math.max(1, chunks)});
                    if (pendingWindows.size() == CONFIRM_BATCH) {
                        confirm();
                    }
                }
            }
        }
        firstLoud = -1;
        window = null;
        spreadFrames = 0;
        spreadMean = 0;
        spreadSquares = 0;
    }

    private void spread(double db) {
        spreadFrames++;
        double d = db - spreadMean;
        spreadMean += d / spreadFrames;
        spreadSquares += d * (db - spreadMean);
    }

    /** The segments found, once the track has ended. */
    public List<Segment> finish() {
        if (!primed) {
            prime();
        }
        speaking = false;
        close();
        confirm();
        List<Segment> speech = new ArrayList<>();
        for (int i = 0; i < segments.size(); i++) {
            if (confirmed.get(i)) {
                speech.add(segments.get(i));
            }
        }
        return List.copyOf(speech);
    }

    public double seconds() {
        return (frame * frameSamples + inFrame) / (frameSamples / FRAME_S);
    }

    private static double round(double s) {
        return Math.round(s * 1000) / 1000.0;
    }
}
