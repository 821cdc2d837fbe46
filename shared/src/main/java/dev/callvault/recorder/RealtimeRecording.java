package dev.callvault.recorder;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.callvault.audio.AudioSink;
import dev.callvault.audio.Mp3Sink;
import dev.callvault.audio.MuLaw;
import dev.callvault.audio.WavSink;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One call's real-time recording in its spool directory: each track's frames placed by timestamp and encoded as
 * they arrive (WAV or MP3), the mixed track summed on the fly, everything made durable by {@link #sync()}.
 * Not thread-safe: one WebSocket feeds it, and the recorder syncs it under the same lock.
 */
public final class RealtimeRecording implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule());
    static final String INFO = "info.json";

    private final Path dir;
    private volatile StreamInfo info;
    private final Map<String, Placement> tracks = new LinkedHashMap<>();
    private final Mixer mixer;
    private final Map<String, PeakingSink> sinks = new LinkedHashMap<>();
    private long lastSample;
    /** Paused spans, in samples from the stream's start: {from, to}, to = Long.MAX_VALUE while paused. */
    private final java.util.List<long[]> paused = new java.util.ArrayList<>();
    private boolean closed;
    private volatile boolean failed;

    RealtimeRecording(Path dir, StreamInfo info) throws IOException {
        this.dir = dir;
        this.info = info;
        Files.createDirectories(dir);
        writeInfo(dir, info);
        for (String type : info.rows().keySet()) {
            Path file = dir.resolve(type + "." + info.format());
            PeakingSink sink = new PeakingSink(info.format().equals("mp3") ? new Mp3Sink(file) : new WavSink(file));
            sinks.put(type, sink);
        }
        for (String type : new String[]{"user", "assistant"}) {
            if (sinks.containsKey(type)) {
                tracks.put(type, new Placement(sinks.get(type)));
            }
        }
        mixer = sinks.containsKey("mixed") ? new Mixer(sinks.get("mixed")) : null;
    }

    public StreamInfo info() {
        return info;
    }

    /** Records (in {@code info.json} too) that the rows now exist, with these ids. */
    void rowsWritten(StreamInfo written) throws IOException {
        writeInfo(dir, written);
        info = written;
    }

    /** Replaces {@code info.json} atomically, so a crash leaves the old or the new one, never half of one. */
    static void writeInfo(Path dir, StreamInfo info) throws IOException {
        Path tmp = dir.resolve(INFO + ".tmp");
        JSON.writeValue(tmp.toFile(), info);
        Files.move(tmp, dir.resolve(INFO), java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * A frame of {@code track} ("inbound": the caller, "outbound": the assistant) starting {@code timestampMs}
     * after the stream began.
     */
    public void media(String track, long timestampMs, byte[] mulaw) throws IOException {
        if (closed) {
            return; // stopped (the daemon shuts down, or the stream was finalized): what still arrives is not recorded
        }
        String type = switch (track) {
            case "inbound" -> "user";
            case "outbound" -> "assistant";
            default -> throw new IllegalArgumentException("unknown track '" + track + "'");
        };
        short[] pcm = MuLaw.decode(mulaw);
        long start = timestampMs * AudioSink.SAMPLE_RATE / 1000;
        silencePaused(start, pcm);
        Placement p = tracks.get(type);
        if (p != null) {
            p.place(start, pcm);
        }
        if (mixer != null) {
            mixer.add(type.equals("user") ? 0 : 1, start, pcm);
        }
        lastSample = Math.max(lastSample, start + pcm.length);
    }

    /**
     * Pauses every track from what has been placed so far (card data is being read): what arrives from now on is
     * written as digital silence, so no sample of the span reaches the spool, the store or the waveform, and every
     * track keeps its timeline. Returns the pause's start in seconds of the stream; a second pause changes nothing.
     */
    public double pause() {
        if (!isPaused()) {
            paused.add(new long[]{lastSample, Long.MAX_VALUE});
        }
        return paused.get(paused.size() - 1)[0] / (double) AudioSink.SAMPLE_RATE;
    }

    /** Ends the pause at what has been placed so far; returns its end in seconds of the stream (NaN when not paused). */
    public double resume() {
        if (!isPaused()) {
            return Double.NaN;
        }
        long[] open = paused.get(paused.size() - 1);
        open[1] = Math.max(open[0], lastSample);
        return open[1] / (double) AudioSink.SAMPLE_RATE;
    }

    /**
     * Where the last paused span ended, in seconds of the stream: the same for every caller after a resume, whichever of
     * several resumes at once ended it; NaN while paused or before any pause.
     */
    public double lastPauseEnd() {
        if (paused.isEmpty() || isPaused()) {
            return Double.NaN;
        }
        return paused.get(paused.size() - 1)[1] / (double) AudioSink.SAMPLE_RATE;
    }

    public boolean isPaused() {
        return !paused.isEmpty() && paused.get(paused.size() - 1)[1] == Long.MAX_VALUE;
    }

    /** Zeroes the samples of a frame starting at {@code start} that fall in a paused span. */
    private void silencePaused(long start, short[] pcm) {
        for (long[] span : paused) {
            long from = Math.max(span[0], start);
            long to = Math.min(span[1], start + pcm.length);
            if (from < to) {
                java.util.Arrays.fill(pcm, (int) (from - start), (int) (to - start), (short) 0);
            }
        }
    }

    /** Makes what has arrived durable, and returns the seconds recorded so far. */
    public double sync() throws IOException {
        for (AudioSink s : sinks.values()) {
            s.sync();
        }
        return lastSample / (double) AudioSink.SAMPLE_RATE;
    }

    public double seconds() {
        return lastSample / (double) AudioSink.SAMPLE_RATE;
    }

    /** Pads every track to the stream's end, finishes the files, and returns them by recording type. */
    public Map<String, Path> finish(long endTimestampMs) throws IOException {
        long end = Math.max(lastSample, endTimestampMs * AudioSink.SAMPLE_RATE / 1000);
        for (Placement p : tracks.values()) {
            p.padTo(end);
        }
        if (mixer != null) {
            mixer.finish(end);
        }
        lastSample = end;
        close();
        Map<String, Path> files = new LinkedHashMap<>();
        sinks.keySet().forEach(type -> files.put(type, dir.resolve(type + "." + info.format())));
        return files;
    }

    /** Each track's waveform, drawn from the samples as they were written (after {@link #finish}: the whole track). */
    public Map<String, dev.callvault.peaks.Peaks> peaks() {
        Map<String, dev.callvault.peaks.Peaks> peaks = new LinkedHashMap<>();
        sinks.forEach((type, sink) -> peaks.put(type, sink.peaks()));
        return peaks;
    }

    /** True once the recording could not be written and was given up (its rows are failed). */
    public boolean failed() {
        return failed;
    }

    void markFailed() {
        failed = true;
    }

    public Path dir() {
        return dir;
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            IOException first = null;
            for (AudioSink s : sinks.values()) {
                try {
                    s.close();
                } catch (IOException e) {
                    first = first == null ? e : first;
                }
            }
            if (first != null) {
                throw first;
            }
        }
    }
}
