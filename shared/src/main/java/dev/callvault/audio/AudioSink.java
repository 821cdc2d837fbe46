package dev.callvault.audio;

import java.io.IOException;

/** Where one track's 8 kHz mono 16-bit samples go as they arrive: an encoder writing a file. */
public interface AudioSink extends AutoCloseable {
    int SAMPLE_RATE = 8000;

    void write(short[] samples, int offset, int length) throws IOException;

    /** Makes everything written so far durable on disk. */
    void sync() throws IOException;

    /** Samples written so far. */
    long samples();

    /** Finishes the file (headers, encoder tail) and closes it. */
    @Override
    void close() throws IOException;
}
