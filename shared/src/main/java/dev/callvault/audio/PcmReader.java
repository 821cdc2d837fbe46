package dev.callvault.audio;

import javazoom.jl.decoder.Bitstream;
import javazoom.jl.decoder.BitstreamException;
import javazoom.jl.decoder.Decoder;
import javazoom.jl.decoder.DecoderException;
import javazoom.jl.decoder.Header;
import javazoom.jl.decoder.SampleBuffer;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Streams a recording's samples, a block at a time and never the whole file: 16-bit PCM WAV (ours and Twilio's) by
 * its chunks, MP3 through JLayer's frame decoder. Samples arrive interleaved by channel.
 */
public final class PcmReader {
    /** Receives each block of decoded audio. */
    public interface Sink {
        /** The format, once, before any samples. */
        void format(int sampleRate, int channels);

        /** {@code frames * channels} samples from {@code samples[0]}, interleaved. */
        void samples(short[] samples, int frames);
    }

    private PcmReader() {
    }

    /** Decodes {@code in} ("mp3" or "wav") into {@code sink}. Throws {@link IOException} when the bytes are not that format. */
    public static void read(InputStream in, String format, Sink sink) throws IOException {
        switch (format) {
            case "mp3" -> mp3(in, sink);
            case "wav" -> wav(in, sink);
            default -> throw new IOException("cannot decode '" + format + "' audio; mp3 and wav are known");
        }
    }

    private static void wav(InputStream raw, Sink sink) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 64 * 1024));
        byte[] tag = new byte[4];
        in.readFully(tag);
        if (!"RIFF".equals(new String(tag, java.nio.charset.StandardCharsets.US_ASCII))) {
            throw new IOException("not a WAV file (no RIFF header)");
        }
        in.readInt();
        in.readFully(tag);
        int channels = 0;
        int bits = 0;
        while (true) {
            try {
                in.readFully(tag);
            } catch (EOFException e) {
                throw new IOException("a WAV file without a data chunk");
            }
            String id = new String(tag, java.nio.charset.StandardCharsets.US_ASCII);
            long size = Integer.toUnsignedLong(Integer.reverseBytes(in.readInt()));
            if (id.equals("fmt ")) {
                byte[] fmt = new byte[(int) size];
                in.readFully(fmt);
                ByteBuffer b = ByteBuffer.wrap(fmt).order(ByteOrder.LITTLE_ENDIAN);
                int encoding = b.getShort(0) & 0xffff;
                channels = b.getShort(2);
                int rate = b.getInt(4);
                bits = b.getShort(14);
                if (encoding != 1 || bits != 16 || channels < 1) {
                    throw new IOException("WAV of encoding " + encoding + " with " + bits + "-bit samples; 16-bit PCM is known");
                }
                sink.format(rate, channels);
            } else if (id.equals("data")) {
                if (channels == 0) {
                    throw new IOException("a WAV data chunk before its fmt chunk");
                }
                pcm16(in, channels, size, sink);
                return;
            } else {
                in.skipNBytes(size + (size & 1));
            }
        }
    }

    /** The data chunk; a size of 0 or past the end (a writer that died before fixing its header) reads to the end. */
    private static void pcm16(InputStream in, int channels, long size, Sink sink) throws IOException {
        int frameBytes = 2 * channels;
        byte[] buf = new byte[frameBytes * 4096];
        short[] samples = new short[channels * 4096];
        long left = size == 0 || size == 0xffffffffL ? Long.MAX_VALUE : size;
        int held = 0;
        while (left > 0) {
            int n = in.read(buf, held, (int) Math.min(buf.length - held, left));
            if (n < 0) {
                break;
            }
            left -= n;
            held += n;
            int frames = held / frameBytes;
            ByteBuffer.wrap(buf, 0, frames * frameBytes).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(samples, 0, frames * channels);
            sink.samples(samples, frames);
            int rest = held - frames * frameBytes;
            System.arraycopy(buf, frames * frameBytes, buf, 0, rest);
            held = rest;
        }
    }

    /**
     * MP3 through JLayer, trimmed to the audio that was encoded ({@link Mp3Gapless}): without that, every time read
     * from an MP3 is late by the codec's delay (1105 samples, 0.14 s at 8 kHz, for LAME) and the file is long by its padding.
     */
    private static void mp3(InputStream raw, Sink sink) throws IOException {
        byte[] head = new byte[64 * 1024];
        int headLength = raw.readNBytes(head, 0, head.length);
        Mp3Gapless gapless = Mp3Gapless.of(head, headLength);
        InputStream in = new SequenceInputStream(new ByteArrayInputStream(head, 0, headLength), raw);
        Bitstream bits = new Bitstream(new BufferedInputStream(in, 64 * 1024));
        Decoder decoder = new Decoder();
        boolean started = false;
        int frames = 0;
        long decoded = 0;
        short[] trimmed = null;
        try {
            for (Header h = bits.readFrame(); h != null; h = bits.readFrame()) {
                SampleBuffer out = (SampleBuffer) decoder.decodeFrame(h, bits);
                bits.closeFrame();
                int channels = out.getChannelCount();
                if (!started) {
                    sink.format(out.getSampleFrequency(), channels);
                    started = true;
                }
                if (frames++ == 0 && gapless.tagFrame()) {
                    continue; // the tag's frame is no audio
                }
                int n = out.getBufferLength() / channels;
                long from = Math.max(decoded, gapless.skip());
                long to = Math.min(decoded + n, gapless.end());
                if (from == decoded && to == decoded + n) {
                    sink.samples(out.getBuffer(), n);
                } else if (to > from) {
                    trimmed = trimmed == null || trimmed.length < n * channels ? new short[n * channels] : trimmed;
                    System.arraycopy(out.getBuffer(), (int) (from - decoded) * channels, trimmed, 0, (int) (to - from) * channels);
                    sink.samples(trimmed, (int) (to - from));
                }
                decoded += n;
                if (decoded >= gapless.end()) {
                    break;
                }
            }
        } catch (BitstreamException | DecoderException | ArrayIndexOutOfBoundsException e) {
            if (frames == 0) {
                throw new IOException("not an MP3 file: " + e.getMessage(), e);
            }
            // a torn last frame (a recording cut short): what came before it stands
        } finally {
            try {
                bits.close();
            } catch (BitstreamException e) {
                // closing a stream we only read
            }
        }
        if (!started) {
            throw new IOException("an MP3 file without a single frame");
        }
    }
}
