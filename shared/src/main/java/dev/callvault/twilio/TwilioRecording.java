package dev.callvault.twilio;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * What we need to know of one Twilio recording, from its REST resource. {@code status} is Twilio's word as sent
 * (in-progress, paused, stopped, processing, completed, absent, deleted, or one Twilio adds later).
 */
public record TwilioRecording(String sid, String accountSid, String callSid, String status, int channels,
                              BigDecimal durationSeconds, Instant dateCreated, Instant startTime, String source,
                              Integer errorCode, java.util.Map<String, String> encryption) {
    public TwilioRecording {
        encryption = encryption == null ? null : java.util.Map.copyOf(encryption);
    }

    /**
     * Encrypted with the account's public key (Voice Recording Encryption): {@code encryption} holds Twilio's
     * {@code encryption_details} (type, public_key_sid, encrypted_cek, iv).
     */
    public boolean encrypted() {
        return encryption != null;
    }

    public RecordingRef ref() {
        return new RecordingRef(accountSid, sid, callSid);
    }

    /** Only a completed recording has media to archive. */
    public boolean hasMedia() {
        return "completed".equals(status);
    }

    /** The media format to fetch: MP3 (Twilio's default) unless asked for WAV or the recording is encrypted (WAV only). */
    public MediaFormat mediaFormat(MediaFormat preferred) {
        return encrypted() ? MediaFormat.WAV : preferred;
    }
}
