package dev.callvault.analysis;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class SpeechModelTest {
    @Test
    void theModelStopsWhereItIsToldAndWhatItReadIsWhatAWholeRunReads() {
        Random random = new Random(24);
        float[][] windows = new float[2][8 * SpeechModel.CHUNK];
        for (float[] w : windows) {
            for (int i = 0; i < w.length; i++) {
                // a 200 Hz tone in hiss: something for the network to answer more than zero to
                w[i] = (float) (0.2 * Math.sin(2 * Math.PI * 200 * i / SpeechModel.RATE) + 0.01 * random.nextGaussian());
            }
        }
        SpeechModel model = SpeechModel.shared();
        float[][] whole = model.probabilities(windows);
        int[] told = new int[1];
        float[][] stopped = model.probabilities(windows, (step, p) -> {
            told[0] = step;
            return step == 3;
        });
        assertThat(told[0]).as("the last step it was told of").isEqualTo(3);
        for (int b = 0; b < windows.length; b++) {
            for (int c = 0; c < 8; c++) {
                if (c <= 3) {
                    assertThat(stopped[b][c]).as("window " + b + " chunk " + c).isEqualTo(whole[b][c]).isGreaterThan(0f);
                } else {
                    assertThat(stopped[b][c]).as("window " + b + " chunk " + c + ", not read").isZero();
                }
            }
        }
    }
}
