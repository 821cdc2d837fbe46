package dev.callvault.testing;

/** The power of one frequency in a block of samples: how the tests hear which tone is where. */
public final class Goertzel {
    private Goertzel() {
    }

    /** Relative power (0..~1 for a full-scale tone) of {@code hz} in {@code samples[from, from+n)} at 8 kHz. */
    public static double power(short[] samples, int from, int n, int hz) {
        double k = 2 * Math.cos(2 * Math.PI * hz / 8000.0);
        double s1 = 0;
        double s2 = 0;
        for (int i = from; i < from + n && i < samples.length; i++) {
            double s = samples[i] / 32768.0 + k * s1 - s2;
            s2 = s1;
            s1 = s;
        }
        double p = s1 * s1 + s2 * s2 - k * s1 * s2;
        return p / (n * n / 4.0);
    }
}
