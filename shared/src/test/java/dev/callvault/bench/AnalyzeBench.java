package dev.callvault.bench;

import dev.callvault.analysis.Conversation;
import dev.callvault.analysis.TrackAnalyzer;
import dev.callvault.peaks.Peaks;
import dev.callvault.testing.SpeechFixture;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Conversation analytics of a one-hour dual-channel MP3 (the speech fixture repeated, 8 kHz stereo as LAME makes it),
 * timed on whatever cores the caller allows (bench/analyze.sh pins one). Prints seconds and times real time per run.
 */
public final class AnalyzeBench {
    public static void main(String[] args) throws Exception {
        int minutes = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path cached = Path.of("target", "bench-" + minutes + "min-dual.mp3");
        byte[] mp3;
        if (Files.exists(cached)) {
            mp3 = Files.readAllBytes(cached);
        } else {
            SpeechFixture f = SpeechFixture.load("conversation");
            short[] c = f.caller();
            short[] a = f.assistant();
            int n = minutes * 60 * 8000;
            short[] caller = new short[n];
            short[] assistant = new short[n];
            for (int i = 0; i < n; i++) {
                caller[i] = c[i % c.length];
                assistant[i] = a[i % a.length];
            }
            mp3 = SpeechFixture.mp3(caller, assistant);
            Files.createDirectories(cached.getParent());
            Files.write(cached, mp3);
        }
        System.out.printf("input: %d min dual-channel MP3, %.1f MB%n", minutes, mp3.length / 1e6);
        for (int r = 0; r < runs; r++) {
            long t = System.nanoTime();
            Conversation conv = TrackAnalyzer.dualChannel(new ByteArrayInputStream(mp3), "mp3");
            double s = (System.nanoTime() - t) / 1e9;
            long p = System.nanoTime();
            Peaks peaks = Peaks.of(new ByteArrayInputStream(mp3), "mp3");
            double ps = (System.nanoTime() - p) / 1e9;
            System.out.printf("analyze run %d: %.2f s = %.0fx real time (%d turns, %d latencies, %d barge-ins); peaks %.2f s = %.0fx (%d px)%n",
                    r + 1, s, conv.seconds() / s, conv.turns(), conv.latencies().size(), conv.bargeIns(), ps, peaks.seconds() / ps, peaks.length());
        }
    }
}
