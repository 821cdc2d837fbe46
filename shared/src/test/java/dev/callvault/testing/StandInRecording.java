package dev.callvault.testing;

import java.time.Instant;

/** One recording the {@link TwilioStandIn} serves; its media is {@link SyntheticAudio} of {@code mediaSize} bytes. */
public record StandInRecording(String sid, String accountSid, String callSid, Instant dateCreated, Instant startTime,
                               int durationSeconds, int channels, String status, String source, Integer errorCode,
                               boolean encrypted, long mediaSize, long seed) {

    public static StandInRecording completed(String accountSid, String callSid, String sid, Instant dateCreated, long mediaSize) {
        return new StandInRecording(sid, accountSid, callSid, dateCreated, dateCreated.minusSeconds(187), 187, 2, "completed",
                "StartCallRecordingAPI", null, false, mediaSize, sid.hashCode());
    }

    public StandInRecording withStatus(String newStatus, Integer newErrorCode) {
        return new StandInRecording(sid, accountSid, callSid, dateCreated, startTime, durationSeconds, channels, newStatus, source,
                newErrorCode, encrypted, mediaSize, seed);
    }

    public StandInRecording withSource(String newSource) {
        return new StandInRecording(sid, accountSid, callSid, dateCreated, startTime, durationSeconds, channels, status, newSource,
                errorCode, encrypted, mediaSize, seed);
    }

    public StandInRecording encryptedRecording() {
        return new StandInRecording(sid, accountSid, callSid, dateCreated, startTime, durationSeconds, channels, status, source,
                errorCode, true, mediaSize, seed);
    }

    public SyntheticAudio.Kind kind(String extension) {
        return "mp3".equals(extension) ? SyntheticAudio.Kind.MP3 : SyntheticAudio.Kind.WAV;
    }

    /** The SHA-256 of the media as served in {@code extension} ("mp3" or "wav"). */
    public String sha256(String extension) {
        return SyntheticAudio.sha256(kind(extension), seed, mediaSize);
    }
}
