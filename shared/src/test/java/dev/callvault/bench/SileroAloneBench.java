package dev.callvault.bench;

import dev.callvault.analysis.Conversation;
import dev.callvault.analysis.Segment;
import dev.callvault.analysis.SpeechModel;
import dev.callvault.testing.NoisyCall;
import dev.callvault.testing.VadScore;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Why the speech model confirms and does not place edges: Silero VAD alone on every 32 ms of the whole noisy-line set
 * (WAV), segmented as its authors do (speech from p >= 0.5, until p < 0.35 for 450 ms), scored like the detector; and
 * the model's highest p in the first second of each segment the detector finds, by SNR (what {@code CONFIRM_P} is
 * chosen against). Usage: SileroAloneBench DIR (bench/vad/accuracy.sh makes the set).
 */
public final class SileroAloneBench {
    private static final double CHUNK_S = (double) SpeechModel.CHUNK / SpeechModel.RATE;

    public static void main(String[] args) throws Exception {
        List<NoisyCall> calls = NoisyCall.all(Path.of(args[0]));
        VadScore alone = new VadScore();
        Map<Integer, List<Double>> firstSecond = new TreeMap<>();
        long chunks = 0;
        long started = System.nanoTime();
        try (SpeechModel model = SpeechModel.bundled()) {
            for (NoisyCall call : calls) {
                float[][] p = model.probabilities(new float[][]{floats(call.caller()), floats(call.assistant())});
                chunks += 2L * p[0].length;
                alone.add(call, Conversation.of(call.seconds(), segments(p[0]), segments(p[1])));
                Conversation found = call.analyze(NoisyCall.Form.WAV);
                for (int track = 0; track < 2; track++) {
                    for (Segment s : track == 0 ? found.caller() : found.assistant()) {
                        int from = (int) (s.start() / CHUNK_S);
                        int to = (int) Math.min(p[track].length, Math.min(s.end(), s.start() + 1.0) / CHUNK_S);
                        double top = 0;
                        for (int i = from; i < to; i++) {
                            top = Math.max(top, p[track][i]);
                        }
                        firstSecond.computeIfAbsent(call.snrDb(), k -> new ArrayList<>()).add(top);
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "Silero VAD on every 32 ms: %d chunks in %.1f s (%.0f us a chunk, batch 2)%n", chunks,
                (System.nanoTime() - started) / 1e9, (System.nanoTime() - started) / 1e3 / chunks);
        System.out.print(alone.table());
        System.out.println();
        firstSecond.forEach((snr, v) -> {
            double[] d = v.stream().mapToDouble(x -> x).sorted().toArray();
            System.out.printf(Locale.ROOT, "%d dB: the detector's %d segments, the model's highest p in their first second: min %.2f, 5th percentile %.2f, median %.2f%n",
                    snr, d.length, d[0], d[d.length / 20], d[d.length / 2]);
        });
    }

    static float[] floats(short[] s) {
        float[] f = new float[s.length / SpeechModel.CHUNK * SpeechModel.CHUNK];
        for (int i = 0; i < f.length; i++) {
            f[i] = s[i] / 32768f;
        }
        return f;
    }

    static List<Segment> segments(float[] p) {
        List<Segment> out = new ArrayList<>();
        int start = -1;
        int last = -1;
        for (int i = 0; i < p.length; i++) {
            if (p[i] >= 0.5 || (start >= 0 && p[i] >= 0.35)) {
                start = start < 0 ? i : start;
                last = i;
            } else if (start >= 0 && (i - last) * CHUNK_S > 0.45) {
                out.add(new Segment(start * CHUNK_S, (last + 1) * CHUNK_S));
                start = -1;
            }
        }
        if (start >= 0) {
            out.add(new Segment(start * CHUNK_S, (last + 1) * CHUNK_S));
        }
        return out;
    }
}
