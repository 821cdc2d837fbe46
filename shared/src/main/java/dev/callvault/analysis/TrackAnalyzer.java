package dev.callvault.analysis;

import dev.callvault.audio.PcmReader;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/** Reads recordings (streaming, WAV or MP3) and finds each party's speech: one track per party, or both channels of one. */
public final class TrackAnalyzer {
    /**
     * This analyser's version, stored with each analysis it makes: raise it with any change that can change what is
     * found (the detector, its thresholds, the speech model, what counts as a turn or a barge-in), and every stored
     * analysis of an older version is made again, by the daemon as its calls' recordings complete and by
     * {@code callvault analyze}, rather than kept as unchanged.
     */
    public static final int VERSION = 1;

    private TrackAnalyzer() {
    }

    /** The speech of each channel of {@code audio}, and its length in seconds. */
    public record Tracks(double seconds, List<List<Segment>> channels) {
    }

    public static Tracks read(InputStream audio, String format) throws IOException {
        return read(audio, format, null);
    }

    /** As {@link #read(InputStream, String)}; {@code also}, when not null, is fed the same decoded audio (a waveform). */
    public static Tracks read(InputStream audio, String format, PcmReader.Sink also) throws IOException {
        VoiceActivity[][] vad = new VoiceActivity[1][];
        PcmReader.read(audio, format, new PcmReader.Sink() {
            @Override
            public void format(int sampleRate, int channels) {
                vad[0] = new VoiceActivity[channels];
                for (int c = 0; c < channels; c++) {
                    vad[0][c] = new VoiceActivity(sampleRate, SpeechModel.shared());
                }
                if (also != null) {
                    also.format(sampleRate, channels);
                }
            }

            @Override
            public void samples(short[] samples, int frames) {
                if (also != null) {
                    also.samples(samples, frames);
                }
                VoiceActivity[] v = vad[0];
                int channels = v.length;
                for (int f = 0; f < frames; f++) {
                    for (int c = 0; c < channels; c++) {
                        v[c].sample(samples[f * channels + c]);
                    }
                }
            }
        });
        VoiceActivity[] v = vad[0];
        return new Tracks(v[0].seconds(), java.util.Arrays.stream(v).map(VoiceActivity::finish).toList());
    }

    /** A Twilio dual-channel recording: channel 1 is the caller (inbound), channel 2 the assistant (DESIGN 8). */
    public static Conversation dualChannel(InputStream audio, String format) throws IOException {
        return dualChannel(audio, format, null);
    }

    /** As {@link #dualChannel(InputStream, String)}, feeding the decoded audio to {@code also} too (when not null). */
    public static Conversation dualChannel(InputStream audio, String format, PcmReader.Sink also) throws IOException {
        Tracks t = read(audio, format, also);
        if (t.channels().size() != 2) {
            throw new IOException("expected a dual-channel recording, found " + t.channels().size() + " channel(s)");
        }
        return Conversation.of(t.seconds(), t.channels().get(0), t.channels().get(1));
    }

    /** The real-time recordings: the caller's track and the assistant's, each mono. */
    public static Conversation twoTracks(InputStream caller, String callerFormat, InputStream assistant, String assistantFormat) throws IOException {
        Tracks c = read(caller, callerFormat);
        Tracks a = read(assistant, assistantFormat);
        return Conversation.of(Math.max(c.seconds(), a.seconds()), c.channels().get(0), a.channels().get(0));
    }
}
