package dev.callvault.analysis;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What the two tracks say about a call (README, "Conversation analytics"):
 * <ul>
 * <li><b>talk time</b> per party: the sum of its speech segments;</li>
 * <li><b>silence</b>: time in which neither party speaks; <b>overlap</b>: time in which both do;</li>
 * <li><b>barge-in</b>: the caller starts while the assistant speaks, and the assistant stops within a second;</li>
 * <li><b>response latency</b>: from the end of the caller's speech to the start of the assistant's next segment, for each
 * assistant segment that starts after the caller stopped (one that starts while the caller still speaks has none);</li>
 * <li><b>turns</b>: runs of one party's speech, in the order the segments start;</li>
 * <li><b>longest silence</b>: the longest time in which neither speaks.</li>
 * </ul>
 * A span in which the recording was paused (card data being read) is left out: no silence, turn or latency is counted in it.
 */
public record Conversation(double seconds, List<Segment> caller, List<Segment> assistant, double callerTalk, double assistantTalk,
                           double silence, double overlap, int bargeIns, List<Double> latencies, int turns, double longestSilence,
                           List<Segment> paused) {
    /** Within this long after a caller starts, an assistant that stops has been interrupted. */
    public static final double BARGE_IN_STOP_S = 1.0;

    public static Conversation of(double seconds, List<Segment> caller, List<Segment> assistant) {
        return of(seconds, caller, assistant, List.of());
    }

    /** The same call with its paused spans left out. */
    public Conversation withPaused(List<Segment> spans) {
        return of(seconds, caller, assistant, spans);
    }

    public static Conversation of(double seconds, List<Segment> caller, List<Segment> assistant, List<Segment> paused) {
        double callerTalk = total(caller);
        double assistantTalk = total(assistant);
        // sweep the edges of both parties' segments
        List<double[]> edges = new ArrayList<>(); // time, party (0 caller, 1 assistant), +1 start / -1 end
        caller.forEach(s -> { edges.add(new double[]{s.start(), 0, 1}); edges.add(new double[]{s.end(), 0, -1}); });
        assistant.forEach(s -> { edges.add(new double[]{s.start(), 1, 1}); edges.add(new double[]{s.end(), 1, -1}); });
        edges.sort(Comparator.<double[]>comparingDouble(e -> e[0]).thenComparingDouble(e -> e[2]));
        int[] active = new int[2];
        double last = 0;
        double silence = 0;
        double overlap = 0;
        double longest = 0;
        for (double[] e : edges) {
            double t = Math.min(Math.max(e[0], 0), seconds);
            double span = t - last;
            if (active[0] == 0 && active[1] == 0) {
                silence += span - inside(paused, last, t);
                longest = Math.max(longest, longestOutside(paused, last, t));
            } else if (active[0] > 0 && active[1] > 0) {
                overlap += span;
            }
            active[(int) e[1]] += (int) e[2];
            last = t;
        }
        double tail = Math.max(0, seconds - last);
        silence += tail - inside(paused, last, Math.max(last, seconds));
        longest = Math.max(longest, longestOutside(paused, last, Math.max(last, seconds)));

        int bargeIns = bargeIns(caller, assistant).size();
        List<Double> latencies = replies(caller, assistant).stream().filter(r -> inside(paused, r[0], r[1]) == 0)
                .map(r -> Math.round((r[1] - r[0]) * 1000) / 1000.0).toList();

        List<double[]> starts = new ArrayList<>();
        caller.forEach(s -> starts.add(new double[]{s.start(), 0}));
        assistant.forEach(s -> starts.add(new double[]{s.start(), 1}));
        starts.sort(Comparator.comparingDouble(s -> s[0]));
        int turns = 0;
        double party = -1;
        for (double[] s : starts) {
            if (s[1] != party) {
                turns++;
                party = s[1];
            }
        }
        return new Conversation(seconds, List.copyOf(caller), List.copyOf(assistant), r(callerTalk), r(assistantTalk), r(Math.max(0, silence)), r(overlap),
                bargeIns, List.copyOf(latencies), turns, r(longest), List.copyOf(paused));
    }

    /** How much of {@code [from, to)} lies in the paused spans. */
    private static double inside(List<Segment> paused, double from, double to) {
        double in = 0;
        for (Segment p : paused) {
            in += Math.max(0, Math.min(to, p.end()) - Math.max(from, p.start()));
        }
        return in;
    }

    /** The longest piece of {@code [from, to)} outside the paused spans. */
    private static double longestOutside(List<Segment> paused, double from, double to) {
        double longest = 0;
        double at = from;
        for (Segment p : paused.stream().sorted(Comparator.comparingDouble(Segment::start)).toList()) {
            if (p.end() <= at || p.start() >= to) {
                continue;
            }
            longest = Math.max(longest, Math.max(0, p.start() - at));
            at = Math.max(at, p.end());
        }
        return Math.max(longest, to - at);
    }

    /** Where each response latency lies: the end of the caller's speech and the start of the assistant's reply, in seconds. */
    public List<double[]> replies() {
        return replies(caller, assistant);
    }

    /** When each barge-in happened: the start of the caller's speech that interrupted the assistant, in seconds. */
    public List<Double> bargeInTimes() {
        return bargeIns(caller, assistant);
    }

    private static List<Double> bargeIns(List<Segment> caller, List<Segment> assistant) {
        List<Double> at = new ArrayList<>();
        for (Segment c : caller) {
            for (Segment a : assistant) {
                if (a.start() < c.start() && c.start() < a.end() && a.end() - c.start() <= BARGE_IN_STOP_S) {
                    at.add(c.start());
                    break;
                }
            }
        }
        return at;
    }

    private static List<double[]> replies(List<Segment> caller, List<Segment> assistant) {
        List<double[]> replies = new ArrayList<>();
        for (int i = 0; i < assistant.size(); i++) {
            Segment a = assistant.get(i);
            double previousAssistantEnd = i == 0 ? Double.NEGATIVE_INFINITY : assistant.get(i - 1).end();
            Segment lastCaller = null;
            boolean callerStillSpeaking = false;
            for (Segment c : caller) {
                if (c.start() < a.start() && c.end() > a.start()) {
                    callerStillSpeaking = true;
                }
                if (c.end() <= a.start() && (lastCaller == null || c.end() > lastCaller.end())) {
                    lastCaller = c;
                }
            }
            // a reply to the caller: the caller spoke since the assistant's previous segment, and has stopped
            if (lastCaller != null && !callerStillSpeaking && lastCaller.end() > previousAssistantEnd) {
                replies.add(new double[]{lastCaller.end(), a.start()});
            }
        }
        return replies;
    }

    /** A percentile of the response latencies (nearest rank), or null when the assistant never answered the caller. */
    public Double latency(double percentile) {
        if (latencies.isEmpty()) {
            return null;
        }
        List<Double> sorted = latencies.stream().sorted().toList();
        int rank = (int) Math.ceil(percentile / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    public Double maxLatency() {
        return latencies.stream().max(Double::compare).orElse(null);
    }

    private static double total(List<Segment> s) {
        return s.stream().mapToDouble(Segment::seconds).sum();
    }

    private static double r(double s) {
        return Math.round(s * 1000) / 1000.0;
    }
}
