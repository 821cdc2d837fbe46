package dev.callvault.audio;

import java.nio.charset.StandardCharsets;

/**
 * Where an MP3's own audio starts and ends among its decoded samples. An MP3 decodes to more than was encoded: the
 * encoder puts {@code delay} samples of its filter's start before the audio (576 for LAME) and pads the last frame, and
 * the decoder's synthesis filter adds {@value #DECODER_DELAY} more at the start. LAME writes the exact numbers into
 * its first frame (a Xing or Info tag followed by the LAME tag) once the file is complete; a file written as a stream
 * keeps that frame as LAME reserved it, all zeros. Read the way mpg123 and ffmpeg read it:
 * <ul>
 * <li>a LAME tag: drop the tag frame, {@code delay + 529} samples at the start and end at
 * {@code frames * samplesPerFrame - padding + 529}: the encoded samples exactly;</li>
 * <li>LAME's reserved, unfilled frame: drop it and LAME's default delay (576 + 529); the end is not known;</li>
 * <li>anything else: drop the decoder's 529.</li>
 * </ul>
 */
record Mp3Gapless(boolean tagFrame, int skip, long end) {
    /** mpg123's and libmad's synthesis delay, in samples; JLayer's is the same (a click encoded at 4000 decodes at 4000). */
    static final int DECODER_DELAY = 529;
    static final int LAME_DEFAULT_DELAY = 576;
    /** No known end: decode to the last frame. */
    static final long UNKNOWN = Long.MAX_VALUE;

    /** The gapless numbers of the file whose first bytes are {@code head} (any ID3v2 tag included). */
    static Mp3Gapless of(byte[] head, int length) {
        int at = 0;
        if (length >= 10 && head[0] == 'I' && head[1] == 'D' && head[2] == '3') {
            at = 10 + ((head[6] & 0x7f) << 21 | (head[7] & 0x7f) << 14 | (head[8] & 0x7f) << 7 | (head[9] & 0x7f));
            if ((head[5] & 0x10) != 0) {
                at += 10; // a footer
            }
        }
        Mp3Gapless plain = new Mp3Gapless(false, DECODER_DELAY, UNKNOWN);
        if (at + 4 > length || (head[at] & 0xff) != 0xff || (head[at + 1] & 0xe0) != 0xe0) {
            return plain;
        }
        int version = (head[at + 1] >> 3) & 3; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
        int layer = (head[at + 1] >> 1) & 3; // 1: Layer III
        boolean crc = (head[at + 1] & 1) == 0;
        int bitrateIndex = (head[at + 2] >> 4) & 0xf;
        int rateIndex = (head[at + 2] >> 2) & 3;
        boolean mono = ((head[at + 3] >> 6) & 3) == 3;
        if (layer != 1 || version == 1 || bitrateIndex == 0 || bitrateIndex == 15 || rateIndex == 3) {
            return plain;
        }
        boolean mpeg1 = version == 3;
        int samplesPerFrame = mpeg1 ? 1152 : 576;
        int sideInfo = mpeg1 ? (mono ? 17 : 32) : (mono ? 9 : 17);
        int body = at + 4 + (crc ? 2 : 0) + sideInfo;
        int frameLength = frameLength(mpeg1, version, bitrateIndex, rateIndex, (head[at + 2] >> 1) & 1);
        if (body + 4 > length || frameLength <= 0) {
            return plain;
        }
        String id = new String(head, body, 4, StandardCharsets.US_ASCII);
        if (id.equals("Xing") || id.equals("Info")) {
            return lame(head, length, body, samplesPerFrame, plain);
        }
        int frameEnd = Math.min(length, at + frameLength);
        for (int i = at + 4; i < frameEnd; i++) {
            if (head[i] != 0) {
                return plain;
            }
        }
        return new Mp3Gapless(true, LAME_DEFAULT_DELAY + DECODER_DELAY, UNKNOWN);
    }

    private static Mp3Gapless lame(byte[] head, int length, int xing, int samplesPerFrame, Mp3Gapless plain) {
        int flags = int32(head, xing + 4);
        int at = xing + 8;
        long frames = -1;
        if ((flags & 1) != 0) {
            frames = Integer.toUnsignedLong(int32(head, at));
            at += 4;
        }
        at += (flags & 2) != 0 ? 4 : 0;
        at += (flags & 4) != 0 ? 100 : 0;
        at += (flags & 8) != 0 ? 4 : 0;
        // the LAME tag: a 9-byte encoder name, then at +21 the delay and the padding, 12 bits each
        if (at + 24 > length) {
            return new Mp3Gapless(true, DECODER_DELAY, UNKNOWN);
        }
        int delay = (head[at + 21] & 0xff) << 4 | (head[at + 22] & 0xf0) >> 4;
        int padding = (head[at + 22] & 0x0f) << 8 | head[at + 23] & 0xff;
        long end = frames < 0 ? UNKNOWN : frames * samplesPerFrame - padding + DECODER_DELAY;
        return new Mp3Gapless(true, delay + DECODER_DELAY, end);
    }

    private static int frameLength(boolean mpeg1, int version, int bitrateIndex, int rateIndex, int padding) {
        int[] mpeg1Kbps = {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320};
        int[] mpeg2Kbps = {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160};
        int[][] rates = {{11025, 12000, 8000}, {}, {22050, 24000, 16000}, {44100, 48000, 32000}};
        int kbps = (mpeg1 ? mpeg1Kbps : mpeg2Kbps)[bitrateIndex];
        int rate = rates[version][rateIndex];
        return (mpeg1 ? 144 : 72) * kbps * 1000 / rate + padding;
    }

    private static int int32(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | b[at + 3] & 0xff;
    }
}
