package dev.callvault.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.util.Base64;
import java.util.Map;

/**
 * A key pair of Twilio's Voice Recording Encryption as an account holder makes one: Twilio knows the public key by its
 * SID ({@code CR...}), callvault is given the private key as a PEM PKCS#8 file ({@code twilio.encryption.private-key.CR...}).
 */
public record RecordingKeyPair(String sid, KeyPair pair, Path pem) {
    /** A fresh 2048-bit pair for {@code sid}, its private key written to {@code dir}. */
    public static RecordingKeyPair generate(String sid, Path dir) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            KeyPair pair = g.generateKeyPair();
            Path pem = Files.createTempFile(dir, "private-key-", ".pem");
            Files.writeString(pem, "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(pair.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n", StandardCharsets.US_ASCII);
            return new RecordingKeyPair(sid, pair, pem);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public PublicKey publicKey() {
        return pair.getPublic();
    }

    /** The setting that gives callvault this pair's private key. */
    public Map<String, String> setting() {
        return Map.of("twilio.encryption.private-key." + sid, pem.toString());
    }

    /** The setting for this pair's SID naming {@code other}'s private key: a valid key that does not open this pair's recordings. */
    public Map<String, String> settingWithKeyOf(RecordingKeyPair other) {
        return Map.of("twilio.encryption.private-key." + sid, other.pem.toString());
    }

    /**
     * {@code seconds} of a two-channel 8 kHz 16-bit WAV, a tone on each channel (440 and 660 Hz): what Twilio's
     * dual-channel recording holds, and the only format Twilio serves an encrypted recording in.
     */
    public static byte[] wav(int seconds) {
        int frames = seconds * 8000;
        ByteBuffer b = ByteBuffer.allocate(44 + frames * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + frames * 4).put("WAVE".getBytes(StandardCharsets.US_ASCII))
                .put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16).putShort((short) 1).putShort((short) 2).putInt(8000).putInt(8000 * 4)
                .putShort((short) 4).putShort((short) 16).put("data".getBytes(StandardCharsets.US_ASCII)).putInt(frames * 4);
        for (int i = 0; i < frames; i++) {
            b.putShort((short) (6000 * Math.sin(2 * Math.PI * 440 * i / 8000.0))).putShort((short) (6000 * Math.sin(2 * Math.PI * 660 * i / 8000.0)));
        }
        return b.array();
    }
}
