package dev.callvault.testing;

import dev.callvault.analysis.Conversation;
import dev.callvault.analysis.Segment;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * How the conversations found in noisy calls compare with the truth the fixture script placed, by SNR band: the
 * figures of issue 24's goals. Latencies are paired by the reply they measure (the found reply whose start is nearest
 * the true one, within half a second); a true reply with no partner is a miss and within no bound.
 */
public final class VadScore {
    /** One SNR band's tally. */
    public static final class Band {
        public final List<Double> errors = new ArrayList<>();
        public int truthLatencies;
        public int missed;
        public int extra;
        public int calls;
        public int bargeInsExact;
        public int turnsExact;
        public int talkParties;
        public int talkWithin2;
        public int invented;
        public final List<String> failures = new ArrayList<>();

        public int within(double bound) {
            return (int) errors.stream().filter(e -> Math.abs(e) <= bound + 1e-9).count();
        }

        /** Of the true latencies: found (paired) within {@code bound} seconds. */
        public double fractionWithin(double bound) {
            return truthLatencies == 0 ? 1 : within(bound) / (double) truthLatencies;
        }

        public double meanSigned() {
            return errors.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        }

        public double meanAbs() {
            return errors.stream().mapToDouble(Math::abs).average().orElse(0);
        }

        public double worst() {
            return errors.stream().mapToDouble(Math::abs).max().orElse(0);
        }
    }

    private final Map<Integer, Band> bands = new TreeMap<>(java.util.Comparator.reverseOrder());

    public Band band(int snr) {
        return bands.computeIfAbsent(snr, s -> new Band());
    }

    /** Scores one call's conversation as found against its truth. */
    public void add(NoisyCall call, Conversation found) {
        Band b = band(call.snrDb());
        Conversation truth = call.truth();
        b.calls++;
        List<double[]> t = truth.replies();
        List<double[]> f = new ArrayList<>(found.replies());
        b.truthLatencies += t.size();
        for (double[] r : t) {
            double[] best = null;
            for (double[] c : f) {
                if (Math.abs(c[1] - r[1]) <= 0.5 && (best == null || Math.abs(c[1] - r[1]) < Math.abs(best[1] - r[1]))) {
                    best = c;
                }
            }
            if (best == null) {
                b.missed++;
                b.failures.add(String.format(Locale.ROOT, "%s: reply at %.2f s not found", call.name(), r[1]));
                continue;
            }
            f.remove(best);
            double error = (best[1] - best[0]) - (r[1] - r[0]);
            b.errors.add(error);
            if (Math.abs(error) > 0.060) {
                b.failures.add(String.format(Locale.ROOT, "%s: reply at %.2f s: latency %.3f s, truth %.3f s (caller end %.3f vs %.3f, reply %.3f vs %.3f)",
                        call.name(), r[1], best[1] - best[0], r[1] - r[0], best[0], r[0], best[1], r[1]));
            }
        }
        b.extra += f.size();
        if (found.bargeIns() == truth.bargeIns()) {
            b.bargeInsExact++;
        } else {
            b.failures.add(call.name() + ": " + found.bargeIns() + " barge-ins, truth " + truth.bargeIns());
        }
        if (found.turns() == truth.turns()) {
            b.turnsExact++;
        } else {
            b.failures.add(call.name() + ": " + found.turns() + " turns, truth " + truth.turns());
        }
        talk(b, call.name() + " caller", found.callerTalk(), truth.callerTalk());
        talk(b, call.name() + " assistant", found.assistantTalk(), truth.assistantTalk());
        b.invented += invented(b, call.name() + " caller", found.caller(), truth.caller());
        b.invented += invented(b, call.name() + " assistant", found.assistant(), truth.assistant());
    }

    private static void talk(Band b, String who, double found, double truth) {
        if (truth == 0 && found == 0) {
            return;
        }
        b.talkParties++;
        if (truth > 0 && Math.abs(found - truth) <= 0.02 * truth) {
            b.talkWithin2++;
        } else {
            b.failures.add(String.format(Locale.ROOT, "%s: talk %.2f s, truth %.2f s", who, found, truth));
        }
    }

    /** Found segments that overlap no true one: speech invented on noise. */
    private static int invented(Band b, String who, List<Segment> found, List<Segment> truth) {
        int n = 0;
        for (Segment s : found) {
            if (truth.stream().noneMatch(t -> t.start() < s.end() && s.start() < t.end())) {
                n++;
                b.failures.add(String.format(Locale.ROOT, "%s: segment %.2f-%.2f s on noise", who, s.start(), s.end()));
            }
        }
        return n;
    }

    public Map<Integer, Band> bands() {
        return bands;
    }

    /** The table the README and the closing note show. */
    public String table() {
        StringBuilder out = new StringBuilder(
                "| SNR | calls | latencies | within ±60 ms | within ±100 ms | mean signed | mean abs. | worst | barge-ins exact | turns exact | talk within 2 % | segments on noise |\n"
                        + "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        bands.forEach((snr, b) -> out.append(String.format(Locale.ROOT,
                "| %d dB | %d | %d | %d (%.0f %%) | %d (%.0f %%) | %+.1f ms | %.1f ms | %.0f ms | %d/%d | %d/%d | %d/%d | %d |%n",
                snr, b.calls, b.truthLatencies, b.within(0.060), 100 * b.fractionWithin(0.060), b.within(0.100), 100 * b.fractionWithin(0.100),
                1000 * b.meanSigned(), 1000 * b.meanAbs(), 1000 * b.worst(), b.bargeInsExact, b.calls, b.turnsExact, b.calls,
                b.talkWithin2, b.talkParties, b.invented)));
        return out.toString();
    }
}
