package dev.callvault.testing;

import org.assertj.core.data.Offset;

import static org.assertj.core.api.Assertions.assertThat;

/** Listens to decoded audio in 100 ms windows and checks which tone sounds where, ±40 ms at the edges. */
public final class Tones {
    private Tones() {
    }

    /** {@code caller} and {@code assistant}: the seconds each tone must sound in a 30 s recording; silence elsewhere. */
    public static void assertTones(short[] audio, double[][] caller, double[][] assistant) {
        assertThat(audio.length / 8000.0).as("decoded duration").isCloseTo(30.0, Offset.offset(0.1));
        for (int w = 0; w + 800 <= Math.min(audio.length, 30 * 8000); w += 800) {
            double t0 = w / 8000.0;
            check(audio, w, t0, caller, SyntheticCall.CALLER_HZ);
            check(audio, w, t0, assistant, SyntheticCall.ASSISTANT_HZ);
        }
    }

    private static void check(short[] audio, int w, double t0, double[][] spans, int hz) {
        double t1 = t0 + 0.1;
        boolean on = SyntheticCall.speaks(spans, t0 + 0.045) && SyntheticCall.speaks(spans, t1 - 0.045);
        boolean off = !SyntheticCall.speaks(spans, t0 - 0.04) && !SyntheticCall.speaks(spans, t1 + 0.04);
        double p = Goertzel.power(audio, w, 800, hz);
        if (on) {
            assertThat(p).as(hz + " Hz at " + t0 + " s").isGreaterThan(0.01);
        } else if (off) {
            assertThat(p).as("no " + hz + " Hz at " + t0 + " s").isLessThan(0.001);
        }
    }
}
