package dev.callvault.analysis;

/** A stretch of one party's speech, in seconds from the recording's start. */
public record Segment(double start, double end) {
    public double seconds() {
        return end - start;
    }
}
