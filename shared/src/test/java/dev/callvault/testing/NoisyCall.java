package dev.callvault.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.callvault.analysis.Conversation;
import dev.callvault.analysis.Segment;
import dev.callvault.analysis.TrackAnalyzer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A call of bench/vad/make-fixtures.py: two parties' mu-law tracks with noise at a known SNR, and the speech the script
 * placed. The whole set is made by the benchmark; a subset is committed in src/test/resources/analysis/noisy.
 */
public record NoisyCall(String name, String kind, int snrDb, double seconds, byte[] callerUlaw, byte[] assistantUlaw,
                        List<Segment> callerTruth, List<Segment> assistantTruth) implements TwoTracks {

    /** How the call reaches the analysis: our real-time tracks as WAV or MP3, or Twilio's dual-channel MP3. */
    public enum Form { WAV, MP3, TWILIO_MP3 }

    public static NoisyCall of(String name, JsonNode truth, byte[] caller, byte[] assistant) {
        return new NoisyCall(name, truth.get("kind").asText(), truth.get("snr_db").asInt(), truth.get("seconds").asDouble(), caller, assistant,
                segments(truth.get("caller")), segments(truth.get("assistant")));
    }

    /** Every call in {@code dir} (one folder each). */
    public static List<NoisyCall> all(Path dir) throws IOException {
        List<NoisyCall> calls = new ArrayList<>();
        try (Stream<Path> folders = Files.list(dir)) {
            for (Path d : folders.filter(p -> Files.exists(p.resolve("truth.json"))).sorted().toList()) {
                calls.add(of(d.getFileName().toString(), new ObjectMapper().readTree(d.resolve("truth.json").toFile()),
                        Files.readAllBytes(d.resolve("caller.ulaw")), Files.readAllBytes(d.resolve("assistant.ulaw"))));
            }
        }
        return calls;
    }

    /** A call of the committed subset. */
    public static NoisyCall load(String name) {
        try {
            return of(name, new ObjectMapper().readTree(resource(name, "truth.json")), resource(name, "caller.ulaw"), resource(name, "assistant.ulaw"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] resource(String name, String file) throws IOException {
        return SpeechFixture.resource("/analysis/noisy/" + name + "/" + file);
    }

    private static List<Segment> segments(JsonNode list) {
        return SpeechFixture.segments(list);
    }

    /** The conversation the analysis finds in this call's audio as {@code form}. */
    public Conversation analyze(Form form) throws IOException {
        return switch (form) {
            case WAV -> TrackAnalyzer.twoTracks(new ByteArrayInputStream(SpeechFixture.wav(caller())), "wav",
                    new ByteArrayInputStream(SpeechFixture.wav(assistant())), "wav");
            case MP3 -> TrackAnalyzer.twoTracks(new ByteArrayInputStream(SpeechFixture.mp3(caller())), "mp3",
                    new ByteArrayInputStream(SpeechFixture.mp3(assistant())), "mp3");
            case TWILIO_MP3 -> TrackAnalyzer.dualChannel(new ByteArrayInputStream(SpeechFixture.mp3(caller(), assistant())), "mp3");
        };
    }
}
