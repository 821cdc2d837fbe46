package dev.callvault.audio;

/** G.711 µ-law, as Twilio Media Streams carry it: one byte a sample at 8 kHz. */
public final class MuLaw {
    /** The µ-law byte for silence. */
    public static final byte SILENCE = (byte) 0xFF;
    private static final short[] DECODE = new short[256];

    static {
        for (int i = 0; i < 256; i++) {
            int u = ~i & 0xFF;
            int sign = u & 0x80;
            int exponent = (u >> 4) & 0x07;
            int mantissa = u & 0x0F;
            int magnitude = ((mantissa << 3) + 0x84) << exponent;
            DECODE[i] = (short) (sign != 0 ? 0x84 - magnitude : magnitude - 0x84);
        }
    }

    private MuLaw() {
    }

    public static short decode(byte b) {
        return DECODE[b & 0xFF];
    }

    public static short[] decode(byte[] in) {
        short[] out = new short[in.length];
        for (int i = 0; i < in.length; i++) {
            out[i] = DECODE[in[i] & 0xFF];
        }
        return out;
    }

    /** Encodes one 16-bit sample (used by tests and the replay tool to make streams). */
    public static byte encode(short sample) {
        int s = sample;
        int sign = (s >> 8) & 0x80;
        if (sign != 0) {
            s = -s;
        }
        s = Math.min(s, 32635) + 0x84;
        int exponent = 7;
        for (int mask = 0x4000; (s & mask) == 0 && exponent > 0; mask >>= 1) {
            exponent--;
        }
        int mantissa = (s >> (exponent + 3)) & 0x0F;
        return (byte) ~(sign | (exponent << 4) | mantissa);
    }
}
