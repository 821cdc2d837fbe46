package dev.callvault.peaks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.audio.PcmReader;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * A recording's waveform as BBC audiowaveform's JSON (version 2): per pixel and channel a minimum and a maximum,
 * 8-bit, channels interleaved, so waveform-data.js, peaks.js or audiowaveform itself can read what we store. Computed
 * in one streaming pass at 10 ms per pixel, then halved until the waveform is at most {@link #MAX_PIXELS} wide.
 */
public record Peaks(int version, int channels, int sampleRate, int samplesPerPixel, int bits, int length, byte[] data) {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Wide enough for a laptop's screen at two pixels a point, small enough (~100 KB) to send with the page. */
    public static final int MAX_PIXELS = 8192;

    /** The value of channel {@code c}'s minimum (or maximum) at pixel {@code i}, -128 to 127. */
    public int min(int i, int c) {
        return data[(i * channels + c) * 2];
    }

    public int max(int i, int c) {
        return data[(i * channels + c) * 2 + 1];
    }

    public double seconds() {
        return (double) length * samplesPerPixel / sampleRate;
    }

    /** The audiowaveform JSON document. */
    public String toJson() {
        StringBuilder b = new StringBuilder(64 + data.length * 4);
        b.append("{\"version\":").append(version).append(",\"channels\":").append(channels).append(",\"sample_rate\":").append(sampleRate)
                .append(",\"samples_per_pixel\":").append(samplesPerPixel).append(",\"bits\":").append(bits).append(",\"length\":").append(length)
                .append(",\"data\":[");
        for (int i = 0; i < data.length; i++) {
            b.append(i == 0 ? "" : ",").append(data[i]);
        }
        return b.append("]}").toString();
    }

    /** Reads an audiowaveform JSON document (version 1 has one channel and no "channels"). */
    public static Peaks parse(String json) throws IOException {
        JsonNode n = JSON.readTree(json);
        if (n.path("bits").asInt() != 8) {
            throw new IOException("waveform data of " + n.path("bits").asInt() + " bits; 8 is read here");
        }
        JsonNode values = n.path("data");
        byte[] data = new byte[values.size()];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) values.get(i).asInt();
        }
        return new Peaks(n.path("version").asInt(), n.path("channels").asInt(1), n.path("sample_rate").asInt(), n.path("samples_per_pixel").asInt(),
                8, n.path("length").asInt(), data);
    }

    /** Reads {@code audio} ("mp3" or "wav") to its end and returns its waveform. */
    public static Peaks of(InputStream audio, String format) throws IOException {
        Builder b = new Builder();
        PcmReader.read(audio, format, b);
        return b.build();
    }

    /**
     * A waveform of samples as they come (a live recording feeds it what it writes, so its waveform needs no decoding
     * of the file afterwards). Not thread-safe: one writer.
     */
    public static final class Builder implements PcmReader.Sink {
        private int rate;
        private int channels;
        private int perPixel;
        private short[] minmax = new short[0];
        private int pixels;
        private int inPixel;

        @Override
        public void format(int sampleRate, int channels) {
            this.rate = sampleRate;
            this.channels = channels;
            this.perPixel = Math.max(1, sampleRate / 100);
            this.minmax = new short[channels * 2 * 1024];
        }

        @Override
        public void samples(short[] s, int frames) {
            samples(s, 0, frames);
        }

        /** {@code frames} interleaved frames from {@code s[offset]}. */
        public void samples(short[] s, int offset, int frames) {
            for (int f = 0; f < frames; f++) {
                if (inPixel == 0) {
                    open();
                }
                int base = pixels * channels * 2;
                for (int c = 0; c < channels; c++) {
                    short v = s[offset + f * channels + c];
                    int at = base + c * 2;
                    if (v < minmax[at]) {
                        minmax[at] = v;
                    }
                    if (v > minmax[at + 1]) {
                        minmax[at + 1] = v;
                    }
                }
                if (++inPixel == perPixel) {
                    inPixel = 0;
                    if (++pixels == 2 * MAX_PIXELS) {
                        halve();
                    }
                }
            }
        }

        /** Merges pixel pairs in place: memory stays bounded however long the recording is. */
        private void halve() {
            int stride = channels * 2;
            for (int i = 0; i < pixels / 2; i++) {
                for (int c = 0; c < channels; c++) {
                    int a = (2 * i) * stride + c * 2;
                    int b = (2 * i + 1) * stride + c * 2;
                    minmax[i * stride + c * 2] = (short) Math.min(minmax[a], minmax[b]);
                    minmax[i * stride + c * 2 + 1] = (short) Math.max(minmax[a + 1], minmax[b + 1]);
                }
            }
            pixels /= 2;
            perPixel *= 2;
        }

        private void open() {
            int need = (pixels + 1) * channels * 2;
            if (need > minmax.length) {
                minmax = Arrays.copyOf(minmax, minmax.length * 2);
            }
            for (int i = pixels * channels * 2; i < need; i += 2) {
                minmax[i] = Short.MAX_VALUE;
                minmax[i + 1] = Short.MIN_VALUE;
            }
        }

        public Peaks build() {
            int length = pixels + (inPixel > 0 ? 1 : 0);
            int spp = perPixel;
            short[] mm = minmax;
            while (length > MAX_PIXELS) {
                int half = (length + 1) / 2;
                short[] next = new short[half * channels * 2];
                for (int i = 0; i < half; i++) {
                    for (int c = 0; c < channels; c++) {
                        int a = (2 * i * channels + c) * 2;
                        int b = ((2 * i + 1) * channels + c) * 2;
                        boolean second = 2 * i + 1 < length;
                        next[(i * channels + c) * 2] = second ? (short) Math.min(mm[a], mm[b]) : mm[a];
                        next[(i * channels + c) * 2 + 1] = second ? (short) Math.max(mm[a + 1], mm[b + 1]) : mm[a + 1];
                    }
                }
                mm = next;
                length = half;
                spp *= 2;
            }
            byte[] data = new byte[length * channels * 2];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (mm[i] >> 8);
            }
            return new Peaks(2, Math.max(1, channels), rate, spp, 8, length, data);
        }
    }
}
