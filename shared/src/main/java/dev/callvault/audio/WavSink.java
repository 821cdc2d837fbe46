package dev.callvault.audio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A streaming 16-bit mono WAV file. The header's sizes are written on every sync, so the file on disk is a
 * playable WAV of what has arrived at any moment, and {@link #repair} can finish one whose writer died.
 */
public final class WavSink implements AudioSink {
    static final int HEADER = 44;
    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(16 * 1024).order(ByteOrder.LITTLE_ENDIAN);
    private long samples;

    public WavSink(Path file) throws IOException {
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        channel.write(header(0), 0);
        channel.position(HEADER);
    }

    @Override
    public void write(short[] s, int offset, int length) throws IOException {
        for (int i = 0; i < length; i++) {
            if (buffer.remaining() < 2) {
                drain();
            }
            buffer.putShort(s[offset + i]);
        }
        samples += length;
    }

    private void drain() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        buffer.clear();
    }

    @Override
    public void sync() throws IOException {
        drain();
        channel.write(header(samples * 2), 0);
        channel.force(false);
    }

    @Override
    public long samples() {
        return samples;
    }

    @Override
    public void close() throws IOException {
        sync();
        channel.close();
    }

    static ByteBuffer header(long dataBytes) {
        ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        h.put("RIFF".getBytes()).putInt((int) (36 + dataBytes)).put("WAVE".getBytes())
                .put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) 1).putInt(SAMPLE_RATE).putInt(SAMPLE_RATE * 2)
                .putShort((short) 2).putShort((short) 16)
                .put("data".getBytes()).putInt((int) dataBytes);
        return h.flip();
    }

    /** Finishes a WAV whose writer died: sizes from the file's length. Returns the samples it holds. */
    public static long repair(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            long data = Math.max(0, ch.size() - HEADER) / 2 * 2;
            ch.truncate(HEADER + data);
            ch.write(header(data), 0);
            ch.force(false);
            return data / 2;
        }
    }
}
