package dev.callvault.testing;

import dev.callvault.audio.MuLaw;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A Media Stream as Twilio sends it (the shape of src/test/resources/twilio/media-stream-messages.jsonl), made up: the caller says
 * a 440 Hz tone, the assistant a 1000 Hz tone, each in the given seconds. The caller's track carries a frame every
 * 20 ms (silence between tones); the assistant's only while it speaks, as Twilio's outbound track does.
 */
public final class SyntheticCall {
    public static final int CALLER_HZ = 440;
    public static final int ASSISTANT_HZ = 1000;

    public final String accountSid;
    public final String callSid = Sids.call();
    public final String streamSid = Sids.random("MZ");
    private final double seconds;
    private final double[][] callerSpeaks;
    private final double[][] assistantSpeaks;

    public SyntheticCall(String accountSid, double seconds, double[][] callerSpeaks, double[][] assistantSpeaks) {
        this.accountSid = accountSid;
        this.seconds = seconds;
        this.callerSpeaks = callerSpeaks;
        this.assistantSpeaks = assistantSpeaks;
    }

    /** The 30 s call: caller 0-10 s and 20-30 s, assistant 8-22 s. */
    public static SyntheticCall standard(String accountSid) {
        return new SyntheticCall(accountSid, 30, new double[][]{{0, 10}, {20, 30}}, new double[][]{{8, 22}});
    }

    public static boolean speaks(double[][] spans, double t) {
        for (double[] s : spans) {
            if (t >= s[0] && t < s[1]) {
                return true;
            }
        }
        return false;
    }

    public double[][] callerSpeaks() {
        return callerSpeaks;
    }

    public double[][] assistantSpeaks() {
        return assistantSpeaks;
    }

    public String connected() {
        return "{\"event\":\"connected\",\"protocol\":\"Call\",\"version\":\"1.0.0\"}";
    }

    public String start(String assistant) {
        return "{\"event\":\"start\",\"sequenceNumber\":\"1\",\"start\":{\"accountSid\":\"" + accountSid + "\",\"streamSid\":\"" + streamSid
                + "\",\"callSid\":\"" + callSid + "\",\"tracks\":[\"inbound\",\"outbound\"],\"mediaFormat\":{\"encoding\":\"audio/x-mulaw\","
                + "\"sampleRate\":8000,\"channels\":1},\"customParameters\":{" + (assistant == null ? "" : "\"assistant\":\"" + assistant + "\"")
                + "}},\"streamSid\":\"" + streamSid + "\"}";
    }

    public String stop() {
        return "{\"event\":\"stop\",\"sequenceNumber\":\"999999\",\"stop\":{\"accountSid\":\"" + accountSid + "\",\"callSid\":\"" + callSid
                + "\"},\"streamSid\":\"" + streamSid + "\"}";
    }

    /** The media messages of {@code [fromSecond, toSecond)}, in time order, both tracks. */
    public List<String> media(double fromSecond, double toSecond) {
        List<String> out = new ArrayList<>();
        int[] chunk = {0, 0};
        for (int ms = (int) (fromSecond * 1000); ms < Math.min(toSecond, seconds) * 1000; ms += 20) {
            double t = ms / 1000.0;
            out.add(frame("inbound", ms, ++chunk[0], speaks(callerSpeaks, t) ? CALLER_HZ : 0));
            if (speaks(assistantSpeaks, t)) {
                out.add(frame("outbound", ms, ++chunk[1], ASSISTANT_HZ));
            }
        }
        return out;
    }

    public List<String> all() {
        List<String> out = new ArrayList<>();
        out.add(connected());
        out.add(start(null));
        out.addAll(media(0, seconds));
        out.add(stop());
        return out;
    }

    private String frame(String track, int ms, int chunk, int hz) {
        byte[] payload = new byte[160];
        for (int i = 0; i < 160; i++) {
            long n = ms * 8L + i;
            payload[i] = hz == 0 ? MuLaw.SILENCE : MuLaw.encode((short) (8000 * Math.sin(2 * Math.PI * hz * n / 8000.0)));
        }
        return "{\"event\":\"media\",\"sequenceNumber\":\"" + (chunk + 1) + "\",\"media\":{\"track\":\"" + track + "\",\"chunk\":\"" + chunk
                + "\",\"timestamp\":\"" + ms + "\",\"payload\":\"" + Base64.getEncoder().encodeToString(payload) + "\"},\"streamSid\":\""
                + streamSid + "\"}";
    }
}
