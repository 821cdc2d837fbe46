package dev.callvault.testing;

import dev.callvault.analysis.Segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import de.sciss.jump3r.lowlevel.LameEncoder;

import javax.sound.sampled.AudioFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * One of the speech fixtures in src/test/resources/analysis (made by make-fixtures.py with espeak-ng): the two
 * parties' mu-law tracks as a phone line carries them, and the segment times the script placed.
 */
public record SpeechFixture(String name, byte[] callerUlaw, byte[] assistantUlaw, double seconds, List<Segment> callerTruth, List<Segment> assistantTruth) implements TwoTracks {

    public static SpeechFixture load(String name) {
        try {
            JsonNode truth = new ObjectMapper().readTree(resource(name, "truth.json"));
            return new SpeechFixture(name, resource(name, "caller.ulaw"), resource(name, "assistant.ulaw"), truth.get("seconds").asDouble(),
                    segments(truth.get("caller")), segments(truth.get("assistant")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] resource(String name, String file) throws IOException {
        return resource("/analysis/" + name + "/" + file);
    }

    /** A fixture file on the test class path, whole. */
    static byte[] resource(String path) throws IOException {
        try (InputStream in = SpeechFixture.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IOException("no fixture " + path);
            }
            return in.readAllBytes();
        }
    }

    /** A truth file's segments: [start, end] pairs in seconds. */
    static List<Segment> segments(JsonNode list) {
        List<Segment> out = new ArrayList<>();
        list.forEach(s -> out.add(new Segment(s.get(0).asDouble(), s.get(1).asDouble())));
        return out;
    }

    /**
     * The call as Twilio's Media Stream sends it: {@code connected}, {@code start}, then a 20 ms frame of each track in
     * turn (the caller inbound, the assistant outbound), then {@code stop}.
     */
    public List<String> mediaStream(String accountSid, String callSid, String streamSid) {
        List<String> out = new ArrayList<>();
        out.add("{\"event\":\"connected\",\"protocol\":\"Call\",\"version\":\"1.0.0\"}");
        out.add("{\"event\":\"start\",\"sequenceNumber\":\"1\",\"start\":{\"accountSid\":\"" + accountSid + "\",\"streamSid\":\"" + streamSid
                + "\",\"callSid\":\"" + callSid + "\",\"tracks\":[\"inbound\",\"outbound\"],\"mediaFormat\":{\"encoding\":\"audio/x-mulaw\","
                + "\"sampleRate\":8000,\"channels\":1},\"customParameters\":{}},\"streamSid\":\"" + streamSid + "\"}");
        int seq = 2;
        for (int at = 0, chunk = 1; at + 160 <= callerUlaw.length; at += 160, chunk++) {
            for (String track : new String[]{"inbound", "outbound"}) {
                byte[] payload = java.util.Arrays.copyOfRange(track.equals("inbound") ? callerUlaw : assistantUlaw, at, at + 160);
                out.add("{\"event\":\"media\",\"sequenceNumber\":\"" + seq++ + "\",\"media\":{\"track\":\"" + track + "\",\"chunk\":\"" + chunk
                        + "\",\"timestamp\":\"" + at / 8 + "\",\"payload\":\"" + java.util.Base64.getEncoder().encodeToString(payload)
                        + "\"},\"streamSid\":\"" + streamSid + "\"}");
            }
        }
        out.add("{\"event\":\"stop\",\"sequenceNumber\":\"" + seq + "\",\"stop\":{\"accountSid\":\"" + accountSid + "\",\"callSid\":\""
                + callSid + "\"},\"streamSid\":\"" + streamSid + "\"}");
        return out;
    }

    /** 16-bit PCM WAV of interleaved channels. */
    public static byte[] wav(short[]... channels) {
        int n = channels[0].length;
        int c = channels.length;
        ByteBuffer b = ByteBuffer.allocate(44 + n * c * 2).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(36 + n * c * 2).put("WAVE".getBytes()).put("fmt ".getBytes()).putInt(16).putShort((short) 1)
                .putShort((short) c).putInt(8000).putInt(8000 * c * 2).putShort((short) (c * 2)).putShort((short) 16)
                .put("data".getBytes()).putInt(n * c * 2);
        for (int i = 0; i < n; i++) {
            for (short[] ch : channels) {
                b.putShort(ch[i]);
            }
        }
        return b.array();
    }

    /** An MP3 of one or two channels at 8 kHz, as LAME makes it (Twilio's dual-channel recordings are MP3 too). */
    public static byte[] mp3(short[]... channels) {
        int c = channels.length;
        LameEncoder encoder = new LameEncoder(new AudioFormat(8000, 16, c, true, false), c == 1 ? 32 : 64,
                c == 1 ? LameEncoder.CHANNEL_MODE_MONO : LameEncoder.CHANNEL_MODE_STEREO, LameEncoder.QUALITY_MIDDLE, false);
        byte[] pcm = wav(channels);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[Math.max(encoder.getMP3BufferSize(), 8192)];
        int chunk = encoder.getPCMBufferSize();
        for (int at = 44; at < pcm.length; at += chunk) {
            int len = Math.min(chunk, pcm.length - at);
            byte[] part = java.util.Arrays.copyOfRange(pcm, at, at + len);
            int n = encoder.encodeBuffer(part, 0, len, buf);
            out.write(buf, 0, n);
        }
        int n = encoder.encodeFinish(buf);
        out.write(buf, 0, n);
        encoder.close();
        return out.toByteArray();
    }
}
