package dev.callvault.recorder;

import dev.callvault.audio.AudioSink;
import dev.callvault.peaks.Peaks;

import java.io.IOException;

/**
 * A track's file sink that also draws the track's waveform from the samples it writes, so a finished recording's
 * waveform is ready without decoding its file (decoding three MP3 tracks was most of a finalize's work).
 */
final class PeakingSink implements AudioSink {
    private final AudioSink file;
    private final Peaks.Builder peaks = new Peaks.Builder();

    PeakingSink(AudioSink file) {
        this.file = file;
        peaks.format(SAMPLE_RATE, 1);
    }

    @Override
    public void write(short[] samples, int offset, int length) throws IOException {
        file.write(samples, offset, length);
        peaks.samples(samples, offset, length);
    }

    @Override
    public void sync() throws IOException {
        file.sync();
    }

    @Override
    public long samples() {
        return file.samples();
    }

    @Override
    public void close() throws IOException {
        file.close();
    }

    /** The waveform of everything written so far. */
    Peaks peaks() {
        return peaks.build();
    }
}
