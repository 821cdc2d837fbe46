package dev.callvault.analysis;

/** A second-order Butterworth low-pass filter (RBJ's biquad, Q 1/sqrt(2)), one sample at a time. */
final class LowPass {
    private final double b0;
    private final double b1;
    private final double a1;
    private final double a2;
    private double x1;
    private double x2;
    private double y1;
    private double y2;

    LowPass(double cutoffHz, int sampleRate) {
        double w = 2 * Math.PI * Math.min(cutoffHz, 0.45 * sampleRate) / sampleRate;
        double alpha = Math.sin(w) / Math.sqrt(2);
        double a0 = 1 + alpha;
        this.b0 = (1 - Math.cos(w)) / 2 / a0;
        this.b1 = (1 - Math.cos(w)) / a0;
        this.a1 = -2 * Math.cos(w) / a0;
        this.a2 = (1 - alpha) / a0;
    }

    double next(double x) {
        double y = b0 * x + b1 * x1 + b0 * x2 - a1 * y1 - a2 * y2;
        x2 = x1;
        x1 = x;
        y2 = y1;
        y1 = y;
        return y;
    }
}
