package dev.callvault.testing;

import dev.callvault.storage.Hex;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.SplittableRandom;

/**
 * Real, playable audio of any size, made on the fly from a seed: a dual-channel MP3 of silent MPEG-1 Layer III
 * frames whose ancillary bytes are seeded noise (so every part of a file differs), or a 16-bit 8 kHz stereo WAV of
 * a tone plus seeded noise. The same seed and size always give the same bytes, so a test can recompute the hash.
 */
public final class SyntheticAudio extends InputStream {
    public enum Kind { MP3, WAV }

    private static final int MP3_FRAME = 417; // 128 kbit/s at 44.1 kHz, no padding
    private static final int MP3_HEADER_AND_SIDE_INFO = 4 + 32;
    private static final int WAV_HEADER = 44;
    private static final int WAV_BLOCK = 400; // 100 stereo samples

    private final Kind kind;
    private final long seed;
    private final long size;
    private final byte[] block;
    private long position;
    private long blockIndex = -1;

    public SyntheticAudio(Kind kind, long seed, long size) {
        this.kind = kind;
        this.seed = seed;
        this.size = size;
        this.block = new byte[kind == Kind.MP3 ? MP3_FRAME : WAV_BLOCK];
    }

    public static String sha256(Kind kind, long seed, long size) {
        MessageDigest d = Hex.sha256();
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = new SyntheticAudio(kind, seed, size)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                d.update(buf, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Hex.of(d.digest());
    }

    public static byte[] bytes(Kind kind, long seed, int size) {
        try (InputStream in = new SyntheticAudio(kind, seed, size)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (position >= size) {
            return -1;
        }
        int total = 0;
        while (total < len && position < size) {
            long offsetInBody;
            byte[] source;
            int index;
            if (kind == Kind.WAV && position < WAV_HEADER) {
                source = wavHeader();
                index = (int) position;
            } else {
                offsetInBody = kind == Kind.WAV ? position - WAV_HEADER : position;
                long wanted = offsetInBody / block.length;
                if (wanted != blockIndex) {
                    fill(wanted);
                }
                source = block;
                index = (int) (offsetInBody % block.length);
            }
            int n = (int) Math.min(Math.min(len - total, source.length - index), size - position);
            System.arraycopy(source, index, b, off + total, n);
            total += n;
            position += n;
        }
        return total;
    }

    private void fill(long index) {
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + index);
        if (kind == Kind.MP3) {
            block[0] = (byte) 0xFF;
            block[1] = (byte) 0xFB; // MPEG-1, Layer III, no CRC
            block[2] = (byte) 0x90; // 128 kbit/s, 44.1 kHz, no padding
            block[3] = (byte) 0x80; // dual channel
            java.util.Arrays.fill(block, 4, MP3_HEADER_AND_SIDE_INFO, (byte) 0); // empty granules: silence
            for (int i = MP3_HEADER_AND_SIDE_INFO; i < block.length; i++) {
                block[i] = (byte) random.nextInt(256); // ancillary data, ignored by decoders
            }
        } else {
            ByteBuffer buf = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
            for (int s = 0; s < WAV_BLOCK / 4; s++) {
                long n = index * (WAV_BLOCK / 4) + s;
                short caller = (short) (8000 * Math.sin(2 * Math.PI * 440 * n / 8000.0) + random.nextInt(200) - 100);
                short assistant = (short) (8000 * Math.sin(2 * Math.PI * 1000 * n / 8000.0) + random.nextInt(200) - 100);
                buf.putShort(caller).putShort(assistant);
            }
        }
        blockIndex = index;
    }

    private byte[] wavHeader() {
        long data = ((size - WAV_HEADER) / 4) * 4;
        ByteBuffer h = ByteBuffer.allocate(WAV_HEADER).order(ByteOrder.LITTLE_ENDIAN);
        h.put("RIFF".getBytes()).putInt((int) Math.min(data + 36, 0xFFFFFFFFL)).put("WAVE".getBytes())
                .put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) 2).putInt(8000).putInt(8000 * 4)
                .putShort((short) 4).putShort((short) 16)
                .put("data".getBytes()).putInt((int) Math.min(data, 0xFFFFFFFFL));
        return h.array();
    }
}
