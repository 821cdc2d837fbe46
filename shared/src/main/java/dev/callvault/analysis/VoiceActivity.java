package dev.callvault.analysis;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds one party's speech in telephone audio (8 kHz, or any rate). The energy of each 10 ms frame against a noise
 * floor that follows the line's hiss (a low percentile of the smoothed frame energies of the last three seconds,
 * minimum statistics: a pause between words always reaches it and a sentence does not raise it) finds the segments,
 * with hysteresis (speech starts {@link #ON_DB} dB above the floor and lasts while it stays {@link #OFF_DB} dB above)
 * and a {@link #HANGOVER_S} hangover that bridges the pauses between words and never lengthens a turn.
 * <p>
 * Each segment's edges are then placed where its sound meets the noise (a change point in the whole band and under
 * 1 kHz, {@link #edge}), plus what the noise is expected to hide ({@link #HIDDEN_REF_DB}); digital silence is exact
 * (a TTS engine's pause is a pause of its own length, {@link #SNAP_FRAMES}); and Silero VAD, a neural network, must
 * hear speech in the segment's first second ({@link SpeechConfirmation}), or it is dropped (a caller keying digits). The
 * energy finds and places, the network only confirms: it costs a second of the model a segment, not every 32 ms of
 * the track, and its own edges are worse (32 ms steps, a recurrent state that lags). Accuracy by SNR, measured on
 * bench/vad's calls: docs/analytics.md.
 */
public final class VoiceActivity {
    static final double FRAME_S = 0.010;
    static final double ON_DB = 9;
    static final double OFF_DB = 4;
    /** How far back a segment's start may reach over quieter frames before the one that crossed {@link #ON_DB}. */
    static final int LOOK_BACK_FRAMES = 25;
    /**
     * Where no noise next to an edge can be measured (the track ends within the hangover), the edge reaches over the
     * run of frames above the floor by this much: the soft start of a word, the quiet tail of a sentence.
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
    private final List<Double> heldLow = new ArrayList<>();
    /**
     * The band under {@link #LOW_BAND_HZ}, where the end of a sentence keeps most of its sound (on the fixtures' calls
     * 78 % of its last 100 ms, against a quarter of white noise's): a tail the whole band's noise hides by 10 dB is
     * 5 dB nearer the noise there.
     */
    static final double LOW_BAND_HZ = 1000;
    private final LowPass lowPass;
    private double lowSum;
    private final double[] lowHistory = new double[HISTORY];
    /** Which of the last {@link #HISTORY} frames were digital silence (or an MP3 decoder's decay into it). */
    private final boolean[] muted = new boolean[HISTORY];
    /**
     * A frame this far under the line's noise floor is no line noise: the line went mute, and the frames an MP3 decoder
     * takes to decay into digital silence (40-80 ms at 15-25 dB, where the WAV of the same call has exact zeros) are
     * part of that silence.
     */
    static final double MUTED_BELOW_FLOOR_DB = 20;
    private double loudLowPower;
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
    /** The last {@link #HISTORY} frames' energies (dB), from which a segment's edges are placed. */
    static final int HISTORY = 128;
    private final double[] history = new double[HISTORY];
    /**
     * A segment's edges are change points found outward from its loud frames, in the whole band and under
     * {@link #LOW_BAND_HZ} (the outer of the two): the line's noise is measured next to the edge (its mean and its
     * frame-to-frame spread sigma, over the frames {@link #NOISE_NEAR} to 450 ms out, which the hangover guarantees
     * hold no speech), and the edge is the frame that maximises the sum of the frames' excess over that noise less a
     * drift of {@link #END_DRIFT_SIGMAS} sigma ({@link #START_DRIFT_SIGMAS} for a start, where a wrong reach costs
     * more: a word's onset is steep, a sentence's end fades). A quiet tail a few dB over the noise adds up; the noise
     * alone sums below zero. The drift in units of the noise's own spread holds for white hiss and for a hum alike.
     */
    static final double END_DRIFT_SIGMAS = 0.75;
    static final double START_DRIFT_SIGMAS = 1.5;
    static final int NOISE_NEAR = 10;
    static final int EDGE_REACH = 40;
    /**
     * Sound this far under the segment's own level is no speech, however clearly above the noise: a decay under
     * -40 dBFS peak after speech at -26 dBFS RMS, or an MP3 encoder's smear. The excess counts over the noise plus
     * that much.
     */
    static final double AUDIBLE_BELOW_DB = 28;
    /** A start's edge is placed once its segment's first frames have told its level. */
    static final int SETTLE_FRAMES = 40;
    private long onset;
    private boolean startPending;
    /** The open segment's first frame as the edge search placed it. */
    private long edgeStart = -1;
    private long lastEnd = -1;
    /** How far from digital silence a segment's loud frames may be and still reach it (the longest tail noise hides). */
    static final int SNAP_FRAMES = 15;
    /** An MP3 decoder leaves a few frames of its smear inside a run of zeros: one pause all the same. */
    static final int SILENCE_BLIP_FRAMES = 3;
    private long silenceFrom = -1;
    private long silenceTo = -2;
    /**
     * What the noise still hides: where the line's noise is within {@link #HIDDEN_REF_DB} of the segment's level, the
     * last (and first) tens of milliseconds of speech lie under it, by {@link #HIDDEN_END_MS} ms (and
     * {@link #HIDDEN_START_MS} ms at a start) a decibel nearer. Their expected length, measured on bench/vad's calls:
     * without it every latency reads long on a noisy line (+25 ms at 10 dB, +59 ms at 5 dB), with it the error has no
     * sign. An estimate, not a measurement: a sentence ending in a long, quiet fricative is still cut short.
     */
    static final double HIDDEN_REF_DB = 16;
    static final double HIDDEN_END_MS = 4;
    static final double HIDDEN_START_MS = 2.2;
    /** See {@link #smear(double)}. */
    static final double SMEAR_DROP_DB = 20;
    static final int SMEAR_FRAMES = 15;
    private final boolean[] smeared = new boolean[HISTORY];
    private long smearFrom = -1;
    private double smearOver;
    private double startNoise = Double.NaN;
    private double loudPower;
    private long loudFrames;

    private final SpeechConfirmation confirmation;
    /** The open segment's window for the model, once its first second has been heard. */
    private float[] window;

    public VoiceActivity(int sampleRate, SpeechModel model) {
        this.frameSamples = Math.max(1, (int) Math.round(sampleRate * FRAME_S));
        this.confirmation = new SpeechConfirmation(model, sampleRate, FRAME_S);
        this.lowPass = new LowPass(LOW_BAND_HZ, sampleRate);
    }

    /** One sample of this track. */
    public void sample(short s) {
        confirmation.sample(s);
        sum += (double) s * s;
        double low = lowPass.next(s);
        lowSum += low * low;
        if (++inFrame == frameSamples) {
            measured(10 * Math.log10(sum / frameSamples + 1), 10 * Math.log10(lowSum / frameSamples + 1));
            sum = 0;
            lowSum = 0;
            inFrame = 0;
        }
    }

    /**
     * The first {@link #PRIME_FRAMES} frames of sound are held back until the floor has seen them all: a track that
     * starts with a codec's ramp, or with speech at once, has no history to judge its first frames by.
     */
    private void measured(double db, double low) {
        if (primed) {
            frame(db, low);
            return;
        }
        held.add(db);
        heldLow.add(low);
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
        for (int i = 0; i < held.size(); i++) {
            frame(held.get(i), heldLow.get(i));
        }
        held.clear();
        heldLow.clear();
    }

    private void frame(double db, double low) {
        boolean smear = smear(db);
        history[(int) (frame % HISTORY)] = db;
        lowHistory[(int) (frame % HISTORY)] = low;
        smeared[(int) (frame % HISTORY)] = smear;
        boolean silent = db < DIGITAL_SILENCE_DB || db < floor - MUTED_BELOW_FLOOR_DB;
        muted[(int) (frame % HISTORY)] = silent;
        if (silent) {
            silence();
            frame++;
            return;
        }
        boolean inSegment = continues(frame);
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
        boolean loud = !smear && db > floor + (inSegment ? OFF_DB : ON_DB);
        if (loud) {
            if (!speaking) {
                speaking = true;
                if (!inSegment) {
                    close();
                    open(db);
                }
            }
            lastLoud = frame;
            tail = frame;
            loudPower += Math.pow(10, db / 10);
            loudLowPower += Math.pow(10, low / 10);
            loudFrames++;
        } else if (firstLoud >= 0 && tail == frame - 1 && db - floor > EDGE_DB && !smear) {
            tail = frame; // the sentence's quieter tail, in one run from its last loud frame
        }
        if (!loud && speaking && frame - lastLoud > 0) {
            speaking = false;
        }
        if (startPending && frame >= onset + SETTLE_FRAMES) {
            settleStart();
        }
        if (firstLoud >= 0 && window == null && frame >= firstLoud + confirmation.framesToWindow()) {
            window = confirmation.capture(Math.min(firstLoud, edgeStart >= 0 ? edgeStart : firstLoud));
        }
        if (firstLoud >= 0 && !speaking && !continues(frame + 1)) {
            close();
        }
        frame++;
    }

    /**
     * Digital silence: a TTS engine's pause between sentences, a muted line. It is exact where noise is not: speech
     * that ends within {@link #SNAP_FRAMES} before it ran up to it (its tail was only hidden by the noise), speech that
     * starts within as many frames after it began where it ended, and the pause between them is the silence's length.
     */
    private void silence() {
        sinceSilence = 0;
        recent[(int) (frame % LOOK_BACK_FRAMES)] = 0;
        speaking = false;
        // an MP3 decoder leaves a few frames of its smear inside a run of zeros: one pause all the same
        if (silenceTo < frame - 1 - SILENCE_BLIP_FRAMES) {
            silenceFrom = frame;
            if (firstLoud >= 0 && frame - lastLoud <= SNAP_FRAMES) {
                lastLoud = frame - 1;
                tail = frame - 1;
            }
        }
        silenceTo = frame;
        if (firstLoud >= 0 && !continues(frame + 1)) {
            close();
        }
    }

    /**
     * Whether this frame is a codec's smear: an MP3 encoder spreads a granule's quantisation noise over its whole
     * window, so speech that stops abruptly leaves up to {@link #SMEAR_FRAMES} of hiss 20-30 dB under it (9 dB over
     * a clean line's noise) that the same call as WAV does not have. Sound that stays {@link #SMEAR_DROP_DB} under
     * the frame before a drop that steep, that soon after it, is no speech: a word after a stop's closure comes back
     * within a few dB of the sound before it.
     */
    private boolean smear(double db) {
        if (frame >= 2) {
            double before = Math.max(history[(int) ((frame - 1) % HISTORY)], history[(int) ((frame - 2) % HISTORY)]);
            if (smearFrom < 0 && before - db >= SMEAR_DROP_DB) {
                smearFrom = frame;
                smearOver = before;
            }
        }
        if (smearFrom >= 0 && frame - smearFrom < SMEAR_FRAMES && db <= smearOver - SMEAR_DROP_DB) {
            return true;
        }
        smearFrom = -1;
        return false;
    }

    /** Whether sound at {@code at} is still the open segment's: within the hangover of its last loud frame. */
    private boolean continues(long at) {
        if (firstLoud < 0) {
            return false;
        }
        if (at - lastLoud <= hangoverFrames()) {
            return true;
        }
        // the segment ran up to digital silence that was shorter than the hangover: its next words may still be hidden
        return lastLoud == silenceFrom - 1 && silenceTo - lastLoud <= hangoverFrames() && at - silenceTo <= SNAP_FRAMES + 1;
    }

    private void open(double db) {
        if (frame - silenceTo <= SNAP_FRAMES && silenceTo >= 0) {
            firstLoud = silenceTo + 1;
            edgeStart = silenceTo + 1;
            startNoise = Double.NaN;
        } else {
            firstLoud = softStart(frame);
            onset = frame;
            startPending = true;
        }
        spread(db);
    }

    /** The start's edge, once the segment's first {@link #SETTLE_FRAMES} have told its level (or at its end). */
    private void settleStart() {
        startPending = false;
        Edge edge = edge(onset, -1, START_DRIFT_SIGMAS, level());
        edgeStart = edge.frame();
        startNoise = edge.noise();
    }

    /** The open segment's level: the power mean of its loud frames (dB). */
    private double level() {
        return 10 * Math.log10(loudPower / Math.max(1, loudFrames));
    }

    /**
     * Where a segment's edge lies, from its loud frame {@code anchor} outward ({@code direction} -1 for the start, +1
     * for the end): the outer of the change points in the whole band and under {@link #LOW_BAND_HZ} (see
     * {@link #END_DRIFT_SIGMAS}), with the whole band's noise there; {@link Edge#NONE} when there is no noise to measure
     * next to it (the track's start or end, digital silence next to the edge).
     */
    private Edge edge(long anchor, int direction, double drift, double level) {
        Edge whole = edge(history, anchor, direction, drift, level);
        if (!whole.found()) {
            return whole;
        }
        Edge low = edge(lowHistory, anchor, direction, drift, 10 * Math.log10(loudLowPower / Math.max(1, loudFrames)));
        return !low.found() ? whole
                : new Edge(direction > 0 ? Math.max(whole.frame(), low.frame()) : Math.min(whole.frame(), low.frame()), whole.noise());
    }

    /** A segment's edge (its first or last frame, -1 when none could be placed) and the noise measured next to it (dB). */
    private record Edge(long frame, double noise) {
        static final Edge NONE = new Edge(-1, Double.NaN);

        boolean found() {
            return frame >= 0;
        }
    }

    private Edge edge(double[] series, long anchor, int direction, double drift, double level) {
        long from = anchor + direction * NOISE_NEAR;
        long to = anchor + direction * (Math.round(HANGOVER_S / FRAME_S) - 1);
        long oldest = frame - HISTORY + 1;
        long lo = Math.min(from, to);
        long hi = Math.max(from, to);
        if (lo < Math.max(0, oldest) || hi >= frame || (direction < 0 && lo < lastEnd)) {
            return Edge.NONE;
        }
        double noise = 0;
        double squares = 0;
        for (long f = lo; f <= hi; f++) {
            if (muted[(int) (f % HISTORY)]) {
                return Edge.NONE;
            }
            double db = series[(int) (f % HISTORY)];
            noise += db;
            squares += db * db;
        }
        int n = (int) (hi - lo + 1);
        noise /= n;
        double sigma = Math.sqrt(Math.max(0, squares / n - noise * noise));
        drift *= sigma;
        // a frame's excess counts over the noise plus the quietest audible speech: what the line's noise would read
        // with speech at AUDIBLE_DB in it; quieter sound (a decay under -40 dBFS peak, a codec's smear) is no speech
        double baseline = 10 * Math.log10(Math.pow(10, noise / 10) + Math.pow(10, (level - AUDIBLE_BELOW_DB) / 10));
        long best = anchor;
        double sum = 0;
        double top = 0;
        for (int i = 1; i <= EDGE_REACH; i++) {
            long f = anchor + (long) direction * i;
            if (muted[(int) (f % HISTORY)]) {
                break;
            }
            sum += (smeared[(int) (f % HISTORY)] ? 0 : series[(int) (f % HISTORY)] - baseline) - drift;
            if (sum > top) {
                top = sum;
                best = f;
            }
        }
        return new Edge(best, noise);
    }

    private static double hidden(double noise, double level, double msPerDb) {
        return Math.max(0, noise - level + HIDDEN_REF_DB) * msPerDb / 1000;
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
            if (startPending) {
                settleStart();
            }
            double level = level();
            Edge endEdge = edge(lastLoud, +1, END_DRIFT_SIGMAS, level);
            long first = edgeStart >= 0 ? Math.max(edgeStart, lastEnd) : firstLoud;
            long last = endEdge.found() ? endEdge.frame() : Math.max(lastLoud, tail);
            double start = first * FRAME_S - (Double.isNaN(startNoise) ? 0 : hidden(startNoise, level, HIDDEN_START_MS));
            double end = (last + 1) * FRAME_S + (endEdge.found() ? hidden(endEdge.noise(), level, HIDDEN_END_MS) : 0);
            boolean modulated = spreadFrames > 1 && Math.sqrt(spreadSquares / (spreadFrames - 1)) >= MIN_SPREAD_DB;
            if (end - start >= MIN_SPEECH_S && modulated) {
                segments.add(new Segment(round(start), round(end)));
                lastEnd = last + 1;
                confirmation.submit(segments.size() - 1, window != null ? window : confirmation.capture(Math.min(firstLoud, first)), end - start);
            }
        }
        firstLoud = -1;
        startPending = false;
        window = null;
        edgeStart = -1;
        startNoise = Double.NaN;
        loudPower = 0;
        loudLowPower = 0;
        loudFrames = 0;
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
        confirmation.finish();
        List<Segment> speech = new ArrayList<>();
        for (int i = 0; i < segments.size(); i++) {
            if (confirmation.heard(i)) {
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
