package dev.callvault.bench;

import dev.callvault.analysis.Conversation;
import dev.callvault.analysis.Segment;
import dev.callvault.testing.NoisyCall;
import dev.callvault.testing.VadScore;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The voice-activity detector's accuracy on the whole noisy-line fixture set (bench/vad/make-fixtures.py): one table
 * per form the audio reaches us in, by SNR, and how far the same call's segments move between WAV and MP3.
 * Usage: VadAccuracyBench DIR [-v] (bench/vad/accuracy.sh makes the set and runs this).
 */
public final class VadAccuracyBench {
    public static void main(String[] args) throws Exception {
        List<NoisyCall> calls = NoisyCall.all(Path.of(args[0]));
        boolean verbose = List.of(args).contains("-v");
        Map<NoisyCall.Form, VadScore> scores = new EnumMap<>(NoisyCall.Form.class);
        double worstEdge = 0;
        double worstDuration = 0;
        int pairs = 0;
        int edgesOver = 0;
        int durationsOver = 0;
        int unpaired = 0;
        long started = System.nanoTime();
        for (NoisyCall call : calls) {
            Map<NoisyCall.Form, Conversation> found = new EnumMap<>(NoisyCall.Form.class);
            for (NoisyCall.Form form : NoisyCall.Form.values()) {
                Conversation c = call.analyze(form);
                found.put(form, c);
                scores.computeIfAbsent(form, f -> new VadScore()).add(call, c);
            }
            for (NoisyCall.Form mp3 : List.of(NoisyCall.Form.MP3, NoisyCall.Form.TWILIO_MP3)) {
                for (boolean caller : new boolean[]{true, false}) {
                    List<Segment> w = caller ? found.get(NoisyCall.Form.WAV).caller() : found.get(NoisyCall.Form.WAV).assistant();
                    List<Segment> m = caller ? found.get(mp3).caller() : found.get(mp3).assistant();
                    if (w.size() != m.size()) {
                        unpaired++;
                        System.out.printf(Locale.ROOT, "%s %s %s: %d segments from WAV, %d from %s%n", call.name(), caller ? "caller" : "assistant", mp3, w.size(), m.size(), mp3);
                        continue;
                    }
                    for (int i = 0; i < w.size(); i++) {
                        pairs++;
                        double edge = Math.max(Math.abs(w.get(i).start() - m.get(i).start()), Math.abs(w.get(i).end() - m.get(i).end()));
                        double duration = Math.abs(w.get(i).seconds() - m.get(i).seconds());
                        edgesOver += edge > 0.0155 ? 1 : 0;
                        durationsOver += duration > 0.0305 ? 1 : 0;
                        if (verbose && (edge > 0.0155 || duration > 0.0305)) {
                            System.out.printf(Locale.ROOT, "%s %s %s: WAV %s, %s %s%n", call.name(), caller ? "caller" : "assistant", mp3, w.get(i), mp3, m.get(i));
                        }
                        worstEdge = Math.max(worstEdge, Math.max(Math.abs(w.get(i).start() - m.get(i).start()), Math.abs(w.get(i).end() - m.get(i).end())));
                        worstDuration = Math.max(worstDuration, Math.abs(w.get(i).seconds() - m.get(i).seconds()));
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "%d calls, %.0f s of audio, analysed in %.1f s%n", calls.size(),
                calls.stream().mapToDouble(NoisyCall::seconds).sum() * 3, (System.nanoTime() - started) / 1e9);
        scores.forEach((form, score) -> {
            System.out.println();
            System.out.println("### " + form);
            System.out.print(score.table());
            if (verbose) {
                score.bands().forEach((snr, b) -> b.failures.forEach(f -> System.out.println("  " + snr + " dB " + f)));
                score.bands().forEach((snr, b) -> System.out.println("  " + snr + " dB latency errors (ms, sorted): "
                        + b.errors.stream().sorted().map(e -> String.format(Locale.ROOT, "%+.0f", 1000 * e)).toList()));
            }
        });
        System.out.printf(Locale.ROOT, "%nWAV against MP3 (real-time and Twilio's): %d segment pairs, %d with an edge more than 15 ms apart, %d with durations more than 30 ms apart; worst edge %.0f ms, worst duration %.0f ms; %d tracks with a different count%n",
                pairs, edgesOver, durationsOver, 1000 * worstEdge, 1000 * worstDuration, unpaired);
    }
}
