package dev.callvault.audio;

import de.sciss.jump3r.mp3.BitStream;
import de.sciss.jump3r.mp3.GainAnalysis;
import de.sciss.jump3r.mp3.ID3Tag;
import de.sciss.jump3r.mp3.Lame;
import de.sciss.jump3r.mp3.LameGlobalFlags;
import de.sciss.jump3r.mp3.MPEGMode;
import de.sciss.jump3r.mp3.Presets;
import de.sciss.jump3r.mp3.Quantize;
import de.sciss.jump3r.mp3.QuantizePVT;
import de.sciss.jump3r.mp3.Reservoir;
import de.sciss.jump3r.mp3.Takehiro;
import de.sciss.jump3r.mp3.VBRTag;
import de.sciss.jump3r.mp3.Version;
import de.sciss.jump3r.mpg.MPGLib;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;

/**
 * A streaming mono MP3 (32 kbit/s CBR, 8 kHz, LAME quality 5) through jump3r, LAME's Java port: encoded as the
 * samples arrive. LAME is driven through its own API rather than jump3r's {@code LameEncoder}, which always turns on
 * ReplayGain analysis: a loudness figure for the LAME tag that nothing here reads, and a quarter of the recorder's CPU
 * (its Yule and Butterworth filters were the two hottest methods of the daemon with 200 live calls).
 */
public final class Mp3Sink implements AudioSink {
    /** Samples handed to LAME at a time; its output for them fits in {@link #mp3} (1.25 x samples + 7200, LAME's bound). */
    private static final int CHUNK = 1152 * 4;

    private final Lame lame = new Lame();
    private final VBRTag tag = new VBRTag();
    private final Path file;
    private final LameGlobalFlags flags;
    private final FileOutputStream out;
    private final int[] pcm = new int[CHUNK];
    private final byte[] mp3 = new byte[CHUNK * 5 / 4 + 7200];
    private int pending;
    private long samples;

    public Mp3Sink(Path file) throws IOException {
        this.file = file;
        flags = encoder(lame, tag);
        out = new FileOutputStream(file.toFile());
    }

    /** LAME's modules wired as its frontend wires them, set up for 8 kHz mono telephone audio. */
    private static LameGlobalFlags encoder(Lame lame, VBRTag vbr) throws IOException {
        GainAnalysis ga = new GainAnalysis();
        BitStream bs = new BitStream();
        Presets p = new Presets();
        QuantizePVT qupvt = new QuantizePVT();
        Quantize qu = new Quantize();
        Version ver = new Version();
        ID3Tag id3 = new ID3Tag();
        Reservoir rv = new Reservoir();
        Takehiro tak = new Takehiro();
        MPGLib mpg = new MPGLib();
        lame.setModules(ga, bs, p, qupvt, qu, vbr, ver, id3, mpg);
        bs.setModules(ga, mpg, ver, vbr);
        id3.setModules(bs, ver);
        p.setModules(lame);
        qu.setModules(bs, rv, qupvt, tak);
        qupvt.setModules(tak, rv, lame.enc.psy);
        rv.setModules(bs);
        tak.setModules(qupvt);
        vbr.setModules(lame, bs, ver);

        LameGlobalFlags f = lame.lame_init();
        f.num_channels = 1;
        f.in_samplerate = SAMPLE_RATE;
        f.out_samplerate = SAMPLE_RATE;
        f.mode = MPEGMode.MONO;
        f.brate = 32;
        f.quality = 5;
        id3.id3tag_init(f);
        f.write_id3tag_automatic = false;
        f.findReplayGain = false;
        f.decode_on_the_fly = false;
        if (lame.lame_init_params(f) < 0) {
            throw new IOException("the MP3 encoder refused 8 kHz mono at 32 kbit/s");
        }
        // lame_init_params makes ReplayGain's filter state whether or not it is used (134 KB: a quarter of an
        // encoder, three encoders a call); every use of it is behind findReplayGain, which is off
        f.internal_flags.rgdata = null;
        return f;
    }

    @Override
    public void write(short[] s, int offset, int length) throws IOException {
        for (int i = 0; i < length; i++) {
            pcm[pending++] = s[offset + i] << 16; // LAME's int interface is 32-bit full scale
            if (pending == CHUNK) {
                encode();
            }
        }
        samples += length;
    }

    private void encode() throws IOException {
        if (pending > 0) {
            int n = lame.lame_encode_buffer_int(flags, pcm, pcm, pending, mp3, 0, mp3.length);
            if (n < 0) {
                throw new IOException("the MP3 encoder failed (" + n + ")");
            }
            out.write(mp3, 0, n);
            pending = 0;
        }
    }

    @Override
    public void sync() throws IOException {
        encode();
        out.flush();
        out.getFD().sync();
    }

    @Override
    public long samples() {
        return samples;
    }

    @Override
    public void close() throws IOException {
        encode();
        int n = lame.lame_encode_flush(flags, mp3, 0, mp3.length);
        if (n > 0) {
            out.write(mp3, 0, n);
        }
        out.close();
        // the first frame LAME reserved becomes its Info tag: the encoder's delay and padding, which a reader takes
        // off so that times read from the file are the times recorded (PcmReader). Written here rather than by
        // VBRTag.putVbrTag, which in jump3r 1.0.5 writes it 10 bytes in, over the next frame's header.
        byte[] frame = new byte[2880];
        int length = tag.getLameTagFrame(flags, frame);
        if (length > 0) {
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                f.write(frame, 0, length);
                f.getFD().sync();
            }
        }
        lame.lame_close(flags);
    }
}
